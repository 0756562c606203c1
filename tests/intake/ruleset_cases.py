"""Crafted stored cases for the ruleset release tests: answers whose triage under the running
ruleset is known, stored with an older (fake) triage so a release sees them rise or fall."""

from __future__ import annotations

from typing import Any

from intake.models import TIER_RANK, Submission
from tests.factories import SubmissionFactory

OLD_RULESET = "2025.9"  # a version the running engine never has
FREE_TEXT = "Aching calves after the bus stop"
# Evaluate to ROUTINE (RTN_DEFAULT) and URGENT (URG_DVT) under 2026.1 and later (spec §11: no
# answer set gets a lower tier under 2026.2).
ROUTINE_ANSWERS = {"main_problem_text": FREE_TEXT}
URGENT_ANSWERS = {
    "main_problem_text": FREE_TEXT,
    "symptom_duration": "1_to_7_days",
    "affected_side": "left",
    "pain_regions": ["calf"],
    "leg_swollen": "ankle_or_calf",
    "swelling_side": "left",
    "calf_tender": "yes",
}
EMERGENCY_ANSWERS = {**URGENT_ANSWERS, "rf_breathless": "yes", "pulse_bpm": 112}


def stored(*, tier: str, answers: dict[str, Any], rules: list[str], **extra: Any) -> Submission:
    """A sent form triaged `tier` (firing `rules`) by an older ruleset."""
    return SubmissionFactory(
        tier=tier,
        fired_rules=rules,
        answers=answers,
        ruleset_version=OLD_RULESET,
        patient__full_name="Ada Brook",
        **extra,
    )


def would_fall(**extra: Any) -> Submission:
    """Stored URGENT; its answers give ROUTINE now."""
    return stored(**{"tier": "URGENT", "answers": ROUTINE_ANSWERS, "rules": ["URG_DVT"], **extra})


def would_rise(**extra: Any) -> Submission:
    """Stored ROUTINE; its answers give URGENT now."""
    return stored(
        **{"tier": "ROUTINE", "answers": URGENT_ANSWERS, "rules": ["RTN_DEFAULT"], **extra}
    )


def stays(**extra: Any) -> Submission:
    """Stored URGENT; still URGENT with the same rule."""
    return stored(**{"tier": "URGENT", "answers": URGENT_ANSWERS, "rules": ["URG_DVT"], **extra})


def draft(*, answers: dict[str, Any], tier: str = "", **extra: Any) -> Submission:
    """A draft (no reference, not sent), with or without a stored tier."""
    return SubmissionFactory(
        status=Submission.Status.DRAFT,
        reference=None,
        submitted_at=None,
        patient=None,
        tier=tier,
        engine_tier=tier,
        tier_rank=TIER_RANK.get(tier, 0),
        fired_rules=[],
        reasons=[],
        answers=answers,
        ruleset_version=OLD_RULESET if tier else "",
        **extra,
    )
