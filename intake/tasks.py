"""Celery tasks: primary keys in, one service call, retry. No logic and no patient data here."""

from __future__ import annotations

from celery import shared_task

from intake import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_notification(self: object, notification_id: int) -> bool:
    """Send one outbox row (idempotent: a sent row is never sent again)."""
    return services.notification_send(notification_id=notification_id)


@shared_task
def purge_expired_drafts() -> int:
    """Delete unfinished forms past their expiry (daily, from beat)."""
    return services.submission_purge_expired_drafts()
