"""Reads for the triage clinicians: the queue, its counts, a case's history."""

from __future__ import annotations

from django.db.models import QuerySet

from intake.models import AWAITING_REVIEW_Q, TIER_RANK, AuditEvent, Submission, Tier

# Counting stops here: on a large table the exact number past this helps nobody and costs a
# full index scan. Shown as "1000+".
COUNT_CAP = 1000


# Most urgent first, then longest in the queue (a mid-form emergency waits from the advice).
QUEUE_ORDER = ("-tier_rank", "awaiting_since", "pk")


def submission_list_for_triage() -> QuerySet[Submission]:
    """Submissions with what the queue shows, most urgent then longest waiting first.

    Drafts are included: the queue's default view shows those on which the emergency advice
    was shown until a clinician has followed them up (AWAITING_REVIEW_Q), and the "draft"
    filter shows every draft. One query whatever the page size: the patient and assignee are
    joined, not fetched per row. The staff page adds the booked appointment's start
    (`scheduling.selectors.appointment_get_booked_start`), which the core does not know of.
    """
    return Submission.objects.select_related("patient", "assigned_to").order_by(*QUEUE_ORDER)


def submission_list_awaiting_counts() -> list[tuple[str, str, int, bool]]:
    """(tier, label, count, capped) per tier among cases awaiting review (AWAITING_REVIEW_Q).

    One small capped query per tier, each served by the queue index, so the cost does not grow
    with the table.
    """
    counts = []
    for tier in sorted(Tier, key=lambda t: -TIER_RANK[t]):
        awaiting = Submission.objects.filter(AWAITING_REVIEW_Q, tier_rank=TIER_RANK[tier])
        ids = awaiting.values("pk")[: COUNT_CAP + 1]
        count = ids.count()
        counts.append((tier.value, str(tier.label), min(count, COUNT_CAP), count > COUNT_CAP))
    return counts


def auditevent_list_for_submission(submission: Submission) -> QuerySet[AuditEvent]:
    """The submission's history, oldest first, with the actors joined."""
    return (
        AuditEvent.objects.filter(submission=submission)
        .select_related("actor")
        .order_by("created_at", "id")
    )
