"""Reads about retention (issue 18): which cases are past it, and how the nightly job is doing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from intake.models import RetentionRun, Submission

# The admin home page warns when no run has finished for this long (the job runs daily).
STALE_AFTER = dt.timedelta(days=2)
# A run that started longer ago than this and has not finished failed (see the worker log).
UNFINISHED_AFTER = dt.timedelta(hours=1)


def _contact_since(cutoff: dt.datetime) -> Q:
    """A submission on which the clinic was in contact with its patient at or after `cutoff`:
    sent, shown the emergency advice, followed up, changed status, overridden, noted, or with
    an appointment then (or later, still to come)."""
    return (
        Q(submitted_at__gte=cutoff)
        | Q(interruption_shown_at__gte=cutoff)
        | Q(interruption_handled_at__gte=cutoff)
        | Q(status_changed_at__gte=cutoff)
        | Q(overridden_at__gte=cutoff)
        | Q(notes__created_at__gte=cutoff)
        | Q(appointments__starts_at__gte=cutoff)
    )


def submission_list_past_retention(*, cutoff: dt.datetime) -> models.QuerySet[Submission]:
    """Cases (sent forms, and unfinished ones that showed the emergency advice) whose patient
    the clinic has not been in contact with since `cutoff`, on this case or on any other of
    theirs (a case with no patient: on itself). Plain drafts are not cases: the daily
    `purge_expired_drafts` deletes them days after their last save.

    One query: the cases that are old themselves (sent, or advised, before the cut-off), less
    those with a case of the same patient in contact since (a correlated NOT EXISTS)."""
    in_contact = Submission.objects.filter(
        Q(pk=OuterRef("pk")) | Q(patient_id=OuterRef("patient_id"))
    ).filter(_contact_since(cutoff))
    old_case = (~Q(status=Submission.Status.DRAFT) & Q(submitted_at__lt=cutoff)) | Q(
        status=Submission.Status.DRAFT, interruption_shown_at__lt=cutoff
    )
    return Submission.objects.filter(old_case).filter(~Exists(in_contact))


@dataclass(frozen=True)
class RetentionStatus:
    """What the admin home page says about the retention job."""

    last: RetentionRun | None  # the latest run that finished
    unfinished: RetentionRun | None  # a later run that started and never finished
    stale: bool  # no run has finished in the last STALE_AFTER
    stale_days: int


def retention_get_status(*, now: dt.datetime | None = None) -> RetentionStatus:
    """The latest finished run, a later one that failed part-way, and whether the job is
    overdue. Two small queries on the run table's start-time index."""
    now = now or timezone.now()
    runs = RetentionRun.objects.order_by("-started_at", "-id")
    last = runs.filter(finished_at__isnull=False).first()
    latest = runs.first()
    unfinished = None
    if (
        latest is not None
        and latest.finished_at is None
        and latest.started_at < now - UNFINISHED_AFTER
    ):
        unfinished = latest
    stale = last is None or last.finished_at is None or last.finished_at < now - STALE_AFTER
    return RetentionStatus(
        last=last, unfinished=unfinished, stale=stale, stale_days=STALE_AFTER.days
    )
