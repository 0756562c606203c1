"""Celery tasks: primary keys in, one service call. No logic and no patient data here.

Retries are not Celery's: the outbox row records the attempt and its next due time, and the
task re-queues itself with that countdown (or the sweep does, if that message is lost).
The scheduling app's nightly slot generation is in intake/scheduling/tasks.py.
"""

from __future__ import annotations

from celery import shared_task

from intake.models import Notification
from intake.services import drafts, escalation, outbox, retention


@shared_task
def send_notifications(notification_ids: list[int]) -> int:
    """Send outbox rows, in the order given, each in its own transaction (idempotent: a sent or
    locked row is never sent again). A row that fails is queued again alone, with its backoff.
    Returns how many were sent."""
    sent = 0
    for notification_id in notification_ids:
        outcome = outbox.notification_send(notification_id=notification_id)
        sent += outcome.sent
        if outcome.retry_in is not None:
            notification = Notification.objects.get(pk=notification_id)
            outbox.notification_enqueue(notifications=[notification], countdown=outcome.retry_in)
    return sent


@shared_task
def sweep_outbox() -> int:
    """Queue again pending notifications that are due and were lost or delayed (every 30 s)."""
    return outbox.notification_sweep()


@shared_task
def escalate_overdue() -> int:
    """Escalate EMERGENCY/URGENT forms nobody has started to review in time (every minute)."""
    return escalation.submission_escalate_overdue()


@shared_task
def purge_expired_drafts() -> int:
    """Delete unfinished forms past their expiry (daily, from beat)."""
    return drafts.submission_purge_expired_drafts()


# Up to an hour, not the minute every other task gets (CELERY_TASK_*_TIME_LIMIT): the first run
# on a database with years of history deletes them in batches, and each batch is committed, so
# a run cut short loses nothing and the next night carries on.
@shared_task(soft_time_limit=55 * 60, time_limit=60 * 60)
def apply_retention() -> int:
    """Delete or blank what has outlived its retention period (daily, from beat): old cases
    and their patients, message recipients, expired sessions, old audit events. Returns the
    id of the run's record (RetentionRun), which holds the counts."""
    return retention.retention_apply().pk
