"""Booking, moving and cancelling: the services, their side effects and their refusals.

Personas: Rita (receptionist) books; the patient cancels by the link in their email.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from intake.models import AuditEvent, Notification, Submission, SubmissionNote
from intake.scheduling.models import Appointment, Slot
from intake.scheduling.selectors import slot_list_free
from intake.scheduling.services import booking as real_booking
from intake.services import outbox as real_outbox
from intake.services import workflow as real_workflow
from tests.factories import SlotFactory, TriagedSubmissionFactory
from tests.intake.scheduling.helpers import CommittedServices

pytestmark = pytest.mark.django_db

# The services this module calls, each call run as if its transaction committed (the outbox's
# emails are queued after commit), as in production: put in place for every test by _services.
booking: CommittedServices
outbox: CommittedServices
workflow: CommittedServices


@pytest.fixture(autouse=True)
def _services(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    global booking, outbox, workflow
    booking, outbox, workflow = (
        CommittedServices(django_capture_on_commit_callbacks, module)
        for module in (real_booking, real_outbox, real_workflow)
    )


Kind = Notification.Kind


def book(submission: Submission, slot: Slot, actor: User, **kwargs: object) -> Appointment:
    appointment: Appointment = booking.appointment_book(
        submission=submission, slot=slot, actor=actor, **kwargs
    )
    return appointment


def test_booking_a_triaged_submission(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")
    slot = SlotFactory()
    appointment = book(submission, slot, receptionist, notes="Prefers mornings")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.BOOKED
    assert appointment.status == Appointment.Status.BOOKED
    assert (appointment.starts_at, appointment.ends_at) == (slot.start, slot.end)
    assert appointment.clinician == slot.clinician
    assert appointment.booked_by == receptionist
    assert appointment.notes == "Prefers mornings"
    # The confirmation went at once (tasks run in-process); the reminder waits in the outbox.
    confirmation = Notification.objects.get(kind=Kind.APPOINTMENT_CONFIRMATION)
    assert confirmation.status == Notification.Status.SENT
    assert confirmation.appointment == appointment
    reminder = Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER)
    assert reminder.status == Notification.Status.PENDING
    assert reminder.due_at == slot.start - dt.timedelta(hours=24)
    assert len(mail.outbox) == 1
    assert submission.patient is not None
    assert mail.outbox[0].to == [submission.patient.email]
    events = AuditEvent.objects.filter(submission=submission).order_by("id")
    assert [e.action for e in events] == ["status", "book"]
    assert events[1].details["appointment"] == appointment.pk
    assert "Prefers" not in str(events[1].details)


def test_no_reminder_when_the_appointment_is_less_than_a_day_away(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(hours=3))
    book(TriagedSubmissionFactory(tier="URGENT"), slot, receptionist)
    assert not Notification.objects.filter(kind=Kind.APPOINTMENT_REMINDER).exists()
    assert Notification.objects.filter(kind=Kind.APPOINTMENT_CONFIRMATION).count() == 1


def test_an_emergency_cannot_be_booked(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="EMERGENCY")
    with pytest.raises(ValidationError, match="directed to emergency care") as error:
        book(submission, SlotFactory(), receptionist)
    assert error.value.code == "emergency"
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("status", ["submitted", "in_review", "referred", "closed", "booked"])
def test_only_a_triaged_submission_can_be_booked(receptionist: User, status: str) -> None:
    submission = TriagedSubmissionFactory(status=status)
    with pytest.raises(ValidationError, match="Only a triaged submission"):
        book(submission, SlotFactory(), receptionist)


def test_a_slot_in_the_past_is_refused(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="already started"):
        book(TriagedSubmissionFactory(), slot, receptionist)


def test_a_taken_slot_is_refused_with_the_taken_message(receptionist: User) -> None:
    slot = SlotFactory()
    book(TriagedSubmissionFactory(), slot, receptionist)
    with pytest.raises(ValidationError, match="just taken") as error:
        book(TriagedSubmissionFactory(), slot, receptionist)
    assert error.value.code == booking.SLOT_TAKEN
    assert Appointment.objects.count() == 1


def test_an_overlapping_slot_of_the_same_clinician_is_refused(receptionist: User) -> None:
    first = SlotFactory()
    overlapping = SlotFactory(
        clinician=first.clinician,
        start=first.start + dt.timedelta(minutes=15),
        end=first.end + dt.timedelta(minutes=15),
    )
    book(TriagedSubmissionFactory(), first, receptionist)
    with pytest.raises(ValidationError, match="just taken"):
        book(TriagedSubmissionFactory(), overlapping, receptionist)
    # Another clinician at the same time is fine.
    other = SlotFactory(start=first.start, end=first.end)
    book(TriagedSubmissionFactory(), other, receptionist)


def test_the_database_refuses_a_second_active_appointment_for_a_slot(receptionist: User) -> None:
    # The constraint, not only the service: an insert that skips the service's check fails.
    slot = SlotFactory()
    appointment = book(TriagedSubmissionFactory(), slot, receptionist)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            submission=TriagedSubmissionFactory(),
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
        )
    # Cancelled appointments do not hold the slot.
    booking.appointment_cancel(appointment=appointment, reason="Clash", actor=receptionist)
    Appointment.objects.create(
        submission=TriagedSubmissionFactory(),
        slot=slot,
        clinician=slot.clinician,
        starts_at=slot.start,
        ends_at=slot.end,
    )


def test_a_cancelled_slot_can_be_booked_again(receptionist: User) -> None:
    slot = SlotFactory()
    first = book(TriagedSubmissionFactory(), slot, receptionist)
    booking.appointment_cancel(appointment=first, reason="Patient phoned", actor=receptionist)
    second = book(TriagedSubmissionFactory(), slot, receptionist)
    assert second.slot == slot
    assert set(slot.appointments.values_list("status", flat=True)) == {"cancelled", "booked"}


def test_a_submission_is_booked_once(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    book(submission, SlotFactory(), receptionist)
    with pytest.raises(ValidationError, match="booked"):
        book(submission, SlotFactory(), receptionist)
    assert Appointment.objects.count() == 1


# --- Moving ---------------------------------------------------------------------------------


def test_moving_an_appointment(receptionist: User) -> None:
    submission = TriagedSubmissionFactory()
    old_slot, new_slot = SlotFactory(), SlotFactory()
    appointment = book(submission, old_slot, receptionist)
    old_reminder = Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER)
    moved = booking.appointment_move(appointment=appointment, slot=new_slot, actor=receptionist)
    assert moved.pk == appointment.pk
    assert (moved.slot, moved.starts_at, moved.clinician) == (
        new_slot,
        new_slot.start,
        new_slot.clinician,
    )
    assert moved.sequence == 1
    old_reminder.refresh_from_db()
    assert old_reminder.status == Notification.Status.CANCELLED
    assert old_reminder.get_status_display() == "Not needed"
    new_reminder = Notification.objects.get(
        kind=Kind.APPOINTMENT_REMINDER, status=Notification.Status.PENDING
    )
    assert new_reminder.due_at == new_slot.start - dt.timedelta(hours=24)
    assert Notification.objects.get(kind=Kind.APPOINTMENT_MOVED).status == "sent"
    event = AuditEvent.objects.get(action="move")
    assert event.details["from"]["slot"] == old_slot.pk
    assert event.details["to"]["slot"] == new_slot.pk
    submission.refresh_from_db()
    assert submission.status == Submission.Status.BOOKED
    # The old slot is free again.
    book(TriagedSubmissionFactory(), old_slot, receptionist)


def test_moving_into_a_taken_slot_is_refused(receptionist: User) -> None:
    taken = SlotFactory()
    book(TriagedSubmissionFactory(), taken, receptionist)
    appointment = book(TriagedSubmissionFactory(), SlotFactory(), receptionist)
    with pytest.raises(ValidationError, match="just taken"):
        booking.appointment_move(appointment=appointment, slot=taken, actor=receptionist)
    appointment.refresh_from_db()
    assert appointment.sequence == 0


def test_moving_to_a_slot_overlapping_its_own_time_is_allowed(receptionist: User) -> None:
    first = SlotFactory()
    later = SlotFactory(
        clinician=first.clinician,
        start=first.start + dt.timedelta(minutes=15),
        end=first.end + dt.timedelta(minutes=15),
    )
    appointment = book(TriagedSubmissionFactory(), first, receptionist)
    booking.appointment_move(appointment=appointment, slot=later, actor=receptionist)


# --- Cancelling --------------------------------------------------------------------------------


def test_staff_cancel_needs_a_reason_and_sends_the_submission_back_to_triaged(
    receptionist: User,
) -> None:
    submission = TriagedSubmissionFactory()
    appointment = book(submission, SlotFactory(), receptionist)
    with pytest.raises(ValidationError, match="Give a reason"):
        booking.appointment_cancel(appointment=appointment, reason=" ", actor=receptionist)
    cancelled = booking.appointment_cancel(
        appointment=appointment, reason="Clinic cancelled", actor=receptionist
    )
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancelled_by == receptionist
    assert cancelled.cancel_reason == "Clinic cancelled"
    assert not cancelled.cancelled_by_patient
    submission.refresh_from_db()
    assert submission.status == Submission.Status.TRIAGED
    assert Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER).status == "cancelled"
    assert Notification.objects.get(kind=Kind.APPOINTMENT_CANCELLED).status == "sent"
    # Reception is only told when the patient cancels.
    assert not Notification.objects.filter(kind=Kind.RECEPTION_CANCELLED).exists()
    event = AuditEvent.objects.get(action="cancel")
    assert event.details["by_patient"] is False
    assert "Clinic cancelled" not in str(event.details)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        booking.appointment_cancel(appointment=appointment, reason="again", actor=receptionist)


def test_patient_cancel_tells_reception(receptionist: User) -> None:
    appointment = book(TriagedSubmissionFactory(tier="SOON"), SlotFactory(), receptionist)
    booking.appointment_cancel_by_patient(appointment=appointment, reason="Feeling better")
    appointment.refresh_from_db()
    assert appointment.cancelled_by_patient
    assert appointment.cancelled_by is None
    alert = Notification.objects.get(kind=Kind.RECEPTION_CANCELLED)
    assert alert.recipient == "reception@clinic.test"
    assert not Notification.objects.filter(kind=Kind.URGENT_CANCELLED).exists()


def test_an_urgent_patient_cancelling_alerts_the_triage_clinicians(receptionist: User) -> None:
    appointment = book(TriagedSubmissionFactory(tier="URGENT"), SlotFactory(), receptionist)
    booking.appointment_cancel_by_patient(appointment=appointment)
    alert = Notification.objects.get(kind=Kind.URGENT_CANCELLED)
    assert alert.recipient == "triage@clinic.test"
    assert alert.is_urgent  # the urgent queue, ahead of patient emails
    staff_mail = next(m for m in mail.outbox if m.to == ["triage@clinic.test"])
    patient, reference = appointment.submission.patient, appointment.submission.reference
    assert patient is not None and reference is not None
    assert reference in staff_mail.subject
    # No personal or clinical data in a staff alert.
    for secret in (patient.full_name, patient.email, patient.phone, "Aching calves"):
        assert secret not in staff_mail.body


def test_a_patient_cannot_cancel_once_it_has_started(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(minutes=30))
    appointment = book(TriagedSubmissionFactory(), slot, receptionist)
    with pytest.raises(ValidationError, match="already started"):
        booking.appointment_cancel_by_patient(
            appointment=appointment, now=slot.start + dt.timedelta(minutes=1)
        )


# --- Attendance, escalation, emergencies --------------------------------------------------------


def test_attendance_is_recorded_once_started(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(minutes=30))
    appointment = book(TriagedSubmissionFactory(), slot, receptionist)
    with pytest.raises(ValidationError, match="once the appointment has started"):
        booking.appointment_record_attendance(
            appointment=appointment, status="attended", actor=receptionist
        )
    booking.appointment_record_attendance(
        appointment=appointment,
        status="no_show",
        actor=receptionist,
        now=slot.start + dt.timedelta(minutes=20),
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW
    assert AuditEvent.objects.get(action="attendance").details["status"] == "no_show"
    # A no-show still holds its slot: nobody else was booked at that time.
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            submission=TriagedSubmissionFactory(),
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
        )


def test_escalating_when_no_slot_is_free_alerts_triage_once_an_hour(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    booking.submission_escalate_no_slot(submission=submission, actor=receptionist)
    alert = Notification.objects.get(kind=Kind.NO_SLOT)
    assert alert.recipient == "triage@clinic.test"
    assert alert.is_urgent
    assert AuditEvent.objects.get(action="escalation").details == {
        "reason": "no_slot_in_window",
        "tier": "URGENT",
    }
    with pytest.raises(ValidationError, match="already told"):
        booking.submission_escalate_no_slot(submission=submission, actor=receptionist)
    assert Notification.objects.filter(kind=Kind.NO_SLOT).count() == 1


def test_reception_records_what_was_done_for_an_emergency(receptionist: User) -> None:
    submission = TriagedSubmissionFactory(tier="EMERGENCY")
    with pytest.raises(ValidationError, match="Write down"):
        workflow.submission_record_emergency_direction(
            submission=submission, text="", actor=receptionist
        )
    workflow.submission_record_emergency_direction(
        submission=submission, text="Phoned 14:05, told to call 999", actor=receptionist
    )
    note = SubmissionNote.objects.get(submission=submission)
    assert "Phoned 14:05" in note.text
    assert AuditEvent.objects.get(action="note").details == {"emergency_direction": True}
    with pytest.raises(ValidationError, match="emergencies only"):
        workflow.submission_record_emergency_direction(
            submission=TriagedSubmissionFactory(tier="SOON"), text="x", actor=receptionist
        )


# --- Reminders: sent by the sweep, exactly once, at the right time -------------------------------


def sweep_at(moment: dt.datetime) -> int:
    # The sweep and the send task both read the clock: move it for both.
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return int(outbox.notification_sweep(now=moment))


def test_the_reminder_is_sent_once_a_day_before(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(days=3))
    book(TriagedSubmissionFactory(), slot, receptionist)
    mail.outbox.clear()
    due = slot.start - dt.timedelta(hours=24)
    sweep_at(due - dt.timedelta(minutes=5))
    assert mail.outbox == []  # not before its time
    sweep_at(due + dt.timedelta(seconds=31))
    assert len(mail.outbox) == 1
    reminder = mail.outbox[0]
    assert "Reminder" in reminder.subject
    assert "/appointment/cancel/" in reminder.body
    sweep_at(due + dt.timedelta(minutes=2))
    sweep_at(due + dt.timedelta(hours=3))
    assert len(mail.outbox) == 1  # exactly once
    row = Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER)
    assert row.status == Notification.Status.SENT
    assert row.attempts == 1


def test_a_cancelled_appointment_gets_no_reminder(receptionist: User) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(days=3))
    appointment = book(TriagedSubmissionFactory(), slot, receptionist)
    booking.appointment_cancel(appointment=appointment, reason="Clinic closed", actor=receptionist)
    mail.outbox.clear()
    sweep_at(slot.start - dt.timedelta(hours=23))
    assert mail.outbox == []


@pytest.mark.parametrize("status", ["closed", "triaged"])
def test_a_booked_case_cannot_be_closed_or_reopened_while_its_appointment_stands(
    receptionist: User, triage_nurse: User, status: str
) -> None:
    submission = TriagedSubmissionFactory(tier="SOON")
    appointment = book(submission, SlotFactory(), receptionist)
    with pytest.raises(ValidationError, match="still has a booked appointment"):
        workflow.submission_set_status(
            submission=submission, status=status, reason="Seen elsewhere", actor=triage_nurse
        )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER).status == "pending"
    # Once the appointment is cancelled (the case is back to triaged), closing is allowed.
    booking.appointment_cancel(appointment=appointment, reason="Seen elsewhere", actor=receptionist)
    workflow.submission_set_status(
        submission=submission, status="closed", reason="Seen elsewhere", actor=triage_nurse
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLOSED


def test_a_reminder_for_a_cancelled_appointment_is_never_sent_even_if_revived(
    receptionist: User,
) -> None:
    slot = SlotFactory(start=timezone.now() + dt.timedelta(days=3))
    appointment = book(TriagedSubmissionFactory(), slot, receptionist)
    reminder = Notification.objects.get(kind=Kind.APPOINTMENT_REMINDER)
    booking.appointment_cancel(appointment=appointment, reason="Clinic closed", actor=receptionist)
    mail.outbox.clear()
    # Someone (or something) puts the reminder back to pending and due: the send checks the
    # appointment and marks the message not needed instead of telling the patient to come.
    Notification.objects.filter(pk=reminder.pk).update(status="pending", due_at=timezone.now())
    outcome = outbox.notification_send(notification_id=reminder.pk)
    assert not outcome.sent
    reminder.refresh_from_db()
    assert reminder.status == Notification.Status.CANCELLED
    assert mail.outbox == []


def test_leave_entered_today_blocks_booking_before_the_nightly_slot_job(receptionist: User) -> None:
    from intake.scheduling.models import AvailabilityException

    on_leave, closed = SlotFactory(), SlotFactory()
    other = SlotFactory()
    AvailabilityException.objects.create(
        clinician=on_leave.clinician,
        starts_at=on_leave.start - dt.timedelta(minutes=10),
        ends_at=on_leave.start + dt.timedelta(minutes=10),
    )
    AvailabilityException.objects.create(  # a clinic closure: everyone
        clinician=None,
        kind=AvailabilityException.Kind.CLOSURE,
        starts_at=closed.start,
        ends_at=closed.end,
    )
    free = list(slot_list_free(now=timezone.now()))
    assert free == [other]
    for slot in (on_leave, closed):
        with pytest.raises(ValidationError, match="leave or a clinic closure"):
            book(TriagedSubmissionFactory(), slot, receptionist)
    assert book(TriagedSubmissionFactory(), other, receptionist).slot == other


def test_a_tier_raised_to_emergency_after_booking_blocks_moves_and_alerts_on_cancel(
    receptionist: User, triage_nurse: User
) -> None:
    submission = TriagedSubmissionFactory(tier="URGENT")
    appointment = book(submission, SlotFactory(), receptionist)
    workflow.submission_override_tier(
        submission=submission,
        tier="EMERGENCY",
        reason="Rang back: leg now cold",
        actor=triage_nurse,
    )
    with pytest.raises(ValidationError, match="directed to emergency care"):
        booking.appointment_move(appointment=appointment, slot=SlotFactory(), actor=receptionist)
    booking.appointment_cancel_by_patient(appointment=appointment)
    alert = Notification.objects.get(kind=Kind.URGENT_CANCELLED)
    assert alert.recipient == "triage@clinic.test"
