"""Every write the app makes: `<entity>_<action>`, keyword-only, in a transaction.

Views and the admin call these; nothing else changes Submission, Patient or Notification rows.
Messages to send are written as Notification rows in the same transaction as their cause (the
outbox) and queued to Celery only after commit, by primary key.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical, plainsql, scheduling, selectors, triage
from intake.identity import IDENTITY_REQUIRED, age_on
from intake.models import (
    ACTIVE_APPOINTMENT_STATUSES,
    NOT_PICKED_UP_Q,
    TIER_RANK,
    URGENT_KINDS,
    Appointment,
    AuditEvent,
    AvailabilityException,
    AvailabilityRule,
    Clinician,
    Escalation,
    Notification,
    Patient,
    Slot,
    Submission,
    SubmissionNote,
    Tier,
)

logger = logging.getLogger(__name__)

# Crockford-style alphabet without look-alikes (0/O, 1/I/L) or U, for references read aloud.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ALERT_TIERS = frozenset({Tier.EMERGENCY, Tier.URGENT})
# Celery queues: workers take `urgent` (staff alerts, escalations) before `default`.
URGENT_QUEUE = "urgent"
DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class StepSaved:
    """What saving a step led to: the live triage and whether to interrupt with the 999 page."""

    result: triage.TriageResult
    interrupt: bool


def _new_token() -> str:
    # 192 random bits, URL-safe: unguessable, and no personal data in it.
    return secrets.token_urlsafe(24)


def new_reference() -> str:
    """A human-friendly reference such as LEG-4K7Q-9M2D (8 characters of 30: 39 random bits),
    drawn with one call to the system's random source rather than one per character."""
    number = secrets.randbelow(len(REFERENCE_ALPHABET) ** 8)
    chars = []
    for _position in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        chars.append(REFERENCE_ALPHABET[digit])
    return f"LEG-{''.join(chars[:4])}-{''.join(chars[4:])}"


def _draft_expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.CLINIC_DRAFT_LIFETIME_DAYS)


def _locked_draft(submission: Submission) -> Submission:
    """Re-read the row under lock; a sent form can no longer change."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_draft:
        raise ValidationError(_("This form has already been sent and cannot be changed."))
    return locked


def submission_create_draft(*, language: str = "", now: dt.datetime | None = None) -> Submission:
    """Create an empty draft with a fresh token, in the patient's language (their messages are
    written in it). Side effects: one Submission row."""
    now = now or timezone.now()
    return Submission.objects.create(
        token=_new_token(), language=language, expires_at=_draft_expiry(now)
    )


SAVE_ATTEMPTS = 3


def submission_save_step(
    *,
    submission: Submission,
    step_answers: Mapping[str, object],
    identity: Mapping[str, object] | None = None,
    hold: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
) -> StepSaved:
    """Save one page's answers on the draft and triage the answers so far (spec §2.4).

    If an EMERGENCY rule fires that the patient has not yet been interrupted for, records the
    interruption (when, which rules), makes the draft a case in the triage queue (tier, fired
    rules and reasons so far, waiting from now) and writes the on-call staff alert through the
    same service the final submission uses. Side effects: the draft row; Notification rows;
    tasks queued after commit. Raises ValidationError for a sent form.

    `hold` is for a page that failed validation (issue 15: validation never stands between a
    patient and the emergency advice): `step_answers` are then only the page's answers that
    are valid on their own, and they are saved *only if* they interrupt, together with `hold`,
    the page as typed, which the page shows again (with its errors) when the patient carries
    on. Without an interruption nothing is written. A normal save forgets any held page.

    Optimistic locking: the row is written only if its `version` is still the one `submission`
    was read with (one UPDATE, no SELECT ... FOR UPDATE first: this runs on every page save).
    If another save got there first (a second tab), the fresh row is read and the answers are
    merged again, so nothing either save wrote is lost.

    A plain save is that one UPDATE, atomic by itself, so it runs without a transaction around
    it (BEGIN and COMMIT were two of a page save's five round trips to the database); a save
    that interrupts writes the UPDATE and the alert together in one transaction.
    """
    now = now or timezone.now()
    for _attempt in range(SAVE_ATTEMPTS):
        if not submission.is_draft:
            raise ValidationError(_("This form has already been sent and cannot be changed."))
        answers = {**submission.answers, **step_answers}
        new_identity = {**submission.identity, **identity} if identity is not None else None
        result = clinical.evaluate(answers, now=now)
        emergency = {r.code for r in result.rules if r.tier is triage.Tier.EMERGENCY}
        interrupt = bool(emergency - set(submission.interrupted_rules))
        if hold is not None and not interrupt:
            return StepSaved(result=result, interrupt=False)
        changes: dict[str, Any] = {
            "answers": answers,
            "expires_at": _draft_expiry(now),
            "updated_at": now,
        }
        if new_identity is not None:
            changes["identity"] = new_identity
        if hold is not None or submission.held_input:
            changes["held_input"] = dict(hold or {})
        # A case a clinician had already followed up, reopened by a new emergency answer: the
        # on-call team is told again, or nobody would be looking at it.
        reopened = interrupt and submission.interruption_handled_at is not None
        if interrupt:
            changes.update(_interruption_changes(submission, result, emergency, now=now))
        with transaction.atomic() if interrupt else contextlib.nullcontext():
            written = plainsql.update(
                Submission,
                {**changes, "version": submission.version + 1},
                pk=submission.pk,
                status=Submission.Status.DRAFT,
                version=submission.version,
            )
            if written:
                # The caller's instance now reflects what was saved, without another query.
                for name, value in changes.items():
                    setattr(submission, name, value)
                submission.version += 1
                if interrupt:
                    _alert_staff(submission, tier=Tier.EMERGENCY, again=reopened)
                return StepSaved(result=result, interrupt=interrupt)
        submission.refresh_from_db()
    raise ValidationError(_("Your answers could not be saved just now. Please try again."))


def _interruption_changes(
    submission: Submission,
    result: triage.TriageResult,
    emergency: set[str],
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    """What an emergency interruption writes on the draft: when and for which rules, and the
    triage so far, so that the draft is an EMERGENCY case in the queue (issue 15) until a
    clinician records what was done. A new emergency rule reopens a case already followed up."""
    triaged = copy.copy(submission)
    _store_result(triaged, result)
    reopened = submission.interruption_handled_at is not None
    return {
        "interruption_shown_at": submission.interruption_shown_at or now,
        "interrupted_rules": sorted(set(submission.interrupted_rules) | emergency),
        "awaiting_since": now if reopened else (submission.awaiting_since or now),
        "interruption_handled_at": None,
        **{name: getattr(triaged, name) for name in TRIAGE_FIELDS},
    }


def _alert_staff(submission: Submission, *, tier: str, again: bool = False) -> list[Notification]:
    """Write the on-call alert (email and text) for an EMERGENCY/URGENT form, once.

    Used mid-form (emergency interruption) and on sending; an alert already written for the
    submission is not repeated, unless `again` (a followed-up mid-form emergency reopened by
    a new emergency answer). The message carries the reference/tier/reason from the row at
    send time, never the answers.
    """
    rows = _staff_alert_rows(submission, tier=tier, again=again)
    return _notifications_add(submission=submission, rows=rows)


OutboxRow = tuple[str, str, str, str]  # kind, channel, recipient, template


def _staff_alert_rows(submission: Submission, *, tier: str, again: bool = False) -> list[OutboxRow]:
    if tier not in ALERT_TIERS:
        return []
    # Only an emergency interruption can have alerted before; without one, skip the look-up.
    already = (
        not again
        and submission.interruption_shown_at is not None
        and submission.notifications.filter(kind=Notification.Kind.STAFF_ALERT).exists()
    )
    if already:
        return []
    if not settings.CLINIC_ONCALL_EMAILS:
        logger.error("urgent alert for submission %s: CLINIC_ONCALL_EMAILS is empty", submission.pk)
    kind = Notification.Kind.STAFF_ALERT
    return [
        *(
            (kind, Notification.Channel.EMAIL, a, "staff_alert")
            for a in settings.CLINIC_ONCALL_EMAILS
        ),
        *(
            (kind, Notification.Channel.SMS, n, "staff_alert")
            for n in settings.CLINIC_ONCALL_PHONES
        ),
    ]


def _notifications_add(
    *,
    submission: Submission,
    rows: Sequence[OutboxRow],
    appointment: Appointment | None = None,
) -> list[Notification]:
    """Write outbox rows due now in one INSERT; each is queued after commit."""
    if not rows:
        return []
    now = timezone.now()
    created = plainsql.insert(
        Notification,
        [
            {
                "submission_id": submission.pk,
                "appointment_id": appointment.pk if appointment else None,
                "kind": kind,
                "channel": channel,
                "recipient": recipient,
                "template": template,
                "due_at": now,
            }
            for kind, channel, recipient, template in rows
        ],
    )
    # One task for the lot, after commit: one message to the broker per change, not per row.
    transaction.on_commit(lambda: notification_enqueue(notifications=created))
    return created


def _notification_add(
    *,
    submission: Submission,
    kind: str,
    recipient: str,
    template: str,
    channel: str = Notification.Channel.EMAIL,
    due_at: dt.datetime | None = None,
    appointment: Appointment | None = None,
) -> Notification:
    """Write one outbox row; queue it after commit if it is due now (else beat's sweep sends it)."""
    if due_at is None:
        [notification] = _notifications_add(
            submission=submission,
            rows=[(kind, channel, recipient, template)],
            appointment=appointment,
        )
        return notification
    return Notification.objects.create(
        submission=submission,
        appointment=appointment,
        kind=kind,
        channel=channel,
        recipient=recipient,
        template=template,
        due_at=due_at,
    )


# The task that sends outbox rows, found by name in Celery's registry (which loads intake.tasks):
# the tasks call these services, so importing the tasks module here would make an import cycle.
SEND_NOTIFICATIONS_TASK = "intake.tasks.send_notifications"

# After a failed hand-over to the broker, this process stops trying for a few seconds: each
# attempt could cost a connection timeout, and the sweep delivers the rows once it is back.
BROKER_PAUSE_SECONDS = 5.0
_broker_paused_until = 0.0


def reset_broker_pause() -> None:
    """Try the broker again at the next hand-over (tests; a process that saw it come back)."""
    global _broker_paused_until
    _broker_paused_until = 0.0


def notification_enqueue(
    *, notifications: Sequence[Notification], countdown: float | None = None
) -> bool:
    """Hand notifications to Celery by id, as one task. Never raises: the outbox rows are the
    source of truth.

    A group holding a staff alert or escalation goes on the `urgent` queue, which workers take
    first, and its urgent rows are sent first. If the broker is down the rows stay pending and
    the sweep queues them again later, so a patient's request is never held up or failed by the
    broker. Returns whether the broker took them.
    """
    global _broker_paused_until
    if not notifications:
        return True
    if time.monotonic() < _broker_paused_until:
        return False
    ordered = sorted(notifications, key=lambda n: not n.is_urgent)  # stable: urgent rows first
    args = [[n.pk for n in ordered]]
    try:
        current_app.tasks[SEND_NOTIFICATIONS_TASK].apply_async(  # type: ignore[call-arg]  # argsrepr: not in the stubs
            args=args,  # type: ignore[arg-type]
            queue=URGENT_QUEUE if ordered[0].is_urgent else DEFAULT_QUEUE,
            countdown=countdown,  # type: ignore[arg-type]  # None: at once, as Celery reads it
            retry=False,
            # What monitoring shows of the arguments: ids only, so repr() is the whole story
            # (and cheaper than Celery's own safe repr, on every form sent).
            argsrepr=repr(args),
            kwargsrepr="{}",
        )
    except Exception:  # broker unreachable: the sweep will pick the rows up
        _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "could not queue notifications %s; they stay pending",
            ", ".join(str(n.pk) for n in ordered),
        )
        return False
    return True


REFERENCE_ATTEMPTS = 5


def submission_submit(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None = None,
) -> Submission:
    """Send the form: one transaction freezes the answers and stores the triage with them.

    Creates or updates the Patient, sets the reference, age, ruleset version, tier, fired rules,
    reasons, scores and patient message, and writes the staff alert (EMERGENCY/URGENT) and the
    patient receipt as Notification rows. Idempotent: a double click or a replayed POST returns
    the submission already sent. Raises ValidationError if the form is incomplete, and
    EmergencyNotShown (writing nothing) if the answers fire an EMERGENCY rule the patient has
    not been interrupted for: the advice comes before anything is sent.

    A freshly drawn reference collides with an existing one about once in 10^11 forms; then the
    whole transaction is rolled back and tried again with a new draw (cheaper, on every other
    send, than a savepoint around the reference).
    """
    for _attempt in range(REFERENCE_ATTEMPTS - 1):
        try:
            return _submit(submission=submission, consent_answers=consent_answers, now=now)
        except IntegrityError:
            if not Submission.objects.filter(pk=submission.pk, reference__isnull=True).exists():
                raise
    return _submit(submission=submission, consent_answers=consent_answers, now=now)


class _AlreadySent(Exception):
    """Another request sent this draft between our read and our write."""


class EmergencyNotShown(Exception):
    """Sending refused: the answers fire an EMERGENCY rule the patient has not been shown (e.g.
    a ruleset released while the draft waited). The caller shows the advice first (issue 15)."""


def _submit(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None,
) -> Submission:
    try:
        return _submit_once(submission=submission, consent_answers=consent_answers, now=now)
    except _AlreadySent:
        return Submission.objects.get(pk=submission.pk)


@transaction.atomic
def _submit_once(
    *,
    submission: Submission,
    consent_answers: Mapping[str, object],
    now: dt.datetime | None,
) -> Submission:
    """One attempt. Optimistic, like a step save: the draft row is written only if it is still
    the draft (same `version`) that was read, so a double click or a second tab that got there
    first makes this attempt roll back and return what that one sent (no lock, no re-read)."""
    now = now or timezone.now()
    if not submission.is_draft:
        return submission
    answers = {**submission.answers, **consent_answers}
    identity = submission.identity
    if any(not identity.get(name) for name in IDENTITY_REQUIRED):
        raise ValidationError(_("Some questions still need an answer."))
    dob = dt.date.fromisoformat(str(identity["date_of_birth"]))
    answers["age_years"] = age_on(dob, timezone.localdate(now))
    # One validation of the whole form: every required visible question, every value.
    shown = set(triage.visible_codes(answers))
    if triage.validate(answers, complete=True, shown=shown):
        raise ValidationError(_("Some questions still need an answer."))
    result = clinical.evaluate(answers, now=now)
    shown_rules = set(submission.interrupted_rules)
    if any(r.tier is triage.Tier.EMERGENCY and r.code not in shown_rules for r in result.rules):
        raise EmergencyNotShown

    patient_id = _patient_upsert(identity=identity, dob=dob)
    sent = copy.copy(submission)  # the caller's draft stays as it was if this attempt fails
    sent.patient_id = patient_id
    # Freeze what the patient actually saw: answers to hidden questions are not kept.
    sent.answers = {code: value for code, value in answers.items() if code in shown}
    sent.age_years = answers["age_years"]
    sent.status = Submission.Status.SUBMITTED
    sent.submitted_at = now
    # The same case as a mid-form emergency nobody has followed up yet: it keeps waiting from
    # the interruption. Otherwise it joins the queue now.
    sent.awaiting_since = submission.awaiting_since if submission.is_open_emergency else now
    sent.held_input = {}
    sent.expires_at = None
    sent.updated_at = now
    _store_result(sent, result)
    sent.reference = new_reference()
    sent.version = submission.version + 1
    written = plainsql.update(
        Submission,
        {**{name: getattr(sent, name) for name in SUBMIT_FIELDS}, "patient_id": patient_id},
        pk=submission.pk,
        status=Submission.Status.DRAFT,
        version=submission.version,
    )
    if not written:
        raise _AlreadySent

    _notifications_add(
        submission=sent,
        rows=[
            *_staff_alert_rows(sent, tier=sent.tier),
            (
                Notification.Kind.PATIENT_RECEIPT,
                Notification.Channel.EMAIL,
                str(identity["email"]),
                "patient_receipt",
            ),
        ],
    )
    return sent


# What `_store_result` writes: the engine's output kept with the answers it came from.
TRIAGE_FIELDS = (
    "ruleset_version",
    "engine_tier",
    "tier",
    "tier_rank",
    "fired_rules",
    "reasons",
    "scores",
)
# What sending a form writes on the submission row (besides the patient).
SUBMIT_FIELDS = (
    "answers",
    "age_years",
    "status",
    "submitted_at",
    "awaiting_since",
    "expires_at",
    "updated_at",
    *TRIAGE_FIELDS,
    "reference",
    "held_input",
    "version",
)


def _store_result(submission: Submission, result: triage.TriageResult) -> None:
    """Keep the engine's output with the answers it came from (spec §2.6).

    The tier staff work to follows the engine unless a clinician has overridden it.
    """
    stored = result.to_dict()
    submission.ruleset_version = result.ruleset_version
    submission.engine_tier = result.tier.name
    submission.fired_rules = list(result.fired)
    submission.reasons = stored["reasons"]
    submission.scores = {**stored["scores"], "not_sure": stored["not_sure"]}
    if not submission.overridden_at:
        submission.tier = result.tier.name
        submission.tier_rank = TIER_RANK[result.tier.name]


def _patient_upsert(*, identity: Mapping[str, object], dob: dt.date) -> int:
    """The id of the Patient for these details, created or brought up to date: matched by NHS
    number, else by email and date of birth. Only ids are read: the form has the details."""
    fields = {
        "full_name": str(identity.get("full_name", "")),
        "date_of_birth": dob,
        "email": str(identity.get("email", "")),
        "phone": str(identity.get("phone", "")),
        "preferred_contact": str(identity.get("preferred_contact", "")),
        "gp_practice": str(identity.get("gp_practice", "")),
        "nhs_number": str(identity.get("nhs_number", "")),
    }
    by_email: dict[str, Any] = {"upper": {"email": fields["email"]}, "date_of_birth": dob}
    existing = None
    if fields["nhs_number"]:
        existing = plainsql.first_pk(Patient, nhs_number=fields["nhs_number"])
    if existing is None:
        # Most forms come from someone new: insert, unless the email and date of birth match.
        created = plainsql.insert_unless(Patient, fields, **by_email)
        if created is not None:
            return int(created)
        existing = plainsql.first_pk(Patient, **by_email)
        if existing is None:  # matched a moment ago, removed since: a new record after all
            return int(plainsql.insert(Patient, [fields])[0].pk)
    plainsql.update(Patient, {**fields, "updated_at": timezone.now()}, pk=existing)
    return int(existing)


@transaction.atomic
def submission_send_resume_link(*, submission: Submission) -> Notification:
    """Email the patient a link to carry on later. Side effects: a Notification row, a task.

    Raises ValidationError if no email address has been given yet (first page not saved).
    """
    draft = _locked_draft(submission)
    email = draft.identity.get("email")
    if not email:
        raise ValidationError(_("Fill in the first page, with your email address, first."))
    return _notification_add(
        submission=draft,
        kind=Notification.Kind.RESUME_LINK,
        recipient=str(email),
        template="resume_link",
    )


@transaction.atomic
def submission_check_resume(*, submission: Submission, date_of_birth: dt.date) -> bool:
    """Whether `date_of_birth` unlocks this draft on a new device.

    Counts wrong answers; after CLINIC_RESUME_MAX_FAILURES the link stops working for good (the
    patient can start again). Side effects: the draft's failure count.
    """
    draft = Submission.objects.select_for_update().get(pk=submission.pk)
    if not draft.is_draft or draft.resume_failures >= settings.CLINIC_RESUME_MAX_FAILURES:
        return False
    if draft.identity.get("date_of_birth") == date_of_birth.isoformat():
        if draft.resume_failures:
            draft.resume_failures = 0
            draft.save(update_fields=["resume_failures"])
        return True
    draft.resume_failures += 1
    draft.save(update_fields=["resume_failures"])
    return False


def submission_purge_expired_drafts(*, now: dt.datetime | None = None) -> int:
    """Delete unfinished forms past their expiry (7 days after the last save by default).

    A draft on which the emergency advice was shown is kept: it is a case, with the alert, the
    clinician's follow-up note and its audit history (retention rules for these are a decision
    for the clinic, issue 18). Side effects: deletes draft Submission rows and their
    notifications. Returns how many.
    """
    now = now or timezone.now()
    expired = Submission.objects.filter(
        status=Submission.Status.DRAFT, expires_at__lt=now, interruption_shown_at__isnull=True
    )
    count = expired.count()
    expired.delete()
    return count


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failures: exponential, capped, with jitter.

    Full jitter in the upper half (0.5x to 1x of the step) spreads retries from many workers
    after a shared outage, so they do not all hit the mail server at the same moment.
    """
    step = min(
        settings.CLINIC_NOTIFICATION_RETRY_MAX_SECONDS,
        settings.CLINIC_NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return float(step * (0.5 + secrets.randbelow(1001) / 2000))


@dataclass(frozen=True)
class SendOutcome:
    """What one send call did: sent it, or found nothing to do, or failed (retry in N s)."""

    sent: bool = False
    retry_in: float | None = None


# Patient messages about an appointment that only make sense while it is still booked.
NEEDS_BOOKED_APPOINTMENT = frozenset(
    {
        Notification.Kind.APPOINTMENT_CONFIRMATION,
        Notification.Kind.APPOINTMENT_REMINDER,
        Notification.Kind.APPOINTMENT_MOVED,
    }
)


def _appointment_stands(notification: Notification) -> bool:
    if notification.appointment_id is None:
        return False
    return Appointment.objects.filter(
        pk=notification.appointment_id, status=Appointment.Status.BOOKED
    ).exists()


# A message queued a moment before it is due (a retry's countdown) is still sent.
DUE_TOLERANCE = dt.timedelta(seconds=2)


def _error_text(exc: Exception, recipient: str) -> str:
    """What went wrong, for staff to read: the recipient's address or number taken out (a mail
    server's refusal often quotes it, and the outbox pages do not show recipients)."""
    text = f"{type(exc).__name__}: {exc}"
    if recipient:
        text = text.replace(recipient, "<recipient>")
    return text[:1000]


def notification_send(*, notification_id: int, now: dt.datetime | None = None) -> SendOutcome:
    """Send one pending notification, exactly once.

    Locks the row (skipping it if another worker holds it), checks it is still pending and due,
    renders the message from the database, sends, and marks it sent, all in one transaction: a
    duplicate task or a retry finds it sent (or locked) and does nothing. If the process dies
    mid-send the transaction rolls back, the row stays pending and the sweep queues it again.

    On a sending error the attempt and error are recorded and the next try is put off with
    backoff (`due_at`); after CLINIC_NOTIFICATION_MAX_ATTEMPTS the row is `failed`, for staff to
    see in the admin and retry by hand.
    """
    from intake import emails

    with transaction.atomic():
        # Lock only the outbox row, found by its primary key alone: no join (one once got a plan
        # that walked every submission after a bulk import) and no status in the WHERE (with it,
        # stale statistics made PostgreSQL scan the partial index of every pending row instead,
        # a backlog-sized scan per message just when a backlog is being sent). Its state is
        # checked once the row is locked; the submission is read separately.
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        now = now or timezone.now()
        if (
            notification is None
            or notification.status != Notification.Status.PENDING
            or notification.due_at > now + DUE_TOLERANCE
        ):
            return SendOutcome()
        if notification.kind in NEEDS_BOOKED_APPOINTMENT and not _appointment_stands(notification):
            # A reminder (or confirmation) for an appointment cancelled since: never send it.
            notification.status = Notification.Status.CANCELLED
            notification.save(update_fields=["status"])
            return SendOutcome()
        # Only what a message may show: never the answers or identity (and less to decode).
        notification.submission = Submission.objects.only(*emails.SUBMISSION_FIELDS).get(
            pk=notification.submission_id
        )
        notification.attempts += 1
        try:
            emails.deliver(notification)
        except Exception as exc:
            notification.last_error = _error_text(exc, notification.recipient)
            if notification.attempts >= settings.CLINIC_NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
                logger.error(
                    "notification %s failed after %s attempts",
                    notification.pk,
                    notification.attempts,
                )
                retry_in = None
            else:
                retry_in = retry_delay(notification.attempts)
                notification.due_at = now + dt.timedelta(seconds=retry_in)
                logger.warning(
                    "notification %s attempt %s failed; retry in %.0f s",
                    notification.pk,
                    notification.attempts,
                    retry_in,
                )
            notification.save(update_fields=["status", "attempts", "last_error", "due_at"])
            return SendOutcome(retry_in=retry_in)
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.save(update_fields=["status", "attempts", "sent_at", "last_error"])
        return SendOutcome(sent=True)


def notification_sweep(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Queue again every pending notification that is due and has not been sent in time.

    Run by beat every 30 s. A row qualifies once it has been due for CLINIC_OUTBOX_SWEEP_AFTER
    seconds (30) and the sweep has not queued it yet: its message was lost (broker down, worker
    killed) or it is a reminder whose time has come. A row the sweep already queued is queued
    again only after CLINIC_OUTBOX_REQUEUE_SECONDS (300, the broker's visibility timeout): it
    may just be waiting behind a backlog, and re-queueing it every 30 s would grow the backlog.
    Staff alerts first. Side effects: `queued_at` on the rows the broker took, tasks on the
    broker. Returns how many were queued.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.CLINIC_OUTBOX_SWEEP_AFTER_SECONDS)
    requeue_cutoff = now - dt.timedelta(seconds=settings.CLINIC_OUTBOX_REQUEUE_SECONDS)
    stale = (
        Notification.objects.filter(status=Notification.Status.PENDING, due_at__lte=cutoff)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=requeue_cutoff))
        .order_by("due_at")
    )
    urgent = list(stale.filter(kind__in=URGENT_KINDS)[:limit])
    rest = list(stale.exclude(kind__in=URGENT_KINDS)[: limit - len(urgent)])
    # One task per row: a backlog is spread over the workers, and `queued_at` says exactly
    # which rows the broker took.
    taken = [row.pk for row in urgent + rest if notification_enqueue(notifications=[row])]
    if taken:
        # Only rows the broker took: with the broker down, the next sweep tries them again.
        Notification.objects.filter(pk__in=taken).update(queued_at=now)
        logger.info("outbox sweep: %s stale notifications queued", len(taken))
    return len(taken)


@transaction.atomic
def notification_retry(*, notification_ids: Sequence[int], actor: User) -> int:
    """Staff's "retry now": failed rows, and pending rows already due, go again at once.

    Sent and "not needed" rows are left alone, and so is anything due later (a reminder for next
    week is not sent early). Side effects: the rows (fresh attempts), an audit event per row,
    tasks queued after commit. Returns how many were put back.
    """
    now = timezone.now()
    rows = list(
        Notification.objects.select_for_update()
        .filter(pk__in=notification_ids)
        .filter(
            Q(status=Notification.Status.FAILED)
            | Q(status=Notification.Status.PENDING, due_at__lte=now)
        )
    )
    for row in rows:
        row.status = Notification.Status.PENDING
        row.attempts = 0
        row.due_at = now
        row.save(update_fields=["status", "attempts", "due_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            submission=row.submission,
            changed_fields=["notification.status"],
            details={"notification": row.pk, "retry": True},
        )
        transaction.on_commit(functools.partial(notification_enqueue, notifications=[row]))
    return len(rows)


def submission_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate urgent forms nobody has started to review in time. Run by beat every minute.

    An EMERGENCY case still `submitted` (not in review), or a mid-form emergency nobody has
    followed up, after CLINIC_ESCALATION_MINUTES["EMERGENCY"] (15 by default) in the queue, or
    an URGENT form after ["URGENT"] (60), gets an escalation alert to
    CLINIC_ESCALATION_EMAILS and an audit event, once per level: the Escalation row's unique
    constraint makes a repeat (or two overlapping beat runs) do nothing. Returns how many.
    """
    now = now or timezone.now()
    done = 0
    for level, minutes in settings.CLINIC_ESCALATION_MINUTES.items():
        overdue = (
            Submission.objects.filter(
                NOT_PICKED_UP_Q,
                tier=level,
                awaiting_since__lte=now - dt.timedelta(minutes=minutes),
            )
            .exclude(escalations__level=level)
            .only("pk")
        )
        for submission in overdue:
            done += _escalate(submission=submission, level=level, now=now)
    return done


def _escalate(*, submission: Submission, level: str, now: dt.datetime) -> int:
    try:
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            picked_up = not (
                locked.status == Submission.Status.SUBMITTED or locked.is_open_emergency
            )
            if picked_up or locked.tier != level:
                return 0  # picked up, followed up (or re-tiered) since the query
            Escalation.objects.create(submission=locked, level=level, created_at=now)
            for address in settings.CLINIC_ESCALATION_EMAILS:
                _notification_add(
                    submission=locked,
                    kind=Notification.Kind.ESCALATION,
                    recipient=address,
                    template="escalation",
                )
            for number in settings.CLINIC_ESCALATION_PHONES:
                _notification_add(
                    submission=locked,
                    kind=Notification.Kind.ESCALATION,
                    recipient=number,
                    template="escalation",
                    channel=Notification.Channel.SMS,
                )
            waited = (
                int((now - locked.awaiting_since).total_seconds() // 60)
                if locked.awaiting_since
                else 0
            )
            audit_record(
                actor=None,
                action=AuditEvent.Action.ESCALATION,
                submission=locked,
                details={"level": level, "waited_minutes": waited},
            )
    except IntegrityError:
        return 0  # another run escalated it first
    if not settings.CLINIC_ESCALATION_EMAILS and not settings.CLINIC_ESCALATION_PHONES:
        logger.error("escalation of submission %s: no CLINIC_ESCALATION_EMAILS", submission.pk)
    return 1


# --- Staff workflow ---------------------------------------------------------------------------

Status = Submission.Status

# The only moves a submission's status can make. Anything else is refused with a message.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset({Status.TRIAGED, Status.REFERRED, Status.CLOSED}),
    Status.TRIAGED: frozenset({Status.IN_REVIEW, Status.BOOKED, Status.REFERRED, Status.CLOSED}),
    Status.BOOKED: frozenset({Status.TRIAGED, Status.CLOSED}),
    Status.REFERRED: frozenset({Status.IN_REVIEW}),
    Status.CLOSED: frozenset({Status.IN_REVIEW}),
    Status.DRAFT: frozenset(),
}


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    submission: Submission | None = None,
    changed_fields: Sequence[str] = (),
    details: Mapping[str, object] | None = None,
    ip_address: str | None = None,
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit log. Names only: never copy clinical values into it."""
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        submission=submission,
        object_repr=object_repr or (str(submission) if submission is not None else ""),
        changed_fields=list(changed_fields),
        details=dict(details or {}),
        ip_address=ip_address or None,
    )


def _locked_sent(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.is_draft:
        raise ValidationError(_("This form has not been sent yet."))
    return locked


def _move(
    submission: Submission,
    to: str,
    *,
    actor: User | None,  # None: the patient, by their cancel link
    ip_address: str | None,
    now: dt.datetime,
) -> None:
    """Change status if the move is allowed; record it. Caller holds the row lock."""
    before = submission.status
    if to not in TRANSITIONS[before]:
        raise ValidationError(
            _("A submission that is %(before)s cannot be marked %(after)s.")
            % {"before": Status(before).label.lower(), "after": Status(to).label.lower()}
        )
    submission.status = to
    submission.status_changed_at = now
    submission.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STATUS,
        submission=submission,
        changed_fields=["status"],
        details={"from": before, "to": to},
        ip_address=ip_address,
    )


@transaction.atomic
def submission_assign(
    *, submission: Submission, assignee: User | None, actor: User, ip_address: str | None = None
) -> Submission:
    """Assign the submission to a staff member (or nobody). Side effects: row, audit event."""
    locked = _locked_sent(submission)
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ASSIGN,
        submission=locked,
        changed_fields=["assigned_to"],
        details={"to": getattr(assignee, "username", None)},
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def submission_start_review(
    *,
    submission: Submission,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Mark in review; the reviewer takes it if nobody has. Raises ValidationError if illegal."""
    locked = _locked_sent(submission)
    _move(locked, Status.IN_REVIEW, actor=actor, ip_address=ip_address, now=now or timezone.now())
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
        locked.save(update_fields=["assigned_to", "updated_at"])
    return locked


@transaction.atomic
def submission_set_status(
    *,
    submission: Submission,
    status: str,
    actor: User,
    reason: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Mark triaged, referred elsewhere or closed. Referral and closing need a reason (a note)."""
    locked = _locked_sent(submission)
    if status in (Status.REFERRED, Status.CLOSED) and not reason.strip():
        raise ValidationError(_("Give a reason."))
    if (
        locked.status == Status.BOOKED
        and locked.appointments.filter(status=Appointment.Status.BOOKED).exists()
    ):
        # Else the patient is reminded of, and comes to, an appointment for a closed case.
        raise ValidationError(
            _(
                "The patient still has a booked appointment: cancel it, or record whether "
                "they came, first."
            )
        )
    _move(locked, status, actor=actor, ip_address=ip_address, now=now or timezone.now())
    if reason.strip():
        _note(locked, text=reason, actor=actor, ip_address=ip_address)
    return locked


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
    """Set the tier staff work to, with a required reason; the engine's tier is kept beside it.

    Side effects: the row; an audit event naming both tiers (not the answers).
    """
    if tier not in Tier.values:
        raise ValidationError(_("Choose a tier."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for changing the tier."))
    locked = _locked_sent(submission)
    before = locked.tier
    locked.tier = tier
    locked.tier_rank = TIER_RANK[tier]
    locked.override_reason = reason.strip()
    locked.overridden_by = actor
    locked.overridden_at = now or timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.OVERRIDE,
        submission=locked,
        changed_fields=["tier", "override_reason"],
        details={"from": before, "to": tier, "engine_tier": locked.engine_tier},
        ip_address=ip_address,
    )
    return locked


def _note(submission: Submission, *, text: str, actor: User, ip_address: str | None) -> None:
    SubmissionNote.objects.create(submission=submission, author=actor, text=text.strip())
    audit_record(
        actor=actor,
        action=AuditEvent.Action.NOTE,
        submission=submission,
        changed_fields=["notes"],
        ip_address=ip_address,
    )


@transaction.atomic
def submission_add_note(
    *, submission: Submission, text: str, actor: User, ip_address: str | None = None
) -> Submission:
    """Add a clinician's note. Side effects: a note row, an audit event (without the text)."""
    if not text.strip():
        raise ValidationError(_("Write a note first."))
    if len(text) > 5000:
        raise ValidationError(_("Keep a note to 5,000 characters or fewer."))
    locked = _locked_sent(submission)
    _note(locked, text=text, actor=actor, ip_address=ip_address)
    return locked


@transaction.atomic
def submission_rerun_engine(
    *, submission: Submission, actor: User, ip_address: str | None = None
) -> Submission:
    """Triage the stored answers again with the current ruleset (after a ruleset change).

    Records the old and new ruleset version, tier and fired rules in the audit log. A clinician's
    override stays in force; the engine's tier beside it is updated.
    """
    locked = _locked_sent(submission)
    old = {
        "ruleset_version": locked.ruleset_version,
        "tier": locked.engine_tier,
        "fired": list(locked.fired_rules),
    }
    result = clinical.evaluate(locked.answers, now=locked.submitted_at)
    _store_result(locked, result)
    locked.save()
    new = {
        "ruleset_version": locked.ruleset_version,
        "tier": locked.engine_tier,
        "fired": list(locked.fired_rules),
    }
    audit_record(
        actor=actor,
        action=AuditEvent.Action.RERUN,
        submission=locked,
        changed_fields=["engine_tier", "fired_rules", "reasons", "scores", "ruleset_version"],
        details={"old": old, "new": new},
        ip_address=ip_address,
    )
    return locked


# --- Scheduling (docs/scheduling.md) -------------------------------------------------------------

AStatus = Appointment.Status

# The message a receptionist sees when someone else booked the slot a moment before.
SLOT_TAKEN = "slot_taken"


def _slot_taken() -> ValidationError:
    return ValidationError(
        _("That slot was just taken by another booking. Choose another slot."), code=SLOT_TAKEN
    )


@dataclass(frozen=True)
class SlotGeneration:
    """What one run of slot generation did."""

    created: int
    removed: int
    # Booked slots that the rules or exceptions no longer allow (e.g. leave added later):
    # kept, never deleted; reception moves those patients.
    clashes: int


def _overlaps(start: dt.datetime, end: dt.datetime, spans: Sequence[tuple[Any, Any]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _wanted_slots(
    *, first: dt.date, last: dt.date, now: dt.datetime
) -> dict[tuple[int, dt.datetime], tuple[int, dt.datetime]]:
    """(clinician id, start) -> (appointment type id, end) for every slot the rules allow.

    Times are built from each rule's wall-clock times on each day in the clinic's zone, so a
    09:00 session starts at 09:00 local time on both sides of a daylight-saving change.
    """
    zone = scheduling.clinic_zone()
    horizon_start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    horizon_end = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    rules = (
        AvailabilityRule.objects.filter(
            clinician__active=True, appointment_type__active=True, valid_from__lt=last
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .select_related("clinician", "appointment_type")
        .order_by("clinician_id", "weekday", "start_time", "pk")
    )
    closed: dict[int | None, list[tuple[Any, Any]]] = {}
    for exc in AvailabilityException.objects.filter(
        starts_at__lt=horizon_end, ends_at__gt=horizon_start
    ):
        closed.setdefault(exc.clinician_id, []).append((exc.starts_at, exc.ends_at))
    wanted: dict[tuple[int, dt.datetime], tuple[int, dt.datetime]] = {}
    taken: dict[int, list[tuple[Any, Any]]] = {}
    for rule in rules:
        kind = rule.appointment_type
        if rule.clinician.role not in (kind.roles or []):
            logger.warning("availability rule %s: the clinician's role cannot take it", rule.pk)
            continue
        length = dt.timedelta(minutes=kind.duration_minutes)
        blocked = closed.get(rule.clinician_id, []) + closed.get(None, [])
        day = max(first, rule.valid_from)
        stop = min(last, rule.valid_to + dt.timedelta(days=1)) if rule.valid_to else last
        day += dt.timedelta(days=(rule.weekday - day.weekday()) % 7)
        while day < stop:
            cursor = dt.datetime.combine(day, rule.start_time)
            session_end = dt.datetime.combine(day, rule.end_time)
            while cursor + length <= session_end:
                start = scheduling.wall_clock(day, cursor.time(), zone)
                cursor += length
                if start is None or start <= now:
                    continue
                end = start + length
                mine = taken.setdefault(rule.clinician_id, [])
                if _overlaps(start, end, blocked) or _overlaps(start, end, mine):
                    continue
                mine.append((start, end))
                wanted[(rule.clinician_id, start)] = (kind.pk, end)
            day += dt.timedelta(days=7)
    return wanted


SLOT_WEEKS_MAX = 104


def _delete_unused_slots(ids: Sequence[int]) -> int:
    """Delete these slots, skipping any booked since they were read (a booking racing the
    nightly job must not make the whole run fail, nor lose its slot)."""
    if not ids:
        return 0
    try:
        with transaction.atomic():
            return int(Slot.objects.filter(pk__in=ids).delete()[0])
    except (IntegrityError, ProtectedError):
        removed = 0
        for pk in ids:
            try:
                with transaction.atomic():
                    removed += Slot.objects.filter(pk=pk).delete()[0]
            except (IntegrityError, ProtectedError):
                continue
        return removed


@transaction.atomic
def slot_generate(*, weeks: int | None = None, now: dt.datetime | None = None) -> SlotGeneration:
    """Make the future slots match the availability rules and exceptions for the next N weeks.

    Idempotent: a second run with nothing changed creates and removes nothing. Creates the
    missing slots; removes future slots the rules no longer allow (leave added, a rule ended)
    only if no appointment, even a cancelled one, ever used them. A booked slot is never
    deleted: it is counted as a clash for reception to move. Run nightly by beat and by
    `manage.py generate_slots`. Side effects: Slot rows.
    """
    now = now or timezone.now()
    weeks = settings.CLINIC_SLOT_WEEKS if weeks is None else weeks
    if not 1 <= weeks <= SLOT_WEEKS_MAX:
        # 0 weeks would make every future free slot "unwanted" and empty the diary.
        raise ValidationError(
            _("Slots are made 1 to %(max)d weeks ahead, not %(weeks)d.")
            % {"max": SLOT_WEEKS_MAX, "weeks": weeks}
        )
    zone = scheduling.clinic_zone()
    first = now.astimezone(zone).date()
    last = first + dt.timedelta(weeks=weeks)
    wanted = _wanted_slots(first=first, last=last, now=now)
    horizon_end = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    existing = Slot.objects.filter(start__gt=now, start__lt=horizon_end).annotate(
        used=Exists(Appointment.objects.filter(slot=OuterRef("pk"))),
        held=Exists(
            Appointment.objects.filter(slot=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT_STATUSES)
        ),
    )
    stale, clashes, have = [], 0, set()
    for slot in existing:
        key = (slot.clinician_id, slot.start)
        if wanted.get(key) == (slot.appointment_type_id, slot.end):
            have.add(key)
        elif slot.held:
            clashes += 1
            have.add(key)  # its start stays taken: nothing else is created on top of it
        elif not slot.used:
            stale.append(slot.pk)
        else:
            have.add(key)  # history (a cancelled booking) points at it; leave it be
    removed = _delete_unused_slots(stale)
    new = [
        Slot(clinician_id=clinician_id, start=start, appointment_type_id=kind_id, end=end)
        for (clinician_id, start), (kind_id, end) in sorted(wanted.items(), key=lambda i: i[0][1])
        if (clinician_id, start) not in have
    ]
    created = len(Slot.objects.bulk_create(new, ignore_conflicts=True))
    if clashes:
        logger.warning("slot generation: %s booked slots clash with the availability", clashes)
    return SlotGeneration(created=created, removed=removed, clashes=clashes)


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
    if selectors.availabilityexception_list_blocking(
        slot.clinician_id, slot.start, slot.end
    ).exists():
        raise ValidationError(
            _("That time is now marked as leave or a clinic closure. Choose another slot."),
            code="unavailable",
        )


def _appointment_notices(appointment: Appointment, *, kind: str, template: str) -> None:
    patient = appointment.submission.patient
    if patient is None or not patient.email:
        return
    _notification_add(
        submission=appointment.submission,
        appointment=appointment,
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
    _notification_add(
        submission=appointment.submission,
        appointment=appointment,
        kind=Notification.Kind.APPOINTMENT_REMINDER,
        recipient=patient.email,
        template="appointment_reminder",
        due_at=due,
    )


def _stop_reminders(appointment: Appointment) -> int:
    """Pending reminders of a moved or cancelled appointment will not be sent ("Not needed")."""
    return Notification.objects.filter(
        appointment=appointment,
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
    locked = _locked_sent(submission)
    if not scheduling.is_bookable(locked.tier):
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
    _move(locked, Status.BOOKED, actor=actor, ip_address=ip_address, now=now)
    audit_record(
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
    _locked_sent(appointment.submission)
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
    if not scheduling.is_bookable(locked.submission.tier):  # raised to EMERGENCY since booking
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
            locked.save(update_fields=["slot", "clinician", "starts_at", "ends_at", "sequence"])
    except IntegrityError as error:
        raise _slot_taken() from error
    _stop_reminders(locked)
    audit_record(
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
    actor: User | None,
    by_patient: bool,
    ip_address: str | None,
    now: dt.datetime,
) -> Appointment:
    locked = _locked_booked(appointment)
    locked.status = AStatus.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.cancelled_by_patient = by_patient
    locked.cancel_reason = reason.strip()
    locked.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "cancelled_by_patient",
            "cancel_reason",
        ]
    )
    _stop_reminders(locked)
    submission = locked.submission
    if submission.status == Status.BOOKED:
        _move(submission, Status.TRIAGED, actor=actor, ip_address=ip_address, now=now)
    audit_record(
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

    As a staff cancellation, plus: reception is told (CLINIC_RECEPTION_EMAILS) and, for an
    URGENT patient, the triage clinicians are alerted at once (CLINIC_TRIAGE_EMAILS, urgent
    queue): an urgent problem has just lost its appointment. Raises ValidationError if the
    appointment is no longer booked or has already started.
    """
    now = now or timezone.now()
    if appointment.starts_at <= now:
        raise ValidationError(
            _("This appointment has already started, so it cannot be cancelled online."),
            code="started",
        )
    cancelled = _cancel(
        appointment, reason=reason, actor=None, by_patient=True, ip_address=ip_address, now=now
    )
    submission = cancelled.submission
    for address in settings.CLINIC_RECEPTION_EMAILS:
        _notification_add(
            submission=submission,
            appointment=cancelled,
            kind=Notification.Kind.RECEPTION_CANCELLED,
            recipient=address,
            template="reception_cancelled",
        )
    if submission.tier in ALERT_TIERS:  # URGENT, or raised to EMERGENCY since booking
        if not settings.CLINIC_TRIAGE_EMAILS:
            logger.error("urgent cancellation of %s: CLINIC_TRIAGE_EMAILS is empty", submission.pk)
        for address in settings.CLINIC_TRIAGE_EMAILS:
            _notification_add(
                submission=submission,
                appointment=cancelled,
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
    locked.save(update_fields=["status"])
    audit_record(
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
    CLINIC_TRIAGE_EMAILS address (urgent queue for URGENT patients), an audit event. Raises
    ValidationError if already escalated within the hour, or for an EMERGENCY.
    """
    now = now or timezone.now()
    locked = _locked_sent(submission)
    if not scheduling.is_bookable(locked.tier):
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
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ESCALATION,
        submission=locked,
        details={"reason": "no_slot_in_window", "tier": locked.tier},
        ip_address=ip_address,
    )
    return [
        _notification_add(
            submission=locked,
            kind=Notification.Kind.NO_SLOT,
            recipient=address,
            template="no_slot",
        )
        for address in settings.CLINIC_TRIAGE_EMAILS
    ]


@transaction.atomic
def submission_record_emergency_follow_up(
    *,
    submission: Submission,
    text: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Record what a clinician did about a mid-form emergency (issue 15), which closes it.

    E.g. "Phoned 14:05: patient on the way to A&E" or "Could not reach: left a message". The
    draft leaves the queue (until a new emergency answer reopens it, or the patient sends the
    form, which joins the queue as usual). Side effects: the draft row, a note with the text,
    an audit event (without it). Raises ValidationError without a text, or if there is no
    open mid-form emergency (already followed up, or the form was sent meanwhile).
    """
    text = _checked_text(text, _("Write down what was done."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_open_emergency:
        raise ValidationError(
            _("There is no unfinished form with emergency advice to follow up here.")
        )
    locked.interruption_handled_at = now or timezone.now()
    locked.interruption_handled_by = actor
    locked.save(update_fields=["interruption_handled_at", "interruption_handled_by", "updated_at"])
    SubmissionNote.objects.create(
        submission=locked,
        author=actor,
        text=_("Mid-form emergency followed up: %(text)s") % {"text": text},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EMERGENCY_FOLLOW_UP,
        submission=locked,
        changed_fields=["interruption_handled_at", "notes"],
        details={"interrupted_rules": list(locked.interrupted_rules)},
        ip_address=ip_address,
    )
    return locked


def _checked_text(text: str, missing: str, *, limit: int = 2000) -> str:
    """A staff member's free-text account, stripped; ValidationError if empty or too long."""
    if not text.strip():
        raise ValidationError(missing)
    if len(text) > limit:
        raise ValidationError(
            _("Keep it to %(limit)s characters or fewer.") % {"limit": f"{limit:,}"}
        )
    return text.strip()


@transaction.atomic
def submission_record_emergency_direction(
    *, submission: Submission, text: str, actor: User, ip_address: str | None = None
) -> Submission:
    """Record what reception did for an EMERGENCY patient (who is never booked).

    E.g. "Phoned 14:05, told to call 999; ambulance called by daughter". Kept as a note on the
    submission for the clinicians. Side effects: a note, an audit event (without the text).
    """
    text = _checked_text(text, _("Write down what was done."))
    locked = _locked_sent(submission)
    if locked.tier != Tier.EMERGENCY:
        raise ValidationError(_("This is for emergencies only: book the patient instead."))
    note = _("Directed to emergency care (recorded at booking): %(text)s") % {"text": text}
    SubmissionNote.objects.create(submission=locked, author=actor, text=note)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.NOTE,
        submission=locked,
        changed_fields=["notes"],
        details={"emergency_direction": True},
        ip_address=ip_address,
    )
    return locked
