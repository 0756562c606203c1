"""Booking requests (issue 20): triage's guidance for reception, the case's deadline, "needs a
slot", the overdue-booking alert, and a patient's cancellation acknowledged.

Personas: Tess (triage clinician) triages; Rita (receptionist) books, escalates, acknowledges.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from intake.models import AuditEvent, Notification, Submission
from intake.scheduling import guidance
from intake.scheduling.models import Appointment, AppointmentType, BookingRequest
from intake.scheduling.services import booking as real_booking
from intake.scheduling.services import requests as real_requests
from intake.scheduling.tasks import alert_overdue_bookings
from tests.factories import (
    AppointmentTypeFactory,
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
)
from tests.intake.backoffice.signin import Clock
from tests.intake.clinic_clock import WEDNESDAY, at
from tests.intake.scheduling.helpers import CommittedServices

pytestmark = pytest.mark.django_db

THURSDAY = WEDNESDAY + dt.timedelta(days=1)
Status = Submission.Status

requests: CommittedServices
booking: CommittedServices


@pytest.fixture(autouse=True)
def _services(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    global requests, booking
    requests = CommittedServices(django_capture_on_commit_callbacks, real_requests)
    booking = CommittedServices(django_capture_on_commit_callbacks, real_booking)


@pytest.fixture
def scan() -> AppointmentType:
    return AppointmentTypeFactory(
        name="Same-day duplex scan", code="duplex_same_day", roles=["sonographer"]
    )


def triage(submission: Submission, actor: User, **kwargs: object) -> BookingRequest:
    request: BookingRequest = requests.submission_triage(
        submission=submission, actor=actor, **kwargs
    )
    return request


# --- Triage: straight from submitted, with the guidance -------------------------------------------


def test_triaging_a_submitted_case_records_the_review_and_the_guidance(
    triage_nurse: User, scan: AppointmentType, clinic_clock: Clock
) -> None:
    submission = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "09:30"))
    request = triage(submission, triage_nurse, appointment_type=scan, note="  Mornings only ")
    submission.refresh_from_db()
    assert submission.status == Status.TRIAGED
    assert submission.assigned_to == triage_nurse  # the review took it, as "in review" does
    assert (request.appointment_type, request.note) == (scan, "Mornings only")
    assert request.triaged_at == at(WEDNESDAY, "10:00")
    assert request.book_by == at(WEDNESDAY, "17:30")  # URGENT: the same day
    assert request.window_closed_at is None
    events = AuditEvent.objects.filter(submission=submission).order_by("id")
    assert [(e.action, e.details.get("to")) for e in events] == [
        ("status", "in_review"),
        ("assign", "tess"),
        ("status", "triaged"),
        ("change", None),
    ]
    assert events[0].details == {"from": "submitted", "to": "in_review", "on_triage": True}
    assert events[3].details == {
        "booking_request": "triaged",
        "appointment_type": scan.pk,
        "note": True,  # that there is one, never its text
        "book_by": at(WEDNESDAY, "17:30").isoformat(),
        "window_extended": False,
    }
    assert "Mornings" not in str([e.details for e in events])


def test_triaging_from_in_review_leaves_no_second_review(triage_nurse: User) -> None:
    submission = SubmissionFactory(status=Status.IN_REVIEW, assigned_to=triage_nurse)
    triage(submission, triage_nurse)
    moves = AuditEvent.objects.filter(submission=submission, action="status")
    assert [e.details for e in moves] == [{"from": "in_review", "to": "triaged"}]


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REFERRED, Status.DRAFT])
def test_triage_is_refused_from_other_statuses(triage_nurse: User, status: str) -> None:
    submission = SubmissionFactory(status=status)
    with pytest.raises(ValidationError):
        triage(submission, triage_nurse)
    assert not BookingRequest.objects.exists()
    assert not AuditEvent.objects.filter(submission=submission).exists()


def test_a_booking_note_over_200_characters_is_refused(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    with pytest.raises(ValidationError, match="200 characters"):
        triage(submission, triage_nurse, note="x" * 201)
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_a_window_closing_minutes_after_triage_is_extended(
    triage_nurse: User, clinic_clock: Clock
) -> None:
    # The case: triaged at 17:27, the URGENT window closing at 17:30.
    clinic_clock.moment = at(WEDNESDAY, "17:27")
    submission = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "14:00"))
    request = triage(submission, triage_nurse)
    assert request.book_by == at(THURSDAY, "17:30")
    assert request.window_closed_at == at(WEDNESDAY, "17:30")
    assert AuditEvent.objects.get(action="change").details["window_extended"] is True


def test_an_emergency_gets_no_deadline(triage_nurse: User) -> None:
    request = triage(SubmissionFactory(tier="EMERGENCY"), triage_nurse)
    assert request.book_by is None


# --- The deadline follows the tier ---------------------------------------------------------------


def test_a_tier_change_after_triage_moves_the_deadline_and_rearms_the_alert(
    triage_nurse: User, clinic_clock: Clock
) -> None:
    submission = SubmissionFactory(tier="SOON", submitted_at=at(WEDNESDAY, "09:00"))
    request = triage(submission, triage_nurse)
    assert request.book_by == at(WEDNESDAY + dt.timedelta(days=15), "00:00")
    BookingRequest.objects.filter(pk=request.pk).update(overdue_alerted_at=timezone.now())
    clinic_clock.advance(hours=1)
    requests.submission_override_tier(
        submission=submission, tier="URGENT", reason="Worse on the phone", actor=triage_nurse
    )
    request.refresh_from_db()
    assert request.book_by == at(WEDNESDAY, "17:30")
    assert request.overdue_alerted_at is None
    event = AuditEvent.objects.filter(action="change").order_by("id").last()
    assert event is not None and event.details["booking_request"] == "deadline"


def test_a_rerun_that_keeps_the_tier_keeps_the_deadline(triage_nurse: User) -> None:
    submission = SubmissionFactory(tier="ROUTINE", answers={"rf_chest_pain": "no"})
    request = triage(submission, triage_nurse)
    requests.submission_rerun_engine(submission=submission, actor=triage_nurse)
    assert BookingRequest.objects.get().book_by == request.book_by
    assert not AuditEvent.objects.filter(details__booking_request="deadline").exists()


# --- Guidance changed; reception's "no slot inside the window" -----------------------------------


def test_no_slot_marks_the_case_and_the_clinicians_answer_clears_it(
    triage_nurse: User, receptionist: User, scan: AppointmentType
) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    booking.submission_escalate_no_slot(submission=submission, actor=receptionist)
    request = BookingRequest.objects.get(submission=submission)
    assert request.needs_slot_since is not None
    assert Notification.objects.filter(kind=Notification.Kind.NO_SLOT).exists()
    requests.bookingrequest_set_guidance(
        submission=submission, appointment_type=scan, note="Extra 16:00 scan", actor=triage_nurse
    )
    request.refresh_from_db()
    assert request.needs_slot_since is None
    assert (request.appointment_type, request.note) == (scan, "Extra 16:00 scan")
    event = AuditEvent.objects.filter(action="change").order_by("id").last()
    assert event is not None and event.details["no_slot_answered"] is True


def test_booking_settles_a_request_for_a_slot(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")
    booking.submission_escalate_no_slot(submission=submission, actor=receptionist)
    booking.appointment_book(submission=submission, slot=SlotFactory(), actor=receptionist)
    assert BookingRequest.objects.get(submission=submission).needs_slot_since is None


def test_guidance_is_only_for_a_triaged_case(triage_nurse: User) -> None:
    with pytest.raises(ValidationError, match="mark it triaged first"):
        requests.bookingrequest_set_guidance(
            submission=SubmissionFactory(), note="x", actor=triage_nurse
        )


# --- The overdue-booking alert (beat) ------------------------------------------------------------


def test_an_unbooked_case_past_its_deadline_alerts_reception_once(
    triage_nurse: User, clinic_clock: Clock
) -> None:
    submission = SubmissionFactory(
        tier="SOON", submitted_at=at(WEDNESDAY, "09:00"), patient__full_name="Ada Brook"
    )
    triage(submission, triage_nurse)
    mail.outbox.clear()
    assert requests.bookingrequest_alert_overdue() == 0  # not yet
    clinic_clock.moment = at(WEDNESDAY + dt.timedelta(days=15), "00:01")
    assert requests.bookingrequest_alert_overdue() == 1
    assert requests.bookingrequest_alert_overdue() == 0  # once per case
    alert = Notification.objects.get(kind=Notification.Kind.BOOKING_OVERDUE)
    assert alert.recipient == "reception@clinic.test"
    (message,) = mail.outbox
    subject, body = str(message.subject), str(message.body)
    assert submission.reference is not None
    assert submission.reference in subject and "Soon" in subject
    assert "Ada" not in subject + body  # no patient details by email
    assert f"/admin/intake/submission/{submission.pk}/change/" in body
    event = AuditEvent.objects.get(action="escalation")
    assert event.actor is None and event.details["reason"] == "booking_overdue"
    assert BookingRequest.objects.get().overdue_alerted_at == clinic_clock.moment


def test_an_urgent_overdue_case_alerts_the_triage_clinicians_too(
    triage_nurse: User, clinic_clock: Clock
) -> None:
    triage(SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "09:00")), triage_nurse)
    clinic_clock.moment = at(WEDNESDAY, "17:31")
    assert requests.bookingrequest_alert_overdue() == 1
    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.BOOKING_OVERDUE).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {"reception@clinic.test", "triage@clinic.test"}


def test_booked_closed_and_emergency_cases_are_not_alerted(
    triage_nurse: User, receptionist: User, clinic_clock: Clock
) -> None:
    sent = at(WEDNESDAY, "09:00")
    booked = SubmissionFactory(tier="URGENT", submitted_at=sent)
    triage(booked, triage_nurse)
    slot = SlotFactory(start=at(WEDNESDAY, "11:00"), end=at(WEDNESDAY, "11:30"))
    booking.appointment_book(submission=booked, slot=slot, actor=receptionist)
    closed = SubmissionFactory(tier="URGENT", submitted_at=sent)
    triage(closed, triage_nurse)
    Submission.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    triage(SubmissionFactory(tier="EMERGENCY", submitted_at=sent), triage_nurse)
    clinic_clock.moment = at(THURSDAY, "09:00")
    assert requests.bookingrequest_alert_overdue() == 0
    assert not Notification.objects.filter(kind=Notification.Kind.BOOKING_OVERDUE).exists()


def test_a_case_triaged_before_requests_existed_is_alerted_from_its_own_deadline(
    clinic_clock: Clock,
) -> None:
    # No request: its deadline counts as if triaged when its status last changed.
    legacy = TriagedSubmissionFactory(
        tier="URGENT",
        submitted_at=at(WEDNESDAY, "09:00"),
        status_changed_at=at(WEDNESDAY, "09:30"),
    )
    assert requests.bookingrequest_alert_overdue() == 0
    request = BookingRequest.objects.get(submission=legacy)  # made, to record the alert
    assert request.book_by == at(WEDNESDAY, "17:30")
    clinic_clock.moment = at(THURSDAY, "09:00")
    assert requests.bookingrequest_alert_overdue() == 1


def test_the_beat_job_runs_the_alert(triage_nurse: User, clinic_clock: Clock) -> None:
    triage(SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "09:00")), triage_nurse)
    clinic_clock.moment = at(THURSDAY, "09:00")
    assert alert_overdue_bookings() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["alert-overdue-bookings"]
    assert entry["task"] == alert_overdue_bookings.name


# --- A patient's cancellation, acknowledged -------------------------------------------------------


def test_reception_acknowledges_a_patients_cancellation(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    appointment = booking.appointment_book(
        submission=submission, slot=SlotFactory(), actor=receptionist
    )
    booking.appointment_cancel_by_patient(appointment=appointment, reason="Feeling better")
    acknowledged = booking.appointment_acknowledge_cancellation(
        appointment=appointment, actor=receptionist
    )
    assert acknowledged.cancellation_acknowledged_by == receptionist
    assert acknowledged.cancellation_acknowledged_at is not None
    event = AuditEvent.objects.filter(action="change").order_by("id").last()
    assert event is not None
    assert event.details == {"appointment": appointment.pk, "cancellation_acknowledged": True}
    with pytest.raises(ValidationError, match="acknowledged already"):
        booking.appointment_acknowledge_cancellation(appointment=appointment, actor=receptionist)


def test_only_a_patients_own_cancellation_is_acknowledged(receptionist: User) -> None:
    appointment: Appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=SlotFactory(), actor=receptionist
    )
    with pytest.raises(ValidationError):
        booking.appointment_acknowledge_cancellation(appointment=appointment, actor=receptionist)
    booking.appointment_cancel(appointment=appointment, reason="Clinic closed", actor=receptionist)
    with pytest.raises(ValidationError, match="patient's own cancellation"):
        booking.appointment_acknowledge_cancellation(appointment=appointment, actor=receptionist)


# --- Which appointment type triage suggests -------------------------------------------------------


@pytest.mark.parametrize(
    ("fired", "tier", "expected"),
    [
        (["URG_DVT"], "URGENT", "duplex_same_day"),  # a suspected DVT: the same-day scan
        (["URG_NEURO", "URG_DVT"], "URGENT", "duplex_same_day"),  # any fired rule in the table
        (["URG_DIABETIC_FOOT"], "URGENT", "diabetic_foot"),
        (["RTN_VENOUS_DISEASE"], "ROUTINE", "vein_clinic"),  # by its category: venous
        (["RTN_SCIATICA"], "ROUTINE", None),  # spinal: usually referred elsewhere
        (["RTN_MSK"], "ROUTINE", None),
        (["RTN_DEFAULT"], "ROUTINE", "vascular_new"),  # general vascular
        # An URGENT case no rule row matches: a routine clinic would not see them today.
        (["URG_PULSE", "RTN_VENOUS_DISEASE"], "URGENT", None),
        (["SOON_CLAUDICATION"], "SOON", "vascular_new"),
    ],
)
def test_the_suggested_type_comes_from_the_rules_then_the_category(
    fired: list[str], tier: str, expected: str | None
) -> None:
    category = guidance.likely_category(fired)
    assert guidance.recommended_code(fired=fired, category=category, tier=tier) == expected


def test_a_clinic_replaces_the_table_in_settings(settings: Settings) -> None:
    settings.CLINIC_RECOMMENDED_APPOINTMENT_TYPES = [("tier:ROUTINE", "general")]
    assert guidance.recommended_code(fired=["URG_DVT"], category=None, tier="URGENT") is None
    assert guidance.recommended_code(fired=[], category=None, tier="ROUTINE") == "general"


def test_the_suggestion_is_an_active_type_by_its_code(scan: AppointmentType) -> None:
    dvt = SubmissionFactory(tier="URGENT", fired_rules=["URG_DVT"])
    assert guidance.recommended_type(dvt) == scan
    AppointmentType.objects.filter(pk=scan.pk).update(active=False)
    assert guidance.recommended_type(dvt) is None
    assert guidance.recommended_type(SubmissionFactory(fired_rules=["RTN_DEFAULT"])) is None
