"""Reads for the staff home page: what is waiting for review now, and the clinic's figures of
the last days (forms sent, time to review). Booking's counts and figures are the scheduling
app's (`intake.scheduling.selectors`), which this core module never imports.

Counts stop at COUNT_CAP, as the queue's do: each is a small `LIMIT`ed query served by the
queue's indexes, so the page costs the same number of queries, and about the same time, on a
clinic's first day as after a million forms.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from intake import clinical
from intake.models import (
    AWAITING_REVIEW_Q,
    OPEN_EMERGENCY_Q,
    TIER_RANK,
    AuditEvent,
    Submission,
    Tier,
)
from intake.selectors.workflow import COUNT_CAP

# Leaving these statuses for one of REVIEWED ends a review (the first time: a case reopened and
# triaged again is not reviewed twice).
REVIEWED = (
    Submission.Status.TRIAGED,
    Submission.Status.REFERRED,
    Submission.Status.CLOSED,
)


@dataclass(frozen=True)
class CappedCount:
    """A count that stops at COUNT_CAP: `capped` when there are more (shown as "1000+")."""

    value: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{self.value}+" if self.capped else str(self.value)


def count_capped(rows: QuerySet[Any]) -> CappedCount:
    """At most COUNT_CAP + 1 rows counted: one small query, whatever the table's size."""
    found = rows.values("pk")[: COUNT_CAP + 1].count()
    return CappedCount(min(found, COUNT_CAP), found > COUNT_CAP)


def tiers_most_urgent_first() -> list[Tier]:
    return sorted(Tier, key=lambda tier: -TIER_RANK[tier])


@dataclass(frozen=True)
class TierReview:
    """One tier's line of "awaiting review" on the home page."""

    tier: str
    label: str
    awaiting: CappedCount
    target: dt.timedelta | None  # None: this tier has no review target
    past_target: CappedCount | None  # None when there is no target


def count_past_review_target(
    awaiting: QuerySet[Submission], tier: str, *, now: dt.datetime
) -> CappedCount:
    """How many of `awaiting` (cases of `tier` waiting for review) are past the tier's review
    target at `now`: `clinical.is_past_review_target`, the queue's red "past target", so the
    home page and the queue cannot disagree (for URGENT the target is the call-back before the
    closing time the patient was told, not a plain duration).

    When a case is due never comes earlier for a case that joined the queue later
    (`clinical.review_due`), so the cases past target are the longest waiting: the COUNT_CAP + 1
    longest waiting are read (one small query on the queue's index) and counted here."""
    joined = (
        awaiting.filter(awaiting_since__isnull=False)
        .order_by("awaiting_since")
        .values_list("awaiting_since", flat=True)
    )
    found = sum(
        1 for since in joined[: COUNT_CAP + 1] if clinical.is_past_review_target(tier, since, now)
    )
    return CappedCount(min(found, COUNT_CAP), found > COUNT_CAP)


def submission_list_review_counts(*, now: dt.datetime) -> list[TierReview]:
    """Per tier, most urgent first: cases awaiting review (AWAITING_REVIEW_Q, as the queue's
    default view) and, where the tier has a review target, those past it (what the queue marks
    "past target": `count_past_review_target`). At most two small queries per tier."""
    lines = []
    for tier in tiers_most_urgent_first():
        awaiting = Submission.objects.filter(AWAITING_REVIEW_Q, tier_rank=TIER_RANK[tier])
        target = clinical.review_target(tier)
        lines.append(
            TierReview(
                tier=tier.value,
                label=str(tier.label),
                awaiting=count_capped(awaiting),
                target=target,
                past_target=(count_past_review_target(awaiting, tier, now=now) if target else None),
            )
        )
    return lines


def submission_count_open_emergencies() -> CappedCount:
    """Unfinished forms that showed the emergency advice and that no clinician has followed up
    (OPEN_EMERGENCY_Q): the patient left mid-form and someone must phone them."""
    return count_capped(Submission.objects.filter(OPEN_EMERGENCY_Q))


def submission_list_sent_per_day(
    *, since: dt.datetime, zone: ZoneInfo
) -> dict[tuple[dt.date, str], int]:
    """(day in `zone`, tier) -> forms sent that day, from `since`. One grouped query on the
    sent time's index."""
    rows = (
        Submission.objects.filter(submitted_at__gte=since)
        .annotate(day=TruncDate("submitted_at", tzinfo=zone))
        .values("day", "tier")
        .annotate(sent=Count("pk"))
        .order_by()
    )
    return {(row["day"], row["tier"]): row["sent"] for row in rows}


@dataclass(frozen=True)
class ReviewTimes:
    """How long the cases of one tier sent since a date waited for their review."""

    reviewed: list[dt.timedelta]
    waiting: int  # sent in the period and not reviewed yet (not in `reviewed`)


def submission_list_review_times(*, since: dt.datetime) -> dict[str, ReviewTimes]:
    """Per tier: for each form sent since `since` and reviewed, the time from joining the queue
    (`awaiting_since`: the emergency advice of a mid-form emergency, else the sending) to the
    first move to triaged, referred or closed (the audit log's status events); and how many
    sent in the period still wait. Two queries (the sent time's index, then the audit log's
    index on submissions)."""
    sent = Q(submission__submitted_at__gte=since)
    firsts = (
        AuditEvent.objects.filter(
            sent, action=AuditEvent.Action.STATUS, details__to__in=[s.value for s in REVIEWED]
        )
        .values("submission_id", "submission__tier", "submission__awaiting_since")
        .annotate(reviewed_at=Min("created_at"))
        .order_by()
    )
    times: dict[str, list[dt.timedelta]] = defaultdict(list)
    for row in firsts:
        started = row["submission__awaiting_since"]
        if started is not None:
            times[row["submission__tier"]].append(row["reviewed_at"] - started)
    waiting = dict(
        Submission.objects.filter(AWAITING_REVIEW_Q, submitted_at__gte=since)
        .values("tier")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("tier", "n")
    )
    return {
        tier.value: ReviewTimes(
            reviewed=sorted(times.get(tier.value, [])), waiting=waiting.get(tier.value, 0)
        )
        for tier in tiers_most_urgent_first()
    }
