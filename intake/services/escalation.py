"""Alerts to the on-call team and escalations of urgent cases nobody picked up in time."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import (
    NOT_PICKED_UP_Q,
    AuditEvent,
    Escalation,
    Notification,
    Submission,
    Tier,
)
from intake.services import audit, outbox

logger = logging.getLogger(__name__)


ALERT_TIERS = frozenset({Tier.EMERGENCY, Tier.URGENT})


def staff_alert_add(
    submission: Submission, *, tier: str, again: bool = False
) -> list[Notification]:
    """Write the on-call alert (email and text) for an EMERGENCY/URGENT form, once.

    Used mid-form (emergency interruption) and on sending; an alert already written for the
    submission is not repeated, unless `again` (a followed-up mid-form emergency reopened by
    a new emergency answer). The message carries the reference/tier/reason from the row at
    send time, never the answers.
    """
    rows = staff_alert_rows(submission, tier=tier, again=again)
    return outbox.notifications_add(submission=submission, rows=rows)


def staff_alert_rows(
    submission: Submission, *, tier: str, again: bool = False
) -> list[outbox.OutboxRow]:
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
                outbox.notification_add(
                    submission=locked,
                    kind=Notification.Kind.ESCALATION,
                    recipient=address,
                    template="escalation",
                )
            for number in settings.CLINIC_ESCALATION_PHONES:
                outbox.notification_add(
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
            audit.audit_record(
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
