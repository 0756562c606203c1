"""The triage scores as staff read them: names and values, for the PDF and the FHIR export.

The engine stores them with each form (`Submission.scores`, intake/triage/engine.py). All are
patient-reported estimates, never an examination's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intake.triage import QUESTIONS_BY_CODE

# Score key (the engine's name, and the code in the leg-intake-score code system) → label. In
# the order staff read them.
SCORE_LABELS: dict[str, str | Promise] = {
    "p_wells": _("pWells (DVT, patient-reported, 0-8)"),
    "ecq_class": _("Edinburgh Claudication Questionnaire: class"),
    "ecq_grade": _("Edinburgh Claudication Questionnaire: grade"),
    "dn4i": _("DN4 interview (0-7)"),
    "ceap_c_est": _("CEAP clinical class (estimate)"),
    "vcss_pain": _("VCSS pain (0-3)"),
    "vcss_compression": _("VCSS compression therapy (0-3)"),
    "vcss_ulcer_duration": _("VCSS active ulcer duration (0-3)"),
    "rls_probable": _("Restless legs (IRLSSG): probable"),
    "rls_frequency": _("Restless legs: how often"),
}
# The same, short, for the one-page summary.
SHORT_LABELS: dict[str, str | Promise] = {
    "p_wells": _("pWells (DVT, 0-8)"),
    "ecq_class": _("ECQ class"),
    "ecq_grade": _("ECQ grade"),
    "dn4i": _("DN4 interview (0-7)"),
    "ceap_c_est": _("CEAP class (estimate)"),
    "vcss_pain": _("VCSS pain (0-3)"),
    "vcss_compression": _("VCSS compression (0-3)"),
    "vcss_ulcer_duration": _("VCSS ulcer duration (0-3)"),
    "rls_probable": _("Restless legs probable"),
    "rls_frequency": _("Restless legs, how often"),
}
PE_WELLS = "pe_wells"
PE_WELLS_LABEL = _("PE-Wells (partial: a lower bound; PE likely if over 4)")
PE_WELLS_ITEMS: dict[str, str | Promise] = {
    "clinical_signs_of_dvt": _("Clinical signs of DVT"),
    "alternative_diagnosis_less_likely": _("Alternative diagnosis less likely than PE"),
    "heart_rate_over_100": _("Heart rate over 100"),
    "immobilisation_or_recent_surgery": _("Immobilisation or recent surgery"),
    "previous_dvt_or_pe": _("Previous DVT or PE"),
    "haemoptysis": _("Coughing up blood"),
    "malignancy": _("Cancer"),
}


# Coded values as staff read them (the FHIR export keeps the codes).
VALUE_LABELS: dict[str, dict[str, str | Promise]] = {
    "ecq_class": {
        "not_applicable": _("not applicable"),
        "none": _("negative"),
        "atypical": _("atypical claudication"),
        "definite": _("definite claudication"),
    },
}


def shown(value: Any, key: str = "") -> str:
    """A score's value as text: "–" when not worked out, yes/no for a flag, a label for a
    code (the restless-legs frequency is an answer: its label on the form)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key == "rls_frequency" and key in QUESTIONS_BY_CODE:
        return gettext(QUESTIONS_BY_CODE[key].label_for(value))
    label = VALUE_LABELS.get(key, {}).get(str(value))
    return str(label) if label is not None else str(value)


def score_rows(scores: Mapping[str, Any], *, short: bool = False) -> list[tuple[str, str, Any]]:
    """(key, label, value) for each score the form has, in reading order."""
    labels = SHORT_LABELS if short else SCORE_LABELS
    return [(key, str(label), scores[key]) for key, label in labels.items() if key in scores]


def pe_wells_rows(pe_wells: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(item, label, points or None when it cannot be patient-reported) for PE-Wells."""
    items = pe_wells.get("items") or {}
    return [(key, str(PE_WELLS_ITEMS.get(key, key)), points) for key, points in items.items()]
