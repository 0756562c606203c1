"""Reads about the outbox: its health for the admin home page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from intake.selectors.workflow import COUNT_CAP


def notification_get_health(*, now: dt.datetime | None = None) -> dict[str, int]:
    """For the admin dashboard: failed messages, and due ones still pending for too long.

    Two counts on indexed columns (status; the pending rows' due time), each capped.
    """

    from intake.models import Notification

    now = now or timezone.now()
    stuck_since = now - dt.timedelta(minutes=settings.CLINIC_OUTBOX_STUCK_MINUTES)
    failed = Notification.objects.filter(status=Notification.Status.FAILED)
    stuck = Notification.objects.filter(status=Notification.Status.PENDING, due_at__lte=stuck_since)
    return {
        "failed": failed[: COUNT_CAP + 1].count(),
        "stuck": stuck[: COUNT_CAP + 1].count(),
        "stuck_minutes": settings.CLINIC_OUTBOX_STUCK_MINUTES,
    }
