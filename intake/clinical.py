"""The triage engine, run with this clinic's settings: emergency number, advice line, hours.

`intake/triage/` is pure and knows nothing of settings or the clock; this is the one place that
supplies them, so the patient pages, the submission service and the admin all say the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from intake import triage
from intake.models import TIER_RANK, Submission


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def clinic_open_now(now: dt.datetime) -> bool:
    """Open, and not within the closing window (spec §2.5), in the clinic's time zone."""
    local = timezone.localtime(now)
    if local.weekday() not in settings.CLINIC_OPEN_WEEKDAYS:
        return False
    opens = _clock(settings.CLINIC_OPENS_AT)
    closes = dt.datetime.combine(local.date(), _clock(settings.CLINIC_CLOSES_AT))
    last_call = (closes - dt.timedelta(minutes=settings.CLINIC_CLOSING_WINDOW_MINUTES)).time()
    return opens <= local.time() < last_call


def evaluate(
    answers: Mapping[str, object], *, now: dt.datetime | None = None
) -> triage.TriageResult:
    """`triage.evaluate()` with the clinic's numbers, wording and opening hours at `now`."""
    now = now or timezone.now()
    return triage.evaluate(
        answers,
        emergency_number=settings.CLINIC_EMERGENCY_NUMBER,
        advice_line=settings.CLINIC_URGENT_ADVICE_LINE,
        clinic_open_now=clinic_open_now(now),
        callback_cutoff=settings.CLINIC_CLOSES_AT,
    )


def patient_message(
    fired: Sequence[str], *, now: dt.datetime | None = None
) -> triage.PatientMessage:
    """What the patient is told for these fired rules, in the active language, with the clinic's
    numbers and the opening hours at `now` (when the form was sent; default: now).

    Rendered when shown, never stored: the rule codes are what is kept with a submission."""
    return triage.patient_message(
        fired,
        translate=gettext,
        emergency_number=settings.CLINIC_EMERGENCY_NUMBER,
        advice_line=settings.CLINIC_URGENT_ADVICE_LINE,
        clinic_open_now=clinic_open_now(now or timezone.now()),
        callback_cutoff=settings.CLINIC_CLOSES_AT,
    )


def review_target(tier: str) -> dt.timedelta | None:
    """How long a case of this tier may wait for review (None: no target), in this clinic."""
    minutes = settings.CLINIC_REVIEW_TARGET_MINUTES.get(tier)
    return dt.timedelta(minutes=minutes) if minutes else None


# What `store_result` writes: the engine's output kept with the answers it came from.
TRIAGE_FIELDS = (
    "ruleset_version",
    "engine_tier",
    "tier",
    "tier_rank",
    "fired_rules",
    "reasons",
    "scores",
)


def store_result(submission: Submission, result: triage.TriageResult) -> None:
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
