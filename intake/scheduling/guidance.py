"""Which appointment type triage suggests for a case: a data table, read top to bottom.

When a clinician marks a case triaged, the form offers a recommended appointment type for
reception, preselected from this table (the clinician keeps the last word): the first row that
matches one of the case's fired rules, else (SOON and ROUTINE only) the first that matches its
likely category, else its tier. A suspected DVT suggests the same-day duplex scan (spec §5.1:
the scan or D-dimer within 4 hours). The likely category routes routine work to the right
clinic (spec §1, §7.7, where the patient is told it for SOON and ROUTINE only); an URGENT case
no rule row matches gets no suggestion: a routine clinic's type would not see them today.

Rows name appointment types by their `code` (AppointmentType.code, set in the admin), so a type
the clinic renames keeps being suggested; a code no active type has suggests nothing. The
default table fits the demo's types (`manage.py seed_demo`); a clinic replaces it with
CLINIC_RECOMMENDED_APPOINTMENT_TYPES (same shape) in settings. Routing, not triage: it never
changes a tier, and it needs the same local sign-off as the rest. docs/scheduling.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings

from intake import triage
from intake.models import Submission
from intake.scheduling.models import AppointmentType

# (what matches, appointment type code). What matches is "rule:<RULE_CODE>",
# "category:<likely category>" or "tier:<TIER>".
DEFAULT_TABLE: Sequence[tuple[str, str]] = (
    # A suspected clot: scan the same day (NICE NG158, spec §5.1).
    ("rule:URG_DVT", "duplex_same_day"),
    ("rule:URG_BAKER_MIMIC", "duplex_same_day"),
    ("rule:URG_SVT_HIGH", "duplex_same_day"),
    ("rule:SOON_SVT_LOW", "duplex_same_day"),
    # Diabetes and a foot problem: the foot team within 1 working day (NICE NG19).
    ("rule:URG_DIABETIC_FOOT", "diabetic_foot"),
    # Reduced blood flow, ulcers, bleeding veins: the vascular clinic.
    ("rule:URG_CLTI", "vascular_new"),
    ("rule:URG_ACUTE_CLAUD", "vascular_new"),
    ("rule:URG_VV_BLED", "vascular_new"),
    ("rule:SOON_VENOUS_ULCER", "vascular_new"),
    ("rule:SOON_CLAUDICATION", "vascular_new"),
    # Otherwise by the likely category (spec §7): veins to the vein clinic, arteries and
    # general vascular to the vascular clinic. MSK, spinal, neuro and sleep are usually
    # referred elsewhere: no suggestion.
    ("category:venous", "vein_clinic"),
    ("category:arterial", "vascular_new"),
    ("category:general_vascular", "vascular_new"),
)


# The tiers whose likely category chooses a clinic (as it does in the patient's words).
CATEGORY_TIERS = frozenset({"SOON", "ROUTINE"})


def table() -> Sequence[tuple[str, str]]:
    """The clinic's table (CLINIC_RECOMMENDED_APPOINTMENT_TYPES), or the default."""
    configured = getattr(settings, "CLINIC_RECOMMENDED_APPOINTMENT_TYPES", None)
    return DEFAULT_TABLE if configured is None else tuple(configured)


def recommended_code(
    *,
    fired: Iterable[str],
    category: str | None,
    tier: str,
    rows: Sequence[tuple[str, str]] | None = None,
) -> str | None:
    """The code of the type to suggest, from the case's fired rules (in the table's order),
    its likely category (SOON and ROUTINE), then its tier; None when no row matches."""
    rows = table() if rows is None else rows
    keys = {f"rule:{code}" for code in fired}
    if category and tier in CATEGORY_TIERS:
        keys.add(f"category:{category}")
    keys.add(f"tier:{tier}")
    for kind in ("rule:", "category:", "tier:"):
        for match, code in rows:
            if match.startswith(kind) and match in keys:
                return code
    return None


def likely_category(fired: Iterable[str]) -> str | None:
    """The case's likely category: that of the first fired rule that has one (the stored codes
    are in the engine's order), as the engine picks it for the patient's sentence."""
    for code in fired:
        rule = triage.RULES_BY_CODE.get(code)
        if rule is not None and rule.category:
            return rule.category
    return None


def recommended_type(submission: Submission) -> AppointmentType | None:
    """The active appointment type to suggest for this case, or None."""
    if not submission.tier:
        return None
    code = recommended_code(
        fired=submission.fired_rules or [],
        category=likely_category(submission.fired_rules or []),
        tier=submission.tier,
    )
    if code is None:
        return None
    return AppointmentType.objects.filter(code=code, active=True).first()
