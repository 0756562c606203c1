"""No double booking under real concurrency, on PostgreSQL (the production and CI database).

Twenty receptionists, each in their own thread with their own database connection, press
"Book" for the same slot at the same moment. Exactly one gets the booking; the other 19 get
"that slot was just taken"; nobody gets a server error, and nothing deadlocks. Then the
exclusion constraint: overlapping but unequal slots of one clinician cannot both be booked,
even by an insert that skips the service.

These need PostgreSQL (SQLite has one writer at a time and no exclusion constraints): they
are skipped on SQLite, with that reason, and run in CI, which always uses PostgreSQL (the CI
guard in tests/conftest.py stops a CI run on anything else, and so does the fixture below).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import IntegrityError, connection, connections, transaction

from intake import roles
from intake.models import Submission
from intake.scheduling.models import Appointment, Slot
from intake.scheduling.services import booking
from tests.factories import (
    SlotFactory,
    TriagedSubmissionFactory,
    ensure_role_groups,
    logged_in,
    staff_user,
)
from tests.support.databases import needs_postgresql

ON_POSTGRESQL = connection.vendor == "postgresql"

pytestmark = [
    needs_postgresql("row locks under concurrency and the exclusion constraint"),
    # Real transactions: the threads see each other's commits.
    pytest.mark.django_db(transaction=True),
]

THREADS = 20
TAKEN = "That slot was just taken"
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _postgresql_in_ci() -> None:
    # Belt and braces: in CI these tests must run, never be skipped.
    if not ON_POSTGRESQL:
        pytest.fail("CI must run the concurrency tests on PostgreSQL")
    ensure_role_groups()  # flushed away by the previous transactional test


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run work(i) in `count` threads released together; each closes its own connection.
    Returns what each returned, in order; fails if any of them raised."""
    barrier = threading.Barrier(count)
    results: dict[int, T] = {}
    errors: list[Exception] = []
    backends: list[int] = [0] * count

    def run(i: int) -> None:
        try:
            connection.ensure_connection()  # this thread's own connection
            backends[i] = connection.connection.get_backend_pid()
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as error:  # reported by the assertion below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a booking hung: deadlock or lock wait"
    assert len(set(backends)) == count, "each thread must have its own connection"
    assert errors == []
    return [results[i] for i in range(count)]


def book_url(submission: Submission) -> str:
    return f"/admin/scheduling/appointment/book/{submission.pk}/"


def test_twenty_receptionists_book_the_same_slot_at_once() -> None:
    slot = SlotFactory()
    patients = [TriagedSubmissionFactory(tier="URGENT") for _ in range(THREADS)]
    clients = []
    for i in range(THREADS):
        clients.append(logged_in(staff_user(f"reception{i}", roles.RECEPTIONIST)))

    def press_book(i: int) -> tuple[int, str]:
        response = clients[i].post(book_url(patients[i]), {"slot": slot.pk})
        return response.status_code, response.content.decode()

    results = at_once(THREADS, press_book)  # and none raised

    statuses = [status for status, _html in results]
    assert all(status < 500 for status in statuses), statuses
    booked = [i for i, (status, _html) in enumerate(results) if status == 302]
    taken = [i for i, (status, html) in enumerate(results) if status == 200 and TAKEN in html]
    assert len(booked) == 1
    assert len(taken) == THREADS - 1
    appointment = Appointment.objects.get(slot=slot)
    assert appointment.submission_id == patients[booked[0]].pk
    assert Submission.objects.filter(status=Submission.Status.BOOKED).count() == 1
    assert Submission.objects.filter(status=Submission.Status.TRIAGED).count() == THREADS - 1


def test_overlapping_slots_of_one_clinician_cannot_both_be_booked_at_once() -> None:
    # Two slots of one clinician that overlap by 15 minutes (e.g. a 30-minute clinic slot and
    # a 45-minute scan slot made by two rules): half the threads take each.
    first = SlotFactory()
    second = SlotFactory(
        clinician=first.clinician,
        start=first.start + dt.timedelta(minutes=15),
        end=first.end + dt.timedelta(minutes=30),
    )
    patients = [TriagedSubmissionFactory() for _ in range(THREADS)]
    actor = staff_user("rita", roles.RECEPTIONIST)

    def book(i: int) -> str:
        slot = first if i % 2 else second
        try:
            booking.appointment_book(submission=patients[i], slot=slot, actor=actor)
        except Exception as error:
            return " ".join(getattr(error, "messages", [str(error)]))
        return "booked"

    results = at_once(THREADS, book)
    assert results.count("booked") == 1, results
    assert all(TAKEN in r for r in results if r != "booked"), results
    assert Appointment.objects.count() == 1


def test_the_exclusion_constraint_refuses_overlaps_that_skip_the_service() -> None:
    first = SlotFactory()
    overlapping = SlotFactory(
        clinician=first.clinician,
        start=first.start + dt.timedelta(minutes=15),
        end=first.end + dt.timedelta(minutes=15),
    )
    adjacent = SlotFactory(
        clinician=first.clinician, start=first.start - dt.timedelta(minutes=30), end=first.start
    )

    def insert(slot: Slot, status: str = "booked") -> Appointment:
        return Appointment.objects.create(
            submission=TriagedSubmissionFactory(),
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
            status=status,
        )

    booked = insert(first)
    with (
        pytest.raises(IntegrityError, match="appointment_no_clinician_overlap"),
        transaction.atomic(),
    ):
        insert(overlapping)
    insert(adjacent)  # [start, end): touching is not overlapping
    insert(SlotFactory(start=first.start, end=first.end))  # another clinician: fine
    # A cancelled appointment holds nothing: the overlapping slot can be booked now.
    Appointment.objects.filter(pk=booked.pk).update(status="cancelled")
    insert(overlapping)


def test_a_cancelled_slot_can_be_booked_again() -> None:
    slot = SlotFactory()
    actor = staff_user("rita", roles.RECEPTIONIST)
    first = booking.appointment_book(submission=TriagedSubmissionFactory(), slot=slot, actor=actor)
    booking.appointment_cancel(appointment=first, reason="Patient phoned", actor=actor)
    again = booking.appointment_book(submission=TriagedSubmissionFactory(), slot=slot, actor=actor)
    assert again.status == "booked"
    assert Appointment.objects.filter(slot=slot).count() == 2


def test_the_constraints_are_in_the_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, contype FROM pg_constraint"
            " WHERE conrelid = 'intake_appointment'::regclass"
        )
        constraints = dict(cursor.fetchall())
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'intake_appointment'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert constraints["appointment_no_clinician_overlap"] == "x"  # exclusion
    assert "appointment_one_active_per_slot" in indexes  # partial unique index
