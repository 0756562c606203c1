"""Derived variables (§4) and instruments (§5): ECQ, pWells, PE-Wells, DN4 interview, IRLSSG,
CEAP estimate and the VCSS patient items."""

from __future__ import annotations

from typing import Any

import pytest

from intake.triage import derive, normalise
from intake.triage.derive import ecq
from tests.intake.triage.helpers import ECQ_DEFINITE, answers, triage


def derived(**overrides: Any) -> dict[str, Any]:
    return derive(normalise(answers(**overrides)))


# --- ECQ (§5.2) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, ("not_applicable", None)),
        ({"ecq1_walk_pain": "unable_to_walk"}, ("not_applicable", None)),
        (ECQ_DEFINITE, ("definite", 2)),
        ({**ECQ_DEFINITE, "ecq4_ordinary_pace": "no"}, ("definite", 1)),
        ({**ECQ_DEFINITE, "ecq6_sites": ["calf", "thigh", "joint"]}, ("definite", 2)),
        ({**ECQ_DEFINITE, "ecq6_sites": ["buttock"]}, ("atypical", 2)),
        ({**ECQ_DEFINITE, "ecq6_sites": ["thigh"], "ecq4_ordinary_pace": "no"}, ("atypical", 1)),
        (
            {**ECQ_DEFINITE, "ecq6_sites": ["thigh"], "pain_spreads_down_leg": "yes"},
            ("none", None),
        ),
        ({**ECQ_DEFINITE, "ecq6_sites": ["hamstring", "shin", "foot", "joint"]}, ("none", None)),
        ({**ECQ_DEFINITE, "ecq3_uphill": "never_uphill_or_hurry"}, ("none", None)),
        ({**ECQ_DEFINITE, "ecq3_uphill": "no"}, ("none", None)),
        ({**ECQ_DEFINITE, "ecq2_rest_onset": "yes"}, ("none", None)),
        ({**ECQ_DEFINITE, "ecq5_stand_still": "continues_more_10min"}, ("none", None)),
    ],
    ids=[
        "no_walking_pain",
        "unable_to_walk_not_applicable",
        "definite_grade_2",
        "definite_grade_1",
        "calf_plus_other_sites_still_definite",
        "buttock_without_calf_atypical",
        "thigh_atypical_grade_1",
        "thigh_with_radiating_pain_none",
        "only_hamstring_shin_foot_joint_none",
        "never_uphill_or_hurry_none",
        "not_uphill_none",
        "starts_at_rest_none",
        "continues_on_standing_none",
    ],
)
def test_ecq_algorithm(overrides: dict[str, Any], expected: tuple[str, int | None]) -> None:
    assert ecq(normalise(answers(**overrides))) == expected


def test_ecq_ignores_hidden_items_when_ecq1_is_not_yes() -> None:
    assert ecq(normalise(answers(**{**ECQ_DEFINITE, "ecq1_walk_pain": "no"}))) == (
        "not_applicable",
        None,
    )


# --- pWells (§5.1) -----------------------------------------------------------------------------

ONE_LEG_SWELLING = {"leg_swollen": "ankle_or_calf", "swelling_side": "left"}


@pytest.mark.parametrize(
    ("overrides", "points"),
    [
        ({}, 0),
        ({"active_cancer": "yes"}, 1),
        ({"leg_paralysis": "yes"}, 1),
        ({"leg_cast_recent_12w": "yes"}, 1),
        ({"leg_paralysis": "yes", "leg_cast_recent_12w": "yes"}, 1),  # one NICE item
        ({"bedbound_3d_4w": "yes", "recent_surgery_12w": "yes"}, 1),  # one NICE item
        ({"calf_tender": "yes"}, 1),
        ({"leg_swollen": "whole_leg", "swelling_side": "both"}, 1),
        ({**ONE_LEG_SWELLING, "calf_difference_cm": 3}, 1),
        ({**ONE_LEG_SWELLING, "calf_difference_cm": 2}, 0),
        ({**ONE_LEG_SWELLING, "calf_difference_cm": None}, 0),  # blank scores 0
        ({**ONE_LEG_SWELLING, "pitting_dent": "yes"}, 1),
        ({"leg_swollen": "ankle_or_calf", "swelling_side": "both", "pitting_dent": "yes"}, 0),
        ({"prev_clot": "dvt"}, 1),
        ({"prev_clot": "both"}, 1),
        ({"prev_clot": "pe"}, 0),
        ({"prev_clot": "no"}, 0),
        ({"prev_clot": "not_sure"}, 1),  # 2026.2: not_sure counts (§5.1, §11 item 4)
        ({"long_journey_4w": "yes", "hormones": "yes"}, 0),  # VTE risk but not Wells items
        (
            {
                "active_cancer": "yes",
                "leg_paralysis": "yes",
                "bedbound_3d_4w": "yes",
                "calf_tender": "yes",
                "leg_swollen": "whole_leg",
                "swelling_side": "left",
                "calf_difference_cm": 5,
                "pitting_dent": "yes",
                "prev_clot": "dvt",
            },
            8,
        ),
    ],
)
def test_p_wells_counts_each_reportable_item_once(overrides: dict[str, Any], points: int) -> None:
    assert derived(**overrides)["p_wells"] == points


def test_pe_wells_lists_items_and_marks_the_unreportable_one() -> None:
    pe = triage(
        rf_breathless="yes",
        active_cancer="yes",
        rf_cough_blood="yes",
        pulse_bpm=112,
        prev_clot="pe",
        recent_surgery_12w="yes",
    ).scores["pe_wells"]
    assert pe["items"]["alternative_diagnosis_less_likely"] is None
    assert pe["not_reportable"] == ["alternative_diagnosis_less_likely"]
    assert pe["items"]["heart_rate_over_100"] == 1.5
    assert pe["items"]["previous_dvt_or_pe"] == 1.5
    assert pe["items"]["haemoptysis"] == 1.0
    assert pe["items"]["malignancy"] == 1.0
    assert pe["items"]["immobilisation_or_recent_surgery"] == 1.5
    assert pe["partial_total"] == 6.5
    assert any("12-week" in note for note in pe["notes"])


def test_pe_wells_notes_a_missing_pulse() -> None:
    pe = triage().scores["pe_wells"]
    assert pe["items"]["heart_rate_over_100"] == 0.0
    assert "pulse not reported" in pe["notes"]


# --- DN4 interview, IRLSSG ----------------------------------------------------------------------


def test_dn4i_counts_ticked_items_without_none() -> None:
    assert derived(dn4_q1=["burning", "electric_shocks"], dn4_q2=["itching"])["dn4i"] == 3
    assert derived(dn4_q1=["none"], dn4_q2=["none"])["dn4i"] == 0
    all_items = ["tingling", "pins_and_needles", "numbness", "itching"]
    assert (
        derived(dn4_q1=["burning", "painful_cold", "electric_shocks"], dn4_q2=all_items)["dn4i"]
        == 7
    )


RLS = {"rls1_urge": "yes", "rls2_rest": "yes", "rls3_movement": "yes", "rls4_evening": "yes"}


def test_rls_probable_needs_criteria_1_to_4_and_a_negative_mimic_screen() -> None:
    assert derived(**RLS, rls5_mimic="no")["rls_probable"] is True
    assert derived(**RLS, rls5_mimic="yes")["rls_probable"] is False
    assert derived(**RLS, rls5_mimic=None)["rls_probable"] is False
    assert derived(**{**RLS, "rls4_evening": "no"}, rls5_mimic="no")["rls_probable"] is False
    # rls2-5 are hidden unless rls1 is yes
    assert derived(**{**RLS, "rls1_urge": "no"}, rls5_mimic="no")["rls_probable"] is False


# --- CEAP estimate and VCSS (§5.6) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "ceap"),
    [
        ({}, "C0"),
        ({"visible_veins": "thread_or_spider_veins"}, "C1"),
        ({"visible_veins": "bulging_veins"}, "C2"),
        (
            {
                "leg_swollen": "ankle_or_calf",
                "swelling_side": "both",
                "worse_standing_end_day": "yes",
            },
            "C3",
        ),
        (
            {
                "leg_swollen": "ankle_or_calf",
                "swelling_side": "both",
                "visible_veins": "bulging_veins",
            },
            "C3",
        ),
        ({"leg_swollen": "ankle_or_calf", "swelling_side": "both"}, "C0"),
        ({"skin_changes": ["brown_staining"]}, "C4a"),
        ({"skin_changes": ["itchy_scaly_rash"]}, "C4a"),
        ({"skin_changes": ["hard_tight_skin", "brown_staining"]}, "C4b"),
        ({"ulcer_healed_before": "yes", "skin_changes": ["hard_tight_skin"]}, "C5"),
        (
            {
                "wound_present": "yes",
                "wound_location": ["lower_leg"],
                "wound_duration": "lt_2_weeks",
                "ulcer_healed_before": "yes",
            },
            "C6",
        ),
        (
            {
                "wound_present": "yes",
                "wound_location": ["toes_or_foot"],
                "wound_duration": "lt_2_weeks",
            },
            "C0",
        ),
    ],
)
def test_ceap_estimate_takes_the_highest_class_that_applies(
    overrides: dict[str, Any], ceap: str
) -> None:
    assert derived(**overrides)["ceap_c_est"] == ceap


def test_vcss_patient_items_score_0_to_3() -> None:
    scores = triage(
        venous_pain_impact="daily_limits_most",
        compression_use="most_days",
        wound_present="yes",
        wound_location=["ankle"],
        wound_duration="over_3_months",
    ).scores
    assert (scores["vcss_pain"], scores["vcss_compression"], scores["vcss_ulcer_duration"]) == (
        3,
        2,
        2,
    )
    scores = triage(venous_pain_impact="occasional_not_limiting").scores
    assert (scores["vcss_pain"], scores["vcss_compression"], scores["vcss_ulcer_duration"]) == (
        1,
        0,
        0,
    )
    assert triage(venous_pain_impact=None).scores["vcss_pain"] is None


# --- §4 derived variables -----------------------------------------------------------------------


def test_dvt_pattern_needs_recent_symptoms() -> None:
    base = {"affected_side": "left", "pain_regions": ["calf"], "calf_tender": "yes"}
    assert derived(**base, symptom_duration="2_to_6_weeks")["dvt_pattern"] is True
    assert derived(**base, symptom_duration="6_weeks_to_3_months")["dvt_pattern"] is False


def test_one_leg_swelling_needs_one_side() -> None:
    assert derived(leg_swollen="whole_leg", swelling_side="right")["one_leg_swelling"] is True
    assert derived(leg_swollen="whole_leg", swelling_side="both")["one_leg_swelling"] is False
    # swelling_side is hidden when the leg is not swollen, whatever was sent
    assert derived(leg_swollen="no", swelling_side="right")["one_leg_swelling"] is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"active_cancer": "yes"},
        {"recent_surgery_12w": "yes"},
        {"bedbound_3d_4w": "yes"},
        {"leg_cast_recent_12w": "yes"},
        {"leg_paralysis": "yes"},
        {"prev_clot": "pe"},
        {"hormones": "yes"},
        {"long_journey_4w": "yes"},
        {"sex_at_birth": "female", "age_years": 30, "pregnancy_status": "pregnant"},
        {"sex_at_birth": "female", "age_years": 30, "pregnancy_status": "birth_last_6_weeks"},
    ],
)
def test_each_vte_risk_factor_counts(overrides: dict[str, Any]) -> None:
    assert derived(**overrides)["vte_risk"] is True


def test_no_vte_risk_for_family_history_or_a_clear_no() -> None:
    assert derived(family_clot="yes")["vte_risk"] is False
    assert derived(prev_clot="no")["vte_risk"] is False
    assert derived(sex_at_birth="female", age_years=30, pregnancy_status="no")["vte_risk"] is False


def test_not_sure_about_a_previous_clot_counts_for_vte_risk() -> None:
    # 2026.2 (§4 vte_risk, §11 item 4); 2026.1 read not_sure as no.
    assert derived(prev_clot="not_sure")["vte_risk"] is True


def test_not_sure_about_pregnancy_counts_for_vte_risk_but_not_for_the_pregnancy_note() -> None:
    # 2026.2 (§4 vte_risk, §11 item 4). The staff note of §5.1 applies only to pregnancy_status
    # in {pregnant, birth_last_6_weeks}, so pregnant_or_postpartum stays false for not_sure.
    d = derived(sex_at_birth="female", age_years=30, pregnancy_status="not_sure")
    assert d["vte_risk"] is True
    assert d["pregnant_or_postpartum"] is False
    # Hidden (a man, or a woman over 55): the not_sure sent is dropped.
    assert derived(sex_at_birth="male", pregnancy_status="not_sure")["vte_risk"] is False
    old = derived(sex_at_birth="female", age_years=56, pregnancy_status="not_sure")
    assert old["vte_risk"] is False


@pytest.mark.parametrize(
    ("overrides", "acute", "recent"),
    [
        ({}, False, False),
        ({"onset_speed": "sudden_minutes"}, True, True),
        ({"onset_speed": "over_hours"}, True, True),
        ({"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "last_24_hours"}, True, True),
        ({"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "not_sure"}, True, True),
        ({"rf_numb_weak_new": "not_sure", "rf_numb_weak_onset": "last_24_hours"}, True, True),
        ({"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "1_to_14_days"}, False, True),
        ({"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "over_2_weeks"}, False, False),
        ({"rf_numb_weak_new": "yes", "rf_numb_weak_onset": None}, False, False),
        (
            {
                "rf_numb_weak_new": "yes",
                "rf_numb_weak_onset": "over_2_weeks",
                "onset_speed": "sudden_minutes",
            },
            True,
            True,
        ),
        # hidden while rf_numb_weak_new is no: the onset sent is ignored
        ({"rf_numb_weak_new": "no", "rf_numb_weak_onset": "last_24_hours"}, False, False),
        ({"rf_numb_weak_new": "no", "rf_numb_weak_onset": "1_to_14_days"}, False, False),
    ],
)
def test_neuro_acute_and_neuro_recent(overrides: dict[str, Any], acute: bool, recent: bool) -> None:
    base = {"onset_speed": "over_days", **overrides}
    d = derived(**base)
    assert (d["neuro_acute"], d["neuro_recent"]) == (acute, recent)


def test_vascular_risk_from_age_65_smoking_diabetes_or_conditions() -> None:
    assert derived(age_years=64)["vascular_risk"] is False
    assert derived(age_years=65)["vascular_risk"] is True
    assert derived(smoking="ex")["vascular_risk"] is True
    assert derived(conditions=["diabetes_type1"])["vascular_risk"] is True
    assert derived(conditions=["kidney_disease"])["vascular_risk"] is True
    assert derived(conditions=["atrial_fibrillation"])["vascular_risk"] is False


def test_cold_leg_is_an_arterial_feature_only_when_not_acute() -> None:
    assert derived(leg_colder="yes", onset_speed="over_days")["arterial_features"] is True
    assert derived(leg_colder="yes", onset_speed="over_hours")["arterial_features"] is False


def test_arterial_suspect_from_vascular_risk_and_walking_pain() -> None:
    ecq_negative = {**ECQ_DEFINITE, "ecq2_rest_onset": "yes"}
    assert derived(**ecq_negative)["arterial_suspect"] is False
    assert derived(**ecq_negative, smoking="current")["arterial_suspect"] is True


def test_wound_sites_and_duration() -> None:
    wound = {"wound_present": "yes", "wound_duration": "2_to_6_weeks"}
    d = derived(**wound, wound_location=["toes_or_foot", "ankle"])
    assert (d["foot_wound"], d["leg_wound"], d["wound_2w"]) == (True, True, True)
    d = derived(**wound, wound_location=["above_knee"])
    assert (d["foot_wound"], d["leg_wound"]) == (False, False)
    assert (
        derived(**{**wound, "wound_duration": "lt_2_weeks"}, wound_location=["ankle"])["wound_2w"]
        is False
    )


def test_sepsis_sign_ignores_none() -> None:
    assert derived(rf_sepsis_signs=["none"])["sepsis_sign"] is False
    assert derived(rf_sepsis_signs=["feel_might_die"])["sepsis_sign"] is True


@pytest.mark.parametrize(
    ("prev_clot", "points"),
    [("dvt", 1.5), ("pe", 1.5), ("both", 1.5), ("no", 0.0), ("not_sure", 0.0)],
)
def test_pe_wells_previous_clot_counts_a_recalled_clot_only(prev_clot: str, points: float) -> None:
    # §5.1 lists PE-Wells "previous DVT/PE (1.5): prev_clot" and names not_sure only for pWells
    # and vte_risk (§4: on a single question not_sure counts only where a definition names it).
    pe = triage(prev_clot=prev_clot).scores["pe_wells"]
    assert pe["items"]["previous_dvt_or_pe"] == points
