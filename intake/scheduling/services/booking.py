"""Booking: appointments booked, moved, cancelled and attended, and the patient's notices about
them; reception's "no slot in the window" alert (docs/scheduling.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import AuditEvent, Notification, Submission
from intake.scheduling import windows
from intake.scheduling.models import ACTIVE_APPOINTMENT_STATUSES, Appointment, Clinician, Slot
from intake.scheduling.selectors import availabilityexception_list_blocking
from intake.scheduling.services import requests
from intake.services import audit, escalation, outbox, workflow

logger = logging.getLogger(__name__)


AStatus = Appointment.Status
Status = Submission.Status


# The message a receptionist sees when someone else booked the slot a moment before.
SLOT_TAKEN = "slot_taken"


def _slot_taken() -> ValidationError:
    return ValidationError(
        _("That slot was just taken by another booking. Choose another slot."), code=SLOT_TAKEN
    )


def _lock_clinicians(*clinician_ids: int) -> None:
    """Serialise bookings per clinician: lock their rows, in id order (no deadlock).

    With the lock held, the "is it free?" check below sees every booking committed before it,
    so concurrent receptionists queue here and the losers get the "taken" message; the
    database constraints stay the guarantee for any path that does not take the lock.
    """
    list(Clinician.objects.select_for_update().filter(pk__in=sorted(set(clinician_ids))))


def _check_free(slot: Slot, *, now: dt.datetime, ignore: Appointment | None = None) -> None:
    if slot.start <= now:
        raise ValidationError(_("That slot has already started. Choose a later one."))
    clash = Appointment.objects.filter(status__in=ACTIVE_APPOINTMENT_STATUSES).filter(
        Q(slot=slot)
        | Q(clinician_id=slot.clinician_id, starts_at__lt=slot.end, ends_at__gt=slot.start)
    )
    if ignore is not None:
        clash = clash.exclude(pk=ignore.pk)
    if clash.exists():
        raise _slot_taken()
    if availabilityexception_list_blocking(slot.clinician_id, slot.start, slot.end).exists():
        raise ValidationError(
            _("That time is now marked as leave or a clinic closure. Choose another slot."),
            code="unavailable",
        )


def _appointment_notices(appointment: Appointment, *, kind: str, template: str) -> None:
    patient = appointment.submission.patient
    if patient is None or not patient.email:
        return
    outbox.notification_add(
        submission=appointment.submission,
        appointment_id=appointment.pk,
        kind=kind,
        recipient=patient.email,
        template=template,
    )


def _schedule_reminder(appointment: Appointment, *, now: dt.datetime) -> None:
    """The reminder is a row due CLINIC_REMINDER_HOURS before the start; beat's sweep sends it.

    None when the appointment is sooner than that: the confirmation has just told them.
    """
    due = appointment.starts_at - dt.timedelta(hours=settings.CLINIC_REMINDER_HOURS)
    patient = appointment.submission.patient
    if due <= now or patient is None or not patient.email:
        return
    outbox.notification_add(
        submission=appointment.submission,
        appointment_id=appointment.pk,
        kind=Notification.Kind.APPOINTMENT_REMINDER,
        recipient=patient.email,
        template="appointment_reminder",
        due_at=due,
    )


def _stop_reminders(appointment: Appointment) -> int:
    """Pending reminders of a moved or cancelled appointment will not be sent ("Not needed")."""
    return Notification.objects.filter(
        appointment_id=appointment.pk,
        kind=Notification.Kind.APPOINTMENT_REMINDER,
        status=Notification.Status.PENDING,
    ).update(status=Notification.Status.CANCELLED)


def _appointment_details(appointment: Appointment) -> dict[str, object]:
    # Names and times only: never clinical values (the audit log's rule).
    return {
        "appointment": appointment.pk,
        "slot": appointment.slot_id,
        "clinician": appointment.clinician_id,
        "starts_at": appointment.starts_at.isoformat(),
    }


@transaction.atomic
def appointment_book(
    *,
    submission: Submission,
    slot: Slot,
    actor: User,
    notes: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book a triaged submission into a free slot; the submission becomes `booked`.

    Refuses EMERGENCY (the patient must go to emergency care, not to a clinic slot), anything
    not triaged, a slot in the past, and a slot already taken (ValidationError with code
    SLOT_TAKEN, also when the database constraints refuse a concurrent booking). Side effects:
    the Appointment, the submission's status, audit events, the confirmation email (now) and
    the reminder (due 24 h before), written to the outbox.
    """
    now = now or timezone.now()
    locked = workflow.locked_sent(submission)
    if not windows.is_bookable(locked.tier):
        raise ValidationError(
            _("An emergency cannot be booked: the patient must be directed to emergency care."),
            code="emergency",
        )
    if locked.status != Status.TRIAGED:
        raise ValidationError(
            _("Only a triaged submission can be booked; this one is %(status)s.")
            % {"status": Status(locked.status).label.lower()},
            code="status",
        )
    _lock_clinicians(slot.clinician_id)
    slot = Slot.objects.select_related("clinician", "appointment_type").get(pk=slot.pk)
    _check_free(slot, now=now)
    try:
        with transaction.atomic():  # a savepoint: the constraints have the last word
            appointment = Appointment.objects.create(
                submission=locked,
                slot=slot,
                clinician_id=slot.clinician_id,
                starts_at=slot.start,
                ends_at=slot.end,
                booked_by=actor if getattr(actor, "is_authenticated", False) else None,
                booked_at=now,
                notes=notes.strip(),
            )
    except IntegrityError as error:
        raise _slot_taken() from error
    workflow.move_status(locked, Status.BOOKED, actor=actor, ip_address=ip_address, now=now)
    requests.bookingrequest_booked(submission=locked)
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.BOOK,
        submission=locked,
        changed_fields=["appointment"],
        details=_appointment_details(appointment),
        ip_address=ip_address,
    )
    _appointment_notices(
        appointment,
        kind=Notification.Kind.APPOINTMENT_CONFIRMATION,
        template="appointment_confirmation",
    )
    _schedule_reminder(appointment, now=now)
    return appointment


def _locked_booked(appointment: Appointment) -> Appointment:
    """Lock the submission, then the appointment (the order booking uses too)."""
    workflow.locked_sent(appointment.submission)
    locked = (
        # Lock the appointment row only: the patient is on the nullable side of a join, which
        # PostgreSQL cannot lock (and need not: the submission's lock above covers it).
        Appointment.objects.select_for_update(of=("self",))
        .select_related("submission__patient", "slot")
        .get(pk=appointment.pk)
    )
    if locked.status != AStatus.BOOKED:
        raise ValidationError(
            _("This appointment is %(status)s and can no longer be changed.")
            % {"status": AStatus(locked.status).label.lower()},
            code="not_booked",
        )
    return locked


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    slot: Slot,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Reschedule a booked appointment into another free slot.

    Side effects: the appointment (new slot, times, calendar sequence), the old reminder
    stopped and a new one written, a "your appointment has moved" email, an audit event.
    Raises ValidationError (code SLOT_TAKEN if someone else has the slot).
    """
    now = now or timezone.now()
    locked = _locked_booked(appointment)
    if not windows.is_bookable(locked.submission.tier):  # raised to EMERGENCY since booking
        raise ValidationError(
            _("An emergency cannot be booked: the patient must be directed to emergency care."),
            code="emergency",
        )
    if slot.pk == locked.slot_id:
        raise ValidationError(_("That is the slot it is already booked in."))
    _lock_clinicians(locked.clinician_id, slot.clinician_id)
    slot = Slot.objects.get(pk=slot.pk)
    _check_free(slot, now=now, ignore=locked)
    before = _appointment_details(locked)
    locked.slot = slot
    locked.clinician_id = slot.clinician_id
    locked.starts_at, locked.ends_at = slot.start, slot.end
    locked.sequence += 1
    try:
        with transaction.atomic():
            locked.save(
                update_fields=[
                    "slot",
                    "clinician",
                    "starts_at",
                    "ends_at",
                    "sequence",
                    "updated_at",
                ]
            )
    except IntegrityError as error:
        raise _slot_taken() from error
    _stop_reminders(locked)
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.MOVE,
        submission=locked.submission,
        changed_fields=["appointment"],
        details={"from": before, "to": _appointment_details(locked)},
        ip_address=ip_address,
    )
    _appointment_notices(
        locked, kind=Notification.Kind.APPOINTMENT_MOVED, template="appointment_moved"
    )
    _schedule_reminder(locked, now=now)
    return locked


def _cancel(
    appointment: Appointment,
    *,
    reason: str,
    actor: audit.Actor,
    by_patient: bool,
    ip_address: str | None,
    now: dt.datetime,
) -> Appointment:
    locked = _locked_booked(appointment)
    locked.status = AStatus.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = actor if isinstance(actor, User) and actor.is_authenticated else None
    locked.cancelled_by_patient = by_patient
    locked.cancel_reason = reason.strip()
    locked.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancelled_by_patient",
            "cancel_reason",
            "updated_at",
        ]
    )
    _stop_reminders(locked)
    submission = locked.submission
    if submission.status == Status.BOOKED:
        workflow.move_status(
            submission, Status.TRIAGED, actor=actor, ip_address=ip_address, now=now
        )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CANCEL,
        submission=submission,
        changed_fields=["appointment"],
        # Whether a reason was given, never the reason itself (it may hold clinical detail).
        details={**_appointment_details(locked), "by_patient": by_patient},
        ip_address=ip_address,
    )
    _appointment_notices(
        locked, kind=Notification.Kind.APPOINTMENT_CANCELLED, template="appointment_cancelled"
    )
    return locked


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    reason: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Staff cancel a booked appointment, with a reason. The slot is free again at once.

    The submission goes back to `triaged` (to be booked again). Side effects: the appointment,
    the submission's status, the pending reminder stopped, a cancellation email to the
    patient, audit events. Raises ValidationError without a reason or if not booked.
    """
    if not reason.strip():
        raise ValidationError(_("Give a reason for cancelling."))
    return _cancel(
        appointment,
        reason=reason,
        actor=actor,
        by_patient=False,
        ip_address=ip_address,
        now=now or timezone.now(),
    )


@transaction.atomic
def appointment_cancel_by_patient(
    *,
    appointment: Appointment,
    reason: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """The patient cancels through the signed link in their email.

    As a staff cancellation (its audit events name the patient as the actor), plus: reception
    is told (CLINIC_RECEPTION_EMAILS) and, for an URGENT patient, the triage clinicians are
    alerted at once (CLINIC_TRIAGE_EMAILS, urgent queue): an urgent problem has just lost its
    appointment. Raises ValidationError if the appointment is no longer booked or has already
    started.
    """
    now = now or timezone.now()
    if appointment.starts_at <= now:
        raise ValidationError(
            _("This appointment has already started, so it cannot be cancelled online."),
            code="started",
        )
    cancelled = _cancel(
        appointment,
        reason=reason,
        actor=audit.PATIENT,
        by_patient=True,
        ip_address=ip_address,
        now=now,
    )
    submission = cancelled.submission
    for address in settings.CLINIC_RECEPTION_EMAILS:
        outbox.notification_add(
            submission=submission,
            appointment_id=cancelled.pk,
            kind=Notification.Kind.RECEPTION_CANCELLED,
            recipient=address,
            template="reception_cancelled",
        )
    if submission.tier in escalation.ALERT_TIERS:  # URGENT, or raised to EMERGENCY since booking
        if not settings.CLINIC_TRIAGE_EMAILS:
            logger.error("urgent cancellation of %s: CLINIC_TRIAGE_EMAILS is empty", submission.pk)
        for address in settings.CLINIC_TRIAGE_EMAILS:
            outbox.notification_add(
                submission=submission,
                appointment_id=cancelled.pk,
                kind=Notification.Kind.URGENT_CANCELLED,
                recipient=address,
                template="urgent_cancelled",
            )
    return cancelled


ATTENDANCE_STATUSES = (AStatus.ATTENDED, AStatus.NO_SHOW)


@transaction.atomic
def appointment_record_attendance(
    *,
    appointment: Appointment,
    status: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Mark a booked appointment attended or did-not-attend, once it has started.

    Side effects: the appointment, an audit event. The slot stays held (it was used).
    """
    now = now or timezone.now()
    if status not in ATTENDANCE_STATUSES:
        raise ValidationError(_("Choose attended or did not attend."))
    locked = _locked_booked(appointment)
    if locked.starts_at > now:
        raise ValidationError(_("Attendance can be recorded once the appointment has started."))
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.ATTENDANCE,
        submission=locked.submission,
        changed_fields=["appointment"],
        details={"appointment": locked.pk, "status": status},
        ip_address=ip_address,
    )
    return locked


# Pressing "escalate" again within this time does not alert the clinicians twice.
NO_SLOT_REPEAT_AFTER = dt.timedelta(hours=1)


@transaction.atomic
def submission_escalate_no_slot(
    *,
    submission: Submission,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Reception found no free slot inside the tier's booking window: tell the triage clinicians.

    They decide what happens (an extra slot, another service). Side effects: an alert per
    CLINIC_TRIAGE_EMAILS address (urgent queue for URGENT patients), the case marked "needs a
    slot" (its booking request: the triage queue shows it until a clinician answers or it is
    booked), an audit event. Raises ValidationError if already escalated within the hour, or
    for an EMERGENCY.
    """
    now = now or timezone.now()
    locked = workflow.locked_sent(submission)
    if not windows.is_bookable(locked.tier):
        raise ValidationError(_("An emergency is not booked: direct the patient to emergency care"))
    recent = locked.notifications.filter(
        kind=Notification.Kind.NO_SLOT, created_at__gte=now - NO_SLOT_REPEAT_AFTER
    )
    if recent.exists():
        raise ValidationError(_("The triage clinicians were already told within the last hour."))
    if not settings.CLINIC_TRIAGE_EMAILS:
        raise ValidationError(
            _("No triage clinician address is set up (CLINIC_TRIAGE_EMAILS): phone them instead.")
        )
    requests.bookingrequest_mark_needs_slot(submission=locked, now=now)
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.ESCALATION,
        submission=locked,
        details={"reason": "no_slot_in_window", "tier": locked.tier},
        ip_address=ip_address,
    )
    return [
        outbox.notification_add(
            submission=locked,
            kind=Notification.Kind.NO_SLOT,
            recipient=address,
            template="no_slot",
        )
        for address in settings.CLINIC_TRIAGE_EMAILS
    ]


@transaction.atomic
def appointment_acknowledge_cancellation(
    *,
    appointment: Appointment,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Reception has seen that the patient cancelled (the case page's banner goes).

    Side effects: the appointment, an audit event. Raises ValidationError if the patient did
    not cancel it, or it was acknowledged already.
    """
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status != AStatus.CANCELLED or not locked.cancelled_by_patient:
        raise ValidationError(_("Only a patient's own cancellation needs acknowledging."))
    if locked.cancellation_acknowledged_at is not None:
        raise ValidationError(_("This cancellation was acknowledged already."))
    locked.cancellation_acknowledged_at = now or timezone.now()
    locked.cancellation_acknowledged_by = actor
    locked.save(update_fields=["cancellation_acknowledged_at", "cancellation_acknowledged_by"])
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        submission=locked.submission,
        changed_fields=["appointment"],
        details={"appointment": locked.pk, "cancellation_acknowledged": True},
        ip_address=ip_address,
    )
    return locked
