"""Answer normalisation (spec §2.2-§2.3), derived variables (§4) and instruments (§5).

Everything here is a pure function of the answers. It runs on every ``evaluate()`` call (after
every saved step, §2.4), so it is written to be cheap: one pass over a precomputed plan of the
catalogue, set look-ups against module constants, no copying beyond the normalised dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.triage.catalogue import NO, NONE_CHOICE, NOT_SURE, QUESTIONS, YES, AnswerType
from intake.triage.conditions import Condition

__all__ = [
    "Derived",
    "Normalised",
    "ceap_c_est",
    "derive",
    "dn4i",
    "ecq",
    "normalise",
    "normalise_with_not_sure",
    "p_wells",
    "pe_wells",
    "rls_probable",
    "sanitise",
    "vcss_items",
]

# Normalised answers: every catalogue code present; hidden/unanswered → None, or [] for multi.
Normalised = dict[str, Any]
# Derived variables of §4 (and the instrument results), by the spec's names.
Derived = dict[str, Any]


# Precomputed plan of the catalogue for normalise(). Every show-if reads only earlier questions
# (a test checks this), so resolving the conditional groups in catalogue order handles chains:
# a hidden question's dependants are hidden too.
_TEMPLATE: Normalised = dict.fromkeys(q.code for q in QUESTIONS)
_CODE_COUNT = len(_TEMPLATE)
_MULTI = tuple(q.code for q in QUESTIONS if q.type is AnswerType.MULTI)
_UNSURE = tuple(q.code for q in QUESTIONS if q.type is AnswerType.YES_NO_UNSURE)


def _group_conditionals() -> tuple[tuple[Condition, tuple[str, ...], tuple[str, ...]], ...]:
    """Conditional questions grouped by their (shared) show-if object, in order of first use.

    Seven ECQ questions share one condition, six IRLSSG ones another, so each distinct condition
    is checked once per call. Safe because a condition reads only earlier questions, which are
    all resolved before its group's first member is reached. Each group lists its single-value
    questions and its multi-choice questions. Visibility is decided on the raw answers, before
    not_sure → yes (§2.3, §7.1): ``rf_numb_weak_onset`` reads the raw ``rf_numb_weak_new``, and
    its show-if lists both "yes" and "not_sure". No red flag (yes_no_unsure) is itself
    conditional (a test checks this), so the mapping never touches a hidden question.
    """
    groups: dict[int, tuple[Condition, list[str], list[str]]] = {}
    for q in QUESTIONS:
        if q.show_if is None:
            continue
        _, scalars, multis = groups.setdefault(id(q.show_if), (q.show_if, [], []))
        (multis if q.type is AnswerType.MULTI else scalars).append(q.code)
    return tuple(
        (condition, tuple(scalars), tuple(multis)) for condition, scalars, multis in groups.values()
    )


_CONDITIONAL_GROUPS = _group_conditionals()


def normalise(answers: Mapping[str, object]) -> Normalised:
    """Apply §2.3 and §2.2: hidden or absent → None ([] for multi); not_sure → yes on red flags.

    Visibility is decided on the raw answers first, then not_sure is mapped (§7 step 1).

    Values sent for hidden questions are dropped even when present (a male patient's
    ``pregnancy_status``, ``ecq2``-``ecq6`` when ``ecq1`` is not "yes"), so stale answers from a
    changed earlier step can never fire a rule. Unknown codes are ignored.
    """
    return normalise_with_not_sure(answers)[0]


def normalise_with_not_sure(answers: Mapping[str, object]) -> tuple[Normalised, tuple[str, ...]]:
    """``normalise()``, plus the codes of the red flags that were answered "not sure".

    Staff must still see "not sure" (§2.2), and noting it here saves a second pass. Written for
    speed, as it runs on every evaluate() call: the answers are bulk-copied over a template of
    every code (a C-level dict update), then only the exceptions are fixed up.
    """
    out: Normalised = _TEMPLATE.copy()
    out.update(answers)
    if len(out) != _CODE_COUNT:
        # Unknown codes were sent: drop them, so the result holds exactly the catalogue's codes.
        out = {code: out[code] for code in _TEMPLATE}
    # Show-if first, on the raw answers (§2.3, §7.1); only then not_sure → yes.
    for show_if, scalars, multis in _CONDITIONAL_GROUPS:
        if not show_if.holds(out):
            for code in scalars:
                out[code] = None
            for code in multis:
                out[code] = []
    not_sure: tuple[str, ...] = ()
    if NOT_SURE in out.values():  # one C-level scan; usually false
        not_sure = tuple(code for code in _UNSURE if out[code] == NOT_SURE)
        for code in not_sure:
            # Conservative (§2.2): "not sure" about a red flag counts as "yes". Only the
            # yes_no_unsure questions: on a single-choice question (prev_clot, pregnancy_status,
            # rf_numb_weak_onset) "not_sure" is a choice code that §4 names where it counts.
            out[code] = YES
    for code in _MULTI:
        value = out[code]
        if type(value) is not list:
            # Absent or None → a fresh [] (never a shared one); a tuple → a list; garbage → [].
            # The caller's lists are shared, not copied: nothing in the engine mutates answers.
            out[code] = list(value) if isinstance(value, tuple) else []
    return out, not_sure


def _int(value: object) -> int | None:
    """The value if it is a real integer (bool is not), else None, so garbage compares false."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


# --- Instruments (§5) --------------------------------------------------------------------------


def ecq(a: Normalised) -> tuple[str, int | None]:
    """Edinburgh Claudication Questionnaire class and grade, exactly as §5.2 (Leng & Fowkes).

    Returns ``(ecq_class, ecq_grade)``; class is not_applicable / none / atypical / definite,
    grade is 1 or 2 for definite/atypical and None otherwise. "I never walk uphill or hurry" is
    not "yes", so it is ECQ-negative (the published algorithm); RTN_EXERTIONAL_NONCLASSIC is the
    safety net.
    """
    if a["ecq1_walk_pain"] != YES:  # includes "I am unable to walk" and unanswered
        return "not_applicable", None
    positive = (
        a["ecq2_rest_onset"] == NO
        and a["ecq3_uphill"] == YES
        and a["ecq5_stand_still"] == "disappears_10min_or_less"
    )
    sites = a["ecq6_sites"]
    if positive and "calf" in sites:
        ecq_class = "definite"  # calf marked, whatever else is marked
    elif (
        positive
        and ("thigh" in sites or "buttock" in sites)
        # The spec's algorithm is written as Python "!= 'yes'", so unanswered counts as
        # "does not radiate" here (the conservative reading: it can only raise the tier).
        and a["pain_spreads_down_leg"] != YES
    ):
        ecq_class = "atypical"  # thigh/buttock, no calf
    else:
        ecq_class = "none"  # incl. only hamstring/shin/foot/joint, or radiating pain
    if ecq_class == "none":
        return ecq_class, None
    return ecq_class, 2 if a["ecq4_ordinary_pace"] == YES else 1


_DN4_ITEMS = frozenset(
    {
        # Q1, pain characteristics
        "burning",
        "painful_cold",
        "electric_shocks",
        # Q2, symptoms in the same area
        "tingling",
        "pins_and_needles",
        "numbness",
        "itching",
    }
)


def dn4i(a: Normalised) -> int:
    """DN4 interview items ticked (§5.4): the 7 patient-reportable items, 0-7, ``none`` excluded."""
    ticked = {x for x in a["dn4_q1"] if isinstance(x, str)}
    ticked.update(x for x in a["dn4_q2"] if isinstance(x, str))
    return len(ticked & _DN4_ITEMS)


def rls_probable(a: Normalised) -> bool:
    """IRLSSG criteria 1-4 all yes and the mimic proxy (criterion 5) answered no (§5.5)."""
    return bool(
        a["rls1_urge"] == YES
        and a["rls2_rest"] == YES
        and a["rls3_movement"] == YES
        and a["rls4_evening"] == YES
        and a["rls5_mimic"] == NO
    )


def p_wells(a: Normalised, one_leg_swelling: bool) -> int:
    """Patient-reported two-level DVT Wells, 0-8 (§5.1). Staff information only.

    Not assessable and never counted: collateral superficial veins (+1) and "alternative
    diagnosis at least as likely" (-2). A blank calf measurement scores 0.
    """
    calf_cm = _int(a["calf_difference_cm"])
    items: tuple[bool, ...] = (
        a["active_cancer"] == YES,
        a["leg_paralysis"] == YES or a["leg_cast_recent_12w"] == YES,
        a["bedbound_3d_4w"] == YES or a["recent_surgery_12w"] == YES,
        a["calf_tender"] == YES,  # proxy only: self-pressing is not an examination
        a["leg_swollen"] == "whole_leg",
        calf_cm is not None and calf_cm >= 3,  # blank scores 0
        a["pitting_dent"] == YES and one_leg_swelling,
        a["prev_clot"] in _PREV_DVT,
    )
    return sum(items)


# pWells "previously documented DVT" (§5.1): not_sure counts since 2026.2 (conservative).
_PREV_DVT = frozenset({"dvt", "both", NOT_SURE})
# PE-Wells "previous DVT/PE" (§5.1 lists plain `prev_clot`; not_sure is not named there, §4).
_PREV_VTE = frozenset({"dvt", "pe", "both"})
# vte_risk (§4): not_sure counts since 2026.2 (conservative).
_PREV_VTE_RISK = frozenset({"dvt", "pe", "both", NOT_SURE})


def pe_wells(a: Normalised, dvt_pattern: bool) -> dict[str, Any]:
    """Partial two-level PE Wells (§5.1), for staff when EMG_PE fires (always computed).

    ``items`` maps each NICE item to the points counted; the item that cannot be patient-reported
    ("alternative diagnosis less likely than PE", 3 points) is None and listed in
    ``not_reportable``. ``partial_total`` is therefore a lower bound of the real score; NICE:
    PE likely if > 4.
    """
    pulse = _int(a["pulse_bpm"])
    bedbound = a["bedbound_3d_4w"] == YES
    surgery = a["recent_surgery_12w"] == YES
    items: dict[str, float | None] = {
        "clinical_signs_of_dvt": 3.0 if dvt_pattern else 0.0,
        "alternative_diagnosis_less_likely": None,
        "heart_rate_over_100": 1.5 if pulse is not None and pulse > 100 else 0.0,
        "immobilisation_or_recent_surgery": 1.5 if bedbound or surgery else 0.0,
        "previous_dvt_or_pe": 1.5 if a["prev_clot"] in _PREV_VTE else 0.0,
        "haemoptysis": 1.0 if a["rf_cough_blood"] == YES else 0.0,
        "malignancy": 1.0 if a["active_cancer"] == YES else 0.0,
    }
    notes: list[str] = []
    if pulse is None:
        notes.append("pulse not reported")
    if surgery and not bedbound:
        notes.append(
            "surgery counted from a 12-week question; the item's window is 4 weeks: confirm"
        )
    return {
        "items": items,
        "partial_total": sum(v for v in items.values() if v is not None),
        "not_reportable": ["alternative_diagnosis_less_likely"],
        "likely_if_over": 4,
        "notes": notes,
    }


def ceap_c_est(a: Normalised, leg_wound: bool) -> str:
    """Patient-reported CEAP clinical-class estimate (§5.6): the highest class that applies."""
    skin = a["skin_changes"]
    veins = a["visible_veins"]
    swollen = a["leg_swollen"]
    if leg_wound:
        return "C6"
    if a["ulcer_healed_before"] == YES:
        return "C5"
    if "hard_tight_skin" in skin:
        return "C4b"
    if "brown_staining" in skin or "itchy_scaly_rash" in skin:
        return "C4a"
    if (
        swollen is not None
        and swollen != NO
        and (a["worse_standing_end_day"] == YES or veins == "bulging_veins")
    ):
        return "C3"
    if veins == "bulging_veins":
        return "C2"
    if veins == "thread_or_spider_veins":
        return "C1"
    return "C0"


_VCSS_PAIN = {
    NONE_CHOICE: 0,
    "occasional_not_limiting": 1,
    "daily_interferes": 2,
    "daily_limits_most": 3,
}
_VCSS_COMPRESSION = {
    "not_used": 0,
    "sometimes": 1,
    "most_days": 2,
    "every_day_plus_leg_raising": 3,
}
# VCSS active-ulcer duration: 0 none, 1 < 3 months, 2 > 3 months but < 1 year, 3 > 1 year.
# The form cannot tell > 1 year from 3-12 months, so "over 3 months" scores 2 (a lower bound).
_VCSS_ULCER_DURATION = {
    "lt_2_weeks": 1,
    "2_to_6_weeks": 1,
    "6_weeks_to_3_months": 1,
    "over_3_months": 2,
}


def vcss_items(a: Normalised) -> tuple[int | None, int | None, int | None]:
    """The three patient-reportable VCSS items (§5.6): pain, compression, ulcer duration.

    None means unanswered. No wound (or the wound questions hidden) scores ulcer duration 0.
    """
    pain = a["venous_pain_impact"]
    compression = a["compression_use"]
    duration = a["wound_duration"]
    return (
        _VCSS_PAIN.get(pain) if isinstance(pain, str) else None,
        _VCSS_COMPRESSION.get(compression) if isinstance(compression, str) else None,
        (
            _VCSS_ULCER_DURATION.get(duration)
            if isinstance(duration, str)
            else (0 if a["wound_present"] == NO else None)
        ),
    )


# --- Derived variables (§4) --------------------------------------------------------------------

_DIABETES = frozenset({"diabetes_type1", "diabetes_type2"})
_RECENT = frozenset({"lt_24h", "1_to_7_days", "1_to_2_weeks", "2_to_6_weeks"})
_ACUTE = frozenset({"sudden_minutes", "over_hours"})
_ONE_SIDE = frozenset({"left", "right"})
_SWOLLEN = frozenset({"ankle_or_calf", "whole_leg"})
_LEG_PAIN_SITES = frozenset({"calf", "behind_knee", "thigh_back", "thigh_front", "whole_leg"})
# The pregnancy staff note (§5.1) and ``pregnant_or_postpartum``: confirmed answers only.
_PREGNANT = frozenset({"pregnant", "birth_last_6_weeks"})
# vte_risk (§4): not_sure counts as pregnant/postpartum since 2026.2 (conservative).
_PREGNANT_VTE_RISK = frozenset({"pregnant", "birth_last_6_weeks", NOT_SURE})
# rf_numb_weak_onset (§4): neuro_acute / neuro_recent.
_NEURO_ACUTE_ONSET = frozenset({"last_24_hours", NOT_SURE})
_NEURO_RECENT_ONSET = "1_to_14_days"
_VASCULAR_CONDITIONS = frozenset(
    {
        "high_blood_pressure",
        "high_cholesterol",
        "heart_attack_angina",
        "stroke_tia",
        "kidney_disease",
        "known_pad",
        "aortic_aneurysm",
    }
)
_SMOKER = frozenset({"current", "ex"})
_ECQ_POSITIVE = frozenset({"definite", "atypical"})
_WOUND_2W = frozenset({"2_to_6_weeks", "6_weeks_to_3_months", "over_3_months"})
_LEG_WOUND_SITES = frozenset({"ankle", "lower_leg"})


_MULTI_CODES = frozenset(q.code for q in QUESTIONS if q.type is AnswerType.MULTI)


def sanitise(a: Normalised) -> Normalised:
    """Drop values of the wrong shape (unhashable scalars, non-string ticks) from ``a``.

    ``derive()`` uses plain set look-ups for speed, which raise TypeError on garbage such as a
    list sent for a single-choice question. ``evaluate()`` then retries on a sanitised copy, so a
    web-layer bug degrades to "unanswered" for that question instead of crashing triage.
    """
    clean: Normalised = {}
    for code, value in a.items():
        if code in _MULTI_CODES:
            items = value if isinstance(value, list) else []
            clean[code] = [item for item in items if isinstance(item, str)]
        elif value is None or isinstance(value, str | int | float):
            clean[code] = value
        else:
            clean[code] = None
    return clean


def derive(a: Normalised) -> Derived:
    """Every derived variable of §4, by the spec's names, from normalised answers.

    Each boolean follows the spec literally, including §2.3 (a comparison with a missing value
    is false, so an unanswered question never makes a condition true). Expects well-shaped
    values (see ``sanitise``); raises TypeError on unhashable garbage.
    """
    conditions = a["conditions"]
    skin = a["skin_changes"]
    regions = a["pain_regions"]
    age = _int(a["age_years"])

    diabetes = not _DIABETES.isdisjoint(conditions)
    recent = a["symptom_duration"] in _RECENT
    acute_onset = a["onset_speed"] in _ACUTE
    # §4 (2026.2): without rf_numb_weak_onset (hidden, or a 2026.1 answer set replayed) both
    # equal acute_onset, so the neuro rules give exactly 2026.1's result (§11 item 1).
    numb_weak_onset = a["rf_numb_weak_onset"]
    neuro_acute = acute_onset or numb_weak_onset in _NEURO_ACUTE_ONSET
    neuro_recent = neuro_acute or numb_weak_onset == _NEURO_RECENT_ONSET
    one_leg = a["affected_side"] in _ONE_SIDE
    one_leg_swelling = a["leg_swollen"] in _SWOLLEN and a["swelling_side"] in _ONE_SIDE
    red_warm = "red_or_darker_warm_patch" in skin
    leg_pain_sites = not _LEG_PAIN_SITES.isdisjoint(regions)
    dvt_pattern = recent and (
        one_leg_swelling or (one_leg and leg_pain_sites and (a["calf_tender"] == YES or red_warm))
    )
    vte_risk = (
        a["active_cancer"] == YES
        or a["recent_surgery_12w"] == YES
        or a["bedbound_3d_4w"] == YES
        or a["leg_cast_recent_12w"] == YES
        or a["leg_paralysis"] == YES
        or a["prev_clot"] in _PREV_VTE_RISK
        or a["pregnancy_status"] in _PREGNANT_VTE_RISK
        or a["hormones"] == YES
        or a["long_journey_4w"] == YES
    )
    cardioresp = (
        a["rf_breathless"] == YES or a["rf_chest_pain"] == YES or a["rf_cough_blood"] == YES
    )
    ecq_class, ecq_grade = ecq(a)
    arterial_features = (
        ecq_class in _ECQ_POSITIVE
        or "known_pad" in conditions
        or "leg_artery_stent_or_bypass" in a["leg_procedures"]
        or "shiny_hairless_skin" in skin
        or (a["leg_colder"] == YES and not acute_onset)
    )
    vascular_risk = (
        a["smoking"] in _SMOKER
        or diabetes
        or (age is not None and age >= 65)
        or not _VASCULAR_CONDITIONS.isdisjoint(conditions)
    )
    arterial_suspect = arterial_features or (vascular_risk and a["ecq1_walk_pain"] == YES)
    wound = a["wound_present"] == YES
    locations = a["wound_location"]
    foot_wound = wound and "toes_or_foot" in locations
    leg_wound = wound and not _LEG_WOUND_SITES.isdisjoint(locations)
    wound_2w = a["wound_duration"] in _WOUND_2W
    sepsis_sign = any(s != NONE_CHOICE for s in a["rf_sepsis_signs"])
    vcss_pain, vcss_compression, vcss_ulcer_duration = vcss_items(a)

    return {
        "diabetes": diabetes,
        "recent": recent,
        "acute_onset": acute_onset,
        "neuro_acute": neuro_acute,
        "neuro_recent": neuro_recent,
        "one_leg": one_leg,
        "one_leg_swelling": one_leg_swelling,
        "red_warm": red_warm,
        "leg_pain_sites": leg_pain_sites,
        "dvt_pattern": dvt_pattern,
        "vte_risk": vte_risk,
        "cardioresp": cardioresp,
        "ecq_class": ecq_class,
        "ecq_grade": ecq_grade,
        "arterial_features": arterial_features,
        "vascular_risk": vascular_risk,
        "arterial_suspect": arterial_suspect,
        "foot_wound": foot_wound,
        "leg_wound": leg_wound,
        "wound_2w": wound_2w,
        "sepsis_sign": sepsis_sign,
        "dn4i": dn4i(a),
        "rls_probable": rls_probable(a),
        "p_wells": p_wells(a, one_leg_swelling),
        "ceap_c_est": ceap_c_est(a, leg_wound),
        "vcss_pain": vcss_pain,
        "vcss_compression": vcss_compression,
        "vcss_ulcer_duration": vcss_ulcer_duration,
        "pregnant_or_postpartum": a["pregnancy_status"] in _PREGNANT,
        "age_years": age,
    }
