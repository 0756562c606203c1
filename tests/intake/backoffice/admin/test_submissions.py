"""The triage queue and the submission page: order, waiting targets, search, audit, escaping.

The submission page's buttons are tested with their views (tests/intake/backoffice/views/).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from intake.models import AuditEvent, Submission
from intake.scheduling.services import booking
from intake.services import drafts
from tests.factories import STAFF_PASSWORD, SubmissionFactory, TriagedSubmissionFactory
from tests.intake.backoffice.signin import Clock
from tests.intake.backoffice.staff import QUEUE, logged_in, queue_references, slot_in, waited
from tests.intake.clinic_clock import FRIDAY, MONDAY, SATURDAY, TUESDAY, WEDNESDAY, at

pytestmark = pytest.mark.django_db


def test_queue_orders_by_urgency_then_longest_waiting(triage_nurse: User) -> None:
    routine_old = SubmissionFactory(tier="ROUTINE", submitted_at=waited(300))
    soon = SubmissionFactory(tier="SOON", submitted_at=waited(5))
    urgent_new = SubmissionFactory(tier="URGENT", submitted_at=waited(1))
    urgent_old = SubmissionFactory(tier="URGENT", submitted_at=waited(3))
    emergency = SubmissionFactory(tier="EMERGENCY", submitted_at=waited(0.1))
    assert queue_references(logged_in(triage_nurse)) == [
        s.reference for s in (emergency, urgent_old, urgent_new, soon, routine_old)
    ]


def test_queue_shows_only_submissions_awaiting_review_by_default(triage_nurse: User) -> None:
    waiting = SubmissionFactory(status=Submission.Status.SUBMITTED)
    reviewing = SubmissionFactory(status=Submission.Status.IN_REVIEW)
    closed = SubmissionFactory(status=Submission.Status.CLOSED)
    client = logged_in(triage_nurse)
    shown = set(queue_references(client))
    assert shown == {waiting.reference, reviewing.reference}
    assert closed.reference in queue_references(client, "?queue=all")
    assert queue_references(client, "?queue=closed") == [closed.reference]


def test_queue_counts_per_tier_awaiting_review(triage_nurse: User) -> None:
    SubmissionFactory.create_batch(3, tier="URGENT")
    SubmissionFactory(tier="EMERGENCY")
    SubmissionFactory(tier="URGENT", status=Submission.Status.CLOSED)  # not awaiting
    html = logged_in(triage_nurse).get(QUEUE).content.decode()
    counts = dict(re.findall(r'data-tier-count="(\w+)">(\d+\+?)<', html))
    assert counts == {"EMERGENCY": "1", "URGENT": "3", "SOON": "0", "ROUTINE": "0"}


def test_tier_badge_has_text_not_only_colour(triage_nurse: User) -> None:
    SubmissionFactory(tier="EMERGENCY")
    html = logged_in(triage_nurse).get(QUEUE).content.decode()
    assert '<span class="tier-badge tier-emergency">Emergency</span>' in html


@pytest.mark.parametrize(
    ("tier", "sent", "now", "late"),
    [
        ("EMERGENCY", at(WEDNESDAY, "10:00"), at(WEDNESDAY, "10:14"), False),
        ("EMERGENCY", at(WEDNESDAY, "10:00"), at(WEDNESDAY, "10:16"), True),  # 15 minutes
        ("EMERGENCY", at(SATURDAY, "03:00"), at(SATURDAY, "03:16"), True),  # at any hour
        ("URGENT", at(WEDNESDAY, "09:00"), at(WEDNESDAY, "12:59"), False),
        ("URGENT", at(WEDNESDAY, "09:00"), at(WEDNESDAY, "13:01"), True),  # 4 hours, open
        # Told "If we have not called by 17:30": late at 17:31, under 4 hours after.
        ("URGENT", at(WEDNESDAY, "15:00"), at(WEDNESDAY, "17:29"), False),
        ("URGENT", at(WEDNESDAY, "15:00"), at(WEDNESDAY, "17:31"), True),
        # Sent in the last hour (told to call NHS 111): 4 hours from the next opening.
        ("URGENT", at(TUESDAY, "17:00"), at(WEDNESDAY, "12:29"), False),
        ("URGENT", at(TUESDAY, "17:00"), at(WEDNESDAY, "12:31"), True),
        ("URGENT", at(FRIDAY, "18:00"), at(MONDAY, "12:29"), False),  # over the weekend
        ("SOON", at(WEDNESDAY, "10:00") - dt.timedelta(hours=71), at(WEDNESDAY, "10:00"), False),
        ("SOON", at(WEDNESDAY, "10:00") - dt.timedelta(hours=73), at(WEDNESDAY, "10:00"), True),
        ("ROUTINE", at(WEDNESDAY, "10:00") - dt.timedelta(days=60), at(WEDNESDAY, "10:00"), False),
    ],
)
def test_waiting_time_turns_red_past_the_tier_target(
    triage_nurse: User,
    clinic_clock: Clock,
    tier: str,
    sent: dt.datetime,
    now: dt.datetime,
    late: bool,
) -> None:
    clinic_clock.moment = now
    SubmissionFactory(tier=tier, submitted_at=sent)
    html = logged_in(triage_nurse).get(QUEUE).content.decode()
    assert ("past target" in html) is late


def test_waiting_time_targets_are_configurable(
    triage_nurse: User, clinic_clock: Clock, settings: Settings
) -> None:
    settings.CLINIC_TIERS = {
        **settings.CLINIC_TIERS,
        "URGENT": {**settings.CLINIC_TIERS["URGENT"], "review_within_minutes": 60},
    }
    SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "08:45"))
    assert "past target" in logged_in(triage_nurse).get(QUEUE).content.decode()


def test_a_reviewed_submission_is_not_shown_late(triage_nurse: User) -> None:
    SubmissionFactory(tier="URGENT", submitted_at=waited(30), status=Submission.Status.TRIAGED)
    html = logged_in(triage_nurse).get(QUEUE + "?queue=all").content.decode()
    assert "past target" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LEG-T000-1AAA", ["LEG-T000-1AAA"]),  # reference: exact
        ("leg-t000-1aaa", ["LEG-T000-1AAA"]),
        ("LEG-T000", []),  # a partial reference matches nothing
        ("Brook", ["LEG-T000-1AAA"]),  # name
        ("ada.brook@example.org", ["LEG-T000-1AAA"]),  # email, exact
        ("07700 900555", ["LEG-T000-1AAA"]),  # phone
    ],
)
def test_queue_search(triage_nurse: User, query: str, expected: list[str]) -> None:
    SubmissionFactory(reference="LEG-T000-0AAA", patient__full_name="Cara Carrow")
    SubmissionFactory(
        reference="LEG-T000-1AAA",
        patient__full_name="Ada Brook",
        patient__email="ada.brook@example.org",
        patient__phone="07700 900555",
    )
    assert queue_references(logged_in(triage_nurse), f"?q={query}") == expected


def test_filters_assigned_to_me_and_interruption(triage_nurse: User) -> None:
    mine = SubmissionFactory(assigned_to=triage_nurse)
    interrupted = SubmissionFactory(interruption_shown_at=waited(2))
    SubmissionFactory()
    client = logged_in(triage_nurse)
    assert queue_references(client, "?assigned=me") == [mine.reference]
    assert queue_references(client, "?interrupted=yes") == [interrupted.reference]
    assert len(queue_references(client, "?assigned=nobody")) == 2


@pytest.mark.parametrize("rows", [10, 200])
def test_queue_uses_a_constant_number_of_queries(triage_nurse: User, rows: int) -> None:
    SubmissionFactory.create_batch(rows, assigned_to=triage_nurse)
    client = logged_in(triage_nurse)
    client.get(QUEUE)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    QUERY_COUNTS[rows] = len(queries)
    if len(QUERY_COUNTS) == 2:
        assert QUERY_COUNTS[10] == QUERY_COUNTS[200]
    assert len(queries) <= 14
    # No COUNT(*) over the whole table: counts are capped sub-queries.
    for sql in (q["sql"] for q in queries.captured_queries):
        if "COUNT(" in sql.upper():
            assert "LIMIT" in sql.upper(), sql


QUERY_COUNTS: dict[int, int] = {}


# --- The submission page ---


def test_viewing_a_submission_is_audited(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    logged_in(triage_nurse).get(f"/admin/intake/submission/{submission.pk}/change/")
    event = AuditEvent.objects.get(action="view")
    assert event.actor == triage_nurse
    assert event.submission_id == submission.pk
    assert event.ip_address == "127.0.0.1"
    assert event.details == {"clinical_detail": True}


def test_login_logout_and_failed_login_are_audited(triage_nurse: User) -> None:
    client = Client()
    client.post("/admin/login/", {"username": "tess", "password": "wrong"})
    client.post("/admin/login/", {"username": "tess", "password": STAFF_PASSWORD})
    client.post("/admin/logout/")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["login_failed", "login", "logout"]
    assert "wrong" not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_bulk_assign_and_mark_in_review(triage_nurse: User) -> None:
    first, second = SubmissionFactory(), SubmissionFactory(status=Submission.Status.BOOKED)
    client = logged_in(triage_nurse)
    client.post(QUEUE, {"action": "assign_to_me", "_selected_action": [first.pk]})
    response = client.post(
        QUEUE + "?queue=all",
        {"action": "mark_in_review", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assigned_to == triage_nurse
    assert first.status == Submission.Status.IN_REVIEW
    assert second.status == Submission.Status.BOOKED
    assert "1 could not be marked in review from their status." in response.content.decode()


# --- Escaping ---

SCRIPT = "<script>alert('x')</script>"


def test_free_text_is_escaped_in_the_queue_page_and_history(
    triage_nurse: User, clinic_admin: User
) -> None:
    submission = SubmissionFactory(
        patient__full_name=f"Eve {SCRIPT}",
        answers={"main_problem_text": f"Pain {SCRIPT}", "medication_list": SCRIPT},
    )
    client = logged_in(triage_nurse)
    client.post(f"{QUEUE}{submission.pk}/workflow/note/", {"text": f"Note {SCRIPT}"})
    Client().post("/admin/login/", {"username": SCRIPT, "password": "x"})  # lands in the log
    pages = {
        "queue": client.get(QUEUE).content.decode(),
        "submission": client.get(f"{QUEUE}{submission.pk}/change/").content.decode(),
        "history": client.get(f"{QUEUE}{submission.pk}/history/").content.decode(),
        "audit log": logged_in(clinic_admin).get("/admin/intake/auditevent/").content.decode(),
    }
    for name, html in pages.items():
        assert SCRIPT not in html, name
    assert "&lt;script&gt;" in pages["queue"]
    assert "Pain &lt;script&gt;" in pages["submission"]
    assert "&lt;script&gt;" in pages["audit log"]


def test_an_interrupted_draft_shows_its_triage_so_far(triage_nurse: User) -> None:
    # The on-call clinician follows the alert of a patient who stopped at the 999 page.
    draft = drafts.submission_create_draft()
    drafts.submission_save_step(
        submission=draft,
        step_answers={"rf_chest_pain": "yes"},
        identity={"full_name": "Dana Draft", "date_of_birth": "1950-02-03"},
    )
    client = logged_in(triage_nurse)
    html = client.get(f"/admin/intake/submission/{draft.pk}/change/").content.decode()
    assert "This form is not finished." in html
    assert '<span class="tier-badge tier-emergency">Emergency</span>' in html
    assert "EMG_CHEST_BREATH" in html
    assert "Dana Draft" in html
    queue = client.get(QUEUE + "?queue=draft").content.decode()
    assert "Dana Draft" in queue


# --- The appointment column and filter ---


def test_queue_shows_the_appointment_and_filters_on_it(receptionist: User) -> None:
    booked_submission = TriagedSubmissionFactory()
    slot = slot_in(24 * 3)
    booking.appointment_book(submission=booked_submission, slot=slot, actor=receptionist)
    waiting = TriagedSubmissionFactory()
    client = logged_in(receptionist)
    html = client.get("/admin/intake/submission/?queue=all").content.decode()
    assert f"{timezone.localtime(slot.start):%a %d %b %H:%M}" in html
    yes = client.get("/admin/intake/submission/?queue=all&appointment=yes").content.decode()
    no = client.get("/admin/intake/submission/?queue=all&appointment=no").content.decode()
    assert booked_submission.reference is not None and waiting.reference is not None
    assert booked_submission.reference in yes and waiting.reference not in yes
    assert waiting.reference in no and booked_submission.reference not in no
