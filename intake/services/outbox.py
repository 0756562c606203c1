"""The outbox: Notification rows written with their cause, handed to Celery after commit,
sent exactly once, swept again when the broker or a worker lost them (DESIGN §5)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake import plainsql
from intake.models import URGENT_KINDS, AuditEvent, Notification, Submission
from intake.services import audit

logger = logging.getLogger(__name__)


# Celery queues: workers take `urgent` (staff alerts, escalations) before `default`.
URGENT_QUEUE = "urgent"


DEFAULT_QUEUE = "default"


OutboxRow = tuple[str, str, str, str]  # kind, channel, recipient, template


def notifications_add(
    *,
    submission: Submission,
    rows: Sequence[OutboxRow],
    appointment_id: int | None = None,
) -> list[Notification]:
    """Write outbox rows due now in one INSERT; each is queued after commit. `appointment_id`:
    the appointment the messages are about (an id: the scheduling app sits above the core)."""
    if not rows:
        return []
    now = timezone.now()
    created = plainsql.insert(
        Notification,
        [
            {
                "submission_id": submission.pk,
                "appointment_id": appointment_id,
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


def notification_add(
    *,
    submission: Submission,
    kind: str,
    recipient: str,
    template: str,
    channel: str = Notification.Channel.EMAIL,
    due_at: dt.datetime | None = None,
    appointment_id: int | None = None,
) -> Notification:
    """Write one outbox row; queue it after commit if it is due now (else beat's sweep sends it)."""
    if due_at is None:
        [notification] = notifications_add(
            submission=submission,
            rows=[(kind, channel, recipient, template)],
            appointment_id=appointment_id,
        )
        return notification
    return Notification.objects.create(
        submission=submission,
        appointment_id=appointment_id,
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
    # Read through the foreign key: the scheduling app, which owns appointments, sits above the
    # core and is not imported here.
    return notification.appointment is not None and notification.appointment.is_booked


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
        audit.audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            submission=row.submission,
            changed_fields=["notification.status"],
            details={"notification": row.pk, "retry": True},
        )
        transaction.on_commit(functools.partial(notification_enqueue, notifications=[row]))
    return len(rows)
