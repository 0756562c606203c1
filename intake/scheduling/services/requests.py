"""Booking requests (issue 20): what passes between triage and reception about booking a case.

A clinician marks a case triaged with a recommended appointment type and a booking note for
reception (`submission_triage`); the case's booking deadline is worked out then and kept with
it, and follows the tier if a clinician changes it (`submission_override_tier`,
`submission_rerun_engine`). Reception's "no slot inside the window" marks the request until a
clinician answers (`bookingrequest_set_guidance`) or the case is booked. Beat's job alerts
reception, once per case, about triaged cases still unbooked at their deadline
(`bookingrequest_alert_overdue`). Every change is audited; the note's text never is (audit
rows hold no free text).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import AuditEvent, Notification, Submission, Tier
from intake.scheduling import windows
from intake.scheduling.models import Appointment, AppointmentType, BookingRequest
from intake.scheduling.selectors import submission_filter_past_deadline, submission_list_to_book
from intake.services import audit, outbox, workflow

logger = logging.getLogger(__name__)

Status = Submission.Status

# The booking note is read by reception: short, and no clinical detail (the form says so).
NOTE_MAX_LENGTH = 200


def _checked_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the booking note to %(n)d characters or fewer.") % {"n": NOTE_MAX_LENGTH}
        )
    return note


def _deadline(submission: Submission, *, decided_at: dt.datetime) -> windows.Deadline | None:
    return windows.case_deadline(
        submission.tier, sent_at=submission.submitted_at, triaged_at=decided_at
    )


def _guidance_details(request: BookingRequest) -> dict[str, object]:
    # Ids, times and whether there is a note: never the note itself.
    return {
        "appointment_type": request.appointment_type_id,
        "note": bool(request.note),
        "book_by": request.book_by.isoformat() if request.book_by else None,
        "window_extended": request.window_closed_at is not None,
    }


@transaction.atomic
def submission_triage(
    *,
    submission: Submission,
    actor: User,
    appointment_type: AppointmentType | None = None,
    note: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> BookingRequest:
    """Mark a case triaged (from submitted or in review: `workflow.submission_mark_triaged`)
    and write what reception books it from: the recommended appointment type, the booking
    note, and the deadline (`windows.case_deadline`: the tier's window from when the form was
    sent, extended to the next opening session if it would close too soon after now).

    Side effects: the submission's status (and the review it implies, with its audit rows),
    the BookingRequest (a second triage after a return to review rewrites it), an audit event.
    Raises ValidationError (the status does not allow it, or the note is too long).
    """
    now = now or timezone.now()
    note = _checked_note(note)
    locked = workflow.submission_mark_triaged(
        submission=submission, actor=actor, ip_address=ip_address, now=now
    )
    deadline = _deadline(locked, decided_at=now)
    request, _created = BookingRequest.objects.select_for_update().update_or_create(
        submission=locked,
        defaults={
            "appointment_type": appointment_type,
            "note": note,
            "triaged_at": now,
            "book_by": deadline.book_by if deadline else None,
            "window_closed_at": deadline.closed_at if deadline else None,
            "set_by": actor,
            "needs_slot_since": None,
            "overdue_alerted_at": None,
        },
    )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        submission=locked,
        changed_fields=["booking_request"],
        details={"booking_request": "triaged", **_guidance_details(request)},
        ip_address=ip_address,
    )
    return request


def _locked_request(submission: Submission, *, now: dt.datetime) -> BookingRequest:
    """The case's booking request, locked; made now for a case triaged before requests
    existed (its deadline counted as if triaged when its status last changed)."""
    request = BookingRequest.objects.select_for_update().filter(submission=submission).first()
    if request is not None:
        return request
    triaged_at = submission.status_changed_at or submission.submitted_at or now
    deadline = _deadline(submission, decided_at=triaged_at)
    return BookingRequest.objects.create(
        submission=submission,
        triaged_at=triaged_at,
        book_by=deadline.book_by if deadline else None,
        window_closed_at=deadline.closed_at if deadline else None,
    )


@transaction.atomic
def bookingrequest_set_guidance(
    *,
    submission: Submission,
    actor: User,
    appointment_type: AppointmentType | None = None,
    note: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> BookingRequest:
    """Change the recommended appointment type and booking note of a triaged (or booked) case.

    Also the clinicians' answer to reception's "no slot inside the window": saving clears it,
    and the case leaves the triage queue (the note says what reception should do). Side
    effects: the request, an audit event. Raises ValidationError if the case is not triaged or
    booked, or the note is too long.
    """
    now = now or timezone.now()
    note = _checked_note(note)
    locked = workflow.locked_sent(submission)
    if locked.status not in (Status.TRIAGED, Status.BOOKED):
        raise ValidationError(_("Booking guidance is for a triaged case: mark it triaged first."))
    request = _locked_request(locked, now=now)
    answered = request.needs_slot_since is not None
    request.appointment_type = appointment_type
    request.note = note
    request.set_by = actor
    request.needs_slot_since = None
    request.save()
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        submission=locked,
        changed_fields=["booking_request"],
        details={
            "booking_request": "guidance",
            **_guidance_details(request),
            "no_slot_answered": answered,
        },
        ip_address=ip_address,
    )
    return request


def _follow_tier(
    submission: Submission, *, actor: User, ip_address: str | None, now: dt.datetime
) -> None:
    """After a tier change: a triaged case's deadline is the new tier's, counted from when the
    form was sent, and extended from now if that has closed (the change is the new decision).
    A later deadline re-arms the overdue alert."""
    request = BookingRequest.objects.select_for_update().filter(submission=submission).first()
    if request is None:
        return
    deadline = _deadline(submission, decided_at=now)
    book_by = deadline.book_by if deadline else None
    if book_by == request.book_by:
        return
    before = request.book_by
    request.book_by = book_by
    request.window_closed_at = deadline.closed_at if deadline else None
    if book_by is not None and book_by > now:
        request.overdue_alerted_at = None
    request.save()
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        submission=submission,
        changed_fields=["booking_request"],
        details={
            "booking_request": "deadline",
            "from": before.isoformat() if before else None,
            "to": book_by.isoformat() if book_by else None,
        },
        ip_address=ip_address,
    )


@transaction.atomic
def submission_override_tier(
    *,
    submission: Submission,
    tier: str,
    reason: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """`workflow.submission_override_tier`, and the booking deadline follows the new tier.

    Side effects: those of the override; the request's deadline (audited) if it changed.
    """
    now = now or timezone.now()
    locked = workflow.submission_override_tier(
        submission=submission, tier=tier, reason=reason, actor=actor, ip_address=ip_address, now=now
    )
    _follow_tier(locked, actor=actor, ip_address=ip_address, now=now)
    return locked


@transaction.atomic
def submission_rerun_engine(
    *,
    submission: Submission,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """`workflow.submission_rerun_engine`, and the booking deadline follows the tier (which
    changes only if no clinician has overridden it)."""
    locked = workflow.submission_rerun_engine(
        submission=submission, actor=actor, ip_address=ip_address
    )
    _follow_tier(locked, actor=actor, ip_address=ip_address, now=now or timezone.now())
    return locked


def bookingrequest_mark_needs_slot(*, submission: Submission, now: dt.datetime) -> BookingRequest:
    """Reception found no free slot inside the window: the case shows in the triage queue
    ("Needs a slot") until a clinician answers or it is booked. Caller holds the submission's
    lock and audits the escalation (`booking.submission_escalate_no_slot`)."""
    request = _locked_request(submission, now=now)
    request.needs_slot_since = now
    request.save(update_fields=["needs_slot_since", "updated_at"])
    return request


def bookingrequest_booked(*, submission: Submission) -> None:
    """The case is booked: reception's question about a slot is settled. Caller holds the
    submission's lock (`booking.appointment_book`)."""
    BookingRequest.objects.filter(submission=submission, needs_slot_since__isnull=False).update(
        needs_slot_since=None
    )


# --- The overdue-booking alert (beat) ------------------------------------------------------------


def bookingrequest_alert_overdue(*, now: dt.datetime | None = None) -> int:
    """Alert reception about triaged cases still not booked when their deadline has passed
    (every 5 minutes, from beat). Once per case and deadline: `overdue_alerted_at` records it
    (a later deadline, after a tier change, re-arms it). Cases triaged before booking requests
    existed get one, their deadline counted from when they were triaged.

    Side effects per case: the request, an email to each CLINIC_RECEPTION_EMAILS address (and,
    for URGENT, each CLINIC_TRIAGE_EMAILS address: an urgent patient is waiting), an audit
    event (actor: the system). Returns how many cases were alerted.
    """
    now = now or timezone.now()
    unbooked = submission_list_to_book()
    due = list(
        submission_filter_past_deadline(unbooked, now=now)
        .filter(booking_request__overdue_alerted_at__isnull=True)
        .values_list("pk", flat=True)
    )
    legacy = list(unbooked.filter(booking_request__isnull=True).values_list("pk", flat=True))
    return sum(_alert(submission_id, now=now) for submission_id in [*due, *legacy])


def _alert(submission_id: int, *, now: dt.datetime) -> int:
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission_id)
        if locked.status != Status.TRIAGED or locked.tier == Tier.EMERGENCY:
            return 0  # booked, closed or re-tiered since the query
        if locked.appointments.filter(status=Appointment.Status.BOOKED).exists():
            return 0
        request = _locked_request(locked, now=now)
        if request.overdue_alerted_at is not None or request.book_by is None:
            return 0
        if request.book_by >= now:
            return 0
        request.overdue_alerted_at = now
        request.save(update_fields=["overdue_alerted_at", "updated_at"])
        recipients = list(settings.CLINIC_RECEPTION_EMAILS)
        if locked.tier == Tier.URGENT:
            recipients += [a for a in settings.CLINIC_TRIAGE_EMAILS if a not in recipients]
        if not recipients:
            logger.error("overdue booking of %s: CLINIC_RECEPTION_EMAILS is empty", locked.pk)
        for address in recipients:
            outbox.notification_add(
                submission=locked,
                kind=Notification.Kind.BOOKING_OVERDUE,
                recipient=address,
                template="booking_overdue",
            )
        audit.audit_record(
            actor=None,
            action=AuditEvent.Action.ESCALATION,
            submission=locked,
            details={
                "reason": "booking_overdue",
                "tier": locked.tier,
                "book_by": request.book_by.isoformat(),
            },
        )
    return 1
