"""Reads that join models or need care at scale: the triage queue and its counts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from intake.models import AWAITING_REVIEW, TIER_RANK, AuditEvent, Submission, Tier

# Counting stops here: on a large table the exact number past this helps nobody and costs a
# full index scan. Shown as "1000+".
COUNT_CAP = 1000


def submission_list_for_triage() -> QuerySet[Submission]:
    """Submissions with what the queue shows, most urgent then longest waiting first.

    Drafts are included (the queue's status filter leaves them out by default): an on-call
    clinician alerted mid-form must be able to open the unfinished form. One query whatever the
    page size: the patient and assignee are joined, not fetched per row.
    """
    return Submission.objects.select_related("patient", "assigned_to").order_by(
        "-tier_rank", "submitted_at", "pk"
    )


def submission_tier_counts_awaiting() -> list[tuple[str, str, int, bool]]:
    """(tier, label, count, capped) per tier among submissions awaiting review.

    One small capped query per tier, each served by the queue index, so the cost does not grow
    with the table.
    """
    counts = []
    for tier in sorted(Tier, key=lambda t: -TIER_RANK[t]):
        ids = Submission.objects.filter(
            status__in=AWAITING_REVIEW, tier_rank=TIER_RANK[tier]
        ).values("pk")[: COUNT_CAP + 1]
        count = ids.count()
        counts.append((tier.value, str(tier.label), min(count, COUNT_CAP), count > COUNT_CAP))
    return counts


def review_target(tier: str) -> dt.timedelta | None:
    """How long a submission of this tier may wait for review (None: no target)."""
    minutes = settings.CLINIC_REVIEW_TARGET_MINUTES.get(tier)
    return dt.timedelta(minutes=minutes) if minutes else None


def audit_events_for(submission: Submission) -> QuerySet[AuditEvent]:
    """The submission's history, oldest first, with the actors joined."""
    return (
        AuditEvent.objects.filter(submission=submission)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def notification_health(*, now: dt.datetime | None = None) -> dict[str, int]:
    """For the admin dashboard: failed messages, and due ones still pending for too long.

    Two counts on indexed columns (status; the pending rows' due time), each capped.
    """
    from django.utils import timezone

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
