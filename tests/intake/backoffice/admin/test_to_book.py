"""Reception's own list, "To book" (issue 20): triaged and not booked, soonest deadline first,
with triage's recommended type and booking note; and search that finds every case.

Personas: Rita (receptionist), Tess (triage clinician), Sid (staff in no group).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from intake.models import AuditEvent, Submission
from intake.scheduling.models import BookingRequest
from intake.scheduling.services import booking, requests
from tests.factories import (
    AppointmentTypeFactory,
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
    staff_user,
)
from tests.intake.backoffice.signin import Clock
from tests.intake.backoffice.staff import QUEUE, client_for, logged_in, queue_references
from tests.intake.clinic_clock import WEDNESDAY, at

pytestmark = pytest.mark.django_db

TO_BOOK = "/admin/scheduling/casetobook/"
THURSDAY = WEDNESDAY + dt.timedelta(days=1)


def listed(client: Client, query: str = "") -> list[str]:
    """The references on the "To book" page, in order."""
    html = client.get(TO_BOOK + query).content.decode()
    return re.findall(r'href="/admin/intake/submission/\d+/change/">(LEG-[A-Z0-9-]+)<', html)


def triaged(tess: User, *, tier: str, sent: dt.datetime, **guidance: Any) -> Submission:
    submission = SubmissionFactory(tier=tier, submitted_at=sent)
    requests.submission_triage(submission=submission, actor=tess, **guidance)
    return submission


def test_to_book_lists_triaged_unbooked_cases_soonest_deadline_first(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    sent = at(WEDNESDAY, "09:00")
    routine = triaged(triage_nurse, tier="ROUTINE", sent=sent)
    urgent = triaged(triage_nurse, tier="URGENT", sent=sent)
    soon = triaged(triage_nurse, tier="SOON", sent=sent)
    booked = triaged(triage_nurse, tier="SOON", sent=sent)
    booking.appointment_book(submission=booked, slot=SlotFactory(), actor=receptionist)
    SubmissionFactory(tier="URGENT")  # not triaged yet
    triaged(triage_nurse, tier="EMERGENCY", sent=sent)  # never booked: not reception's list
    assert listed(logged_in(receptionist)) == [
        urgent.reference,
        soon.reference,
        routine.reference,
    ]


def test_each_row_shows_the_deadline_recommended_type_and_note(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    scan = AppointmentTypeFactory(name="Same-day duplex scan", code="duplex_same_day")
    triaged(
        triage_nurse,
        tier="URGENT",
        sent=at(WEDNESDAY, "09:00"),
        appointment_type=scan,
        note="Please book with the vascular registrar",
    )
    html = logged_in(receptionist).get(TO_BOOK).content.decode()
    assert "Wed 17 Mar 17:30" in html
    assert "Same-day duplex scan" in html
    assert "Please book with the vascular registrar" in html
    assert "/admin/scheduling/appointment/book/" in html  # the Book button
    assert "Test reason" not in html  # no clinical detail on reception's list


def test_a_case_past_its_deadline_is_marked_and_can_be_filtered(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    late = triaged(triage_nurse, tier="URGENT", sent=at(WEDNESDAY, "09:00"))
    clinic_clock.moment = at(THURSDAY, "09:00")
    on_time = triaged(triage_nurse, tier="SOON", sent=at(THURSDAY, "08:50"))
    client = logged_in(receptionist)
    html = client.get(TO_BOOK).content.decode()
    assert re.search(r'class="to-book-deadline to-book-overdue">Wed 17 Mar 17:30 \(passed\)', html)
    assert listed(client, "?deadline=passed") == [late.reference]
    assert listed(client, "?deadline=later") == [on_time.reference]


def test_requests_for_a_slot_and_patient_cancellations_are_flagged(
    receptionist: User, triage_nurse: User
) -> None:
    asked = TriagedSubmissionFactory(tier="URGENT")
    booking.submission_escalate_no_slot(submission=asked, actor=receptionist)
    cancelled = TriagedSubmissionFactory(tier="SOON")
    appointment = booking.appointment_book(
        submission=cancelled, slot=SlotFactory(), actor=receptionist
    )
    booking.appointment_cancel_by_patient(appointment=appointment, reason="Away")
    html = logged_in(receptionist).get(TO_BOOK).content.decode()
    assert "Needs a slot: triage asked" in html
    assert "The patient cancelled" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("receptionist", 200), ("triage", 200), ("clinic_admin", 200), ("no_role", 403)],
)
def test_who_may_see_the_list(
    persona: str, status: int, receptionist: User, triage_nurse: User, clinic_admin: User
) -> None:
    users = {
        "receptionist": receptionist,
        "triage": triage_nurse,
        "clinic_admin": clinic_admin,
        "no_role": staff_user("sid"),
    }
    assert client_for(persona, users).get(TO_BOOK).status_code == status
    assert client_for("anonymous", users).get(TO_BOOK).status_code == 302


def test_the_list_has_no_page_per_row_but_the_case_page(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    response = logged_in(receptionist).get(f"{TO_BOOK}{submission.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/intake/submission/{submission.pk}/change/"


# --- Search finds every case, whatever the status -------------------------------------------------


def test_the_lists_search_box_searches_every_case(receptionist: User) -> None:
    html = logged_in(receptionist).get(TO_BOOK).content.decode()
    form = re.search(r'<form class="to-book-search" method="get" action="([^"]+)"', html)
    assert form and form[1] == QUEUE
    assert re.search(r'<label for="to-book-q">Find a case</label>', html)


@pytest.mark.parametrize(
    "status", [Submission.Status.TRIAGED, Submission.Status.BOOKED, Submission.Status.CLOSED]
)
def test_a_reference_is_found_on_the_default_filter_whatever_its_status(
    receptionist: User, status: str
) -> None:
    # The case: "LEG-DF4C-ERJR" on the default "Awaiting review" gave "0 results".
    case = SubmissionFactory(reference="LEG-DF4C-ERJR", status=status)
    SubmissionFactory(status=Submission.Status.SUBMITTED)  # awaiting review, not searched for
    client = logged_in(receptionist)
    assert queue_references(client, "?q=LEG-DF4C-ERJR") == [case.reference]
    assert queue_references(client, "?q=leg-df4c-erjr") == [case.reference]
    html = client.get(QUEUE + "?q=LEG-DF4C-ERJR").content.decode()
    # The status filter says so: all statuses, not "Awaiting review".
    assert re.search(r'<li class="selected">\s*<a href="[^"]*queue=all[^"]*"', html)


def test_a_status_chosen_explicitly_still_narrows_a_search(receptionist: User) -> None:
    SubmissionFactory(reference="LEG-DF4C-ERJR", status=Submission.Status.BOOKED)
    client = logged_in(receptionist)
    assert queue_references(client, "?queue=awaiting&q=LEG-DF4C-ERJR") == []
    assert queue_references(client, "?queue=booked&q=LEG-DF4C-ERJR") == ["LEG-DF4C-ERJR"]


def test_name_email_and_phone_searches_find_booked_cases_too(receptionist: User) -> None:
    case = SubmissionFactory(
        status=Submission.Status.BOOKED,
        patient__full_name="Ada Brook",
        patient__email="ada.brook@example.org",
        patient__phone="07700 900555",
    )
    client = logged_in(receptionist)
    for query in ("Brook", "ada.brook@example.org", "07700 900555"):
        assert queue_references(client, f"?q={query}") == [case.reference], query


# --- "Needs a slot" in the triage queue -----------------------------------------------------------


def test_a_request_for_a_slot_appears_in_the_triage_queue(
    receptionist: User, triage_nurse: User
) -> None:
    asked = TriagedSubmissionFactory(tier="URGENT")
    other = TriagedSubmissionFactory(tier="URGENT")
    booking.submission_escalate_no_slot(submission=asked, actor=receptionist)
    client = logged_in(triage_nurse)
    shown = queue_references(client)  # the default view: awaiting review, and these
    assert asked.reference in shown and other.reference not in shown
    assert queue_references(client, "?queue=all&needs_slot=yes") == [asked.reference]
    html = client.get(QUEUE).content.decode()
    assert "Needs a slot: reception found none in time" in html
    # Answered by a clinician: it leaves the queue.
    requests.bookingrequest_set_guidance(submission=asked, note="Extra slot", actor=triage_nurse)
    assert asked.reference not in queue_references(client)
    assert BookingRequest.objects.get(submission=asked).needs_slot_since is None
    assert AuditEvent.objects.filter(action="escalation", submission=asked).exists()


def test_each_row_has_the_number_to_ring_today(receptionist: User) -> None:
    TriagedSubmissionFactory(
        patient__full_name="Ada Brook", answers={"contact_phone": "07700 900222"}
    )
    html = logged_in(receptionist).get(TO_BOOK).content.decode()
    assert 'Ada Brook<br><a href="tel:07700900222">07700 900222</a>' in html
