"""Every rule of spec §6: at least one answer set where it fires and one near miss where it
does not. Answer sets are the vignette defaults (a well 50-year-old man) plus overrides."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from intake.triage import RULES, RULES_BY_CODE, Tier, evaluate, normalise
from tests.intake.triage.helpers import ECQ_DEFINITE, answers, fired, triage, valid_answers

RECENT_LEFT_SWELLING: dict[str, Any] = {
    "symptom_duration": "1_to_7_days",
    "affected_side": "left",
    "pain_regions": ["calf"],
    "leg_swollen": "ankle_or_calf",
    "swelling_side": "left",
}

# (rule, overrides, should it fire?, why) — a fire case and a near miss for every rule.
CASES: list[tuple[str, dict[str, Any], bool, str]] = [
    # EMERGENCY
    ("EMG_ALI", {"rf_cold_pale_sudden": "yes"}, True, "sudden cold and pale leg"),
    (
        "EMG_ALI",
        {"rf_numb_weak_new": "yes", "onset_speed": "sudden_minutes", "leg_colder": "yes"},
        True,
        "new numbness, acute onset and a cold leg",
    ),
    (
        "EMG_ALI",
        {"rf_numb_weak_new": "yes", "onset_speed": "over_hours", "skin_changes": ["none"]},
        False,
        "new numbness of acute onset but colour and temperature normal",
    ),
    # 2026.2: rf_numb_weak_onset 1-14 days (neuro_recent) with a cold or discoloured leg
    (
        "EMG_ALI",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "1_to_14_days",
            "onset_speed": "slowly_weeks_or_more",
            "leg_colder": "yes",
        },
        True,
        "numbness started 1-14 days ago with a cold leg, although onset_speed is slow",
    ),
    (
        "EMG_ALI",
        {
            "rf_numb_weak_new": "not_sure",
            "rf_numb_weak_onset": "not_sure",
            "onset_speed": "over_days",
            "skin_changes": ["blue_purple_or_blotchy"],
        },
        True,
        "not sure of numbness nor of its start, with blotchy skin",
    ),
    (
        "EMG_ALI",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "over_2_weeks",
            "onset_speed": "over_days",
            "leg_colder": "yes",
        },
        False,
        "started more than 2 weeks ago and not acute: URG_NEURO only",
    ),
    (
        "EMG_ALI",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "1_to_14_days",
            "onset_speed": "over_days",
            "skin_changes": ["none"],
        },
        False,
        "1-14 days ago but colour and temperature normal",
    ),
    (
        "EMG_ALI",
        {
            "rf_numb_weak_new": "no",
            "rf_numb_weak_onset": "last_24_hours",
            "leg_colder": "yes",
        },
        False,
        "an onset sent while the question is hidden is ignored",
    ),
    ("EMG_SUDDEN_NEURO", {"rf_numb_weak_new": "yes", "onset_speed": "over_hours"}, True, ""),
    (
        "EMG_SUDDEN_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "last_24_hours",
            "onset_speed": "slowly_weeks_or_more",
        },
        True,
        "started in the last 24 hours (neuro_acute) whatever onset_speed says (V62)",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "not_sure", "onset_speed": "over_days"},
        True,
        "start not known counts as acute (V64)",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {"rf_numb_weak_new": "not_sure", "rf_numb_weak_onset": "last_24_hours"},
        True,
        "numbness answered not sure, onset question shown from the raw answer",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "1_to_14_days",
            "onset_speed": "over_days",
        },
        False,
        "1-14 days ago is neuro_recent, not neuro_acute: URG_NEURO",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "over_2_weeks",
            "onset_speed": "over_days",
        },
        False,
        "more than 2 weeks ago: URG_NEURO",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {"rf_numb_weak_new": "yes", "onset_speed": "over_days"},
        False,
        "not acute: URG_NEURO instead",
    ),
    (
        "EMG_SUDDEN_NEURO",
        {"rf_numb_weak_new": "yes", "onset_speed": "sudden_minutes", "rf_cold_pale_sudden": "yes"},
        False,
        "explained by EMG_ALI",
    ),
    ("EMG_PE", {"rf_breathless": "yes", "hormones": "yes"}, True, "breathless with VTE risk"),
    ("EMG_PE", {"rf_fainted": "yes", "active_cancer": "yes"}, True, "syncope with VTE risk"),
    ("EMG_PE", {"rf_cough_blood": "yes", **RECENT_LEFT_SWELLING}, True, "with a DVT pattern"),
    ("EMG_PE", {"rf_breathless": "yes"}, False, "no VTE context: EMG_CHEST_BREATH"),
    ("EMG_PE", {"hormones": "yes", **RECENT_LEFT_SWELLING}, False, "DVT without lung symptoms"),
    ("EMG_CHEST_BREATH", {"rf_chest_pain": "yes"}, True, ""),
    ("EMG_CHEST_BREATH", {"rf_chest_pain": "yes", "long_journey_4w": "yes"}, False, "EMG_PE"),
    ("EMG_CHEST_BREATH", {"rf_fainted": "yes"}, False, "fainting alone is not cardioresp"),
    ("EMG_CES", {"rf_bladder_bowel": "yes"}, True, ""),
    ("EMG_CES", {"rf_saddle_numb": "yes"}, True, ""),
    ("EMG_CES", {"rf_sexual_new": "yes"}, True, ""),
    ("EMG_CES", {"rf_both_legs_sciatica": "yes"}, True, "bilateral sciatica alone (GIRFT)"),
    (
        "EMG_CES",
        {"pain_spreads_down_leg": "yes", "pain_regions": ["lower_back"], "affected_side": "both"},
        False,
        "sciatica without a CES red flag",
    ),
    (
        "EMG_COMPARTMENT",
        {
            "recent_injury": "yes",
            "symptom_duration": "lt_24h",
            "pain_score_now": 8,
            "rf_leg_tight_hard": "yes",
        },
        True,
        "injury, pain 8/10, tense calf",
    ),
    (
        "EMG_COMPARTMENT",
        {
            "cast_or_tight_bandage_now": "yes",
            "symptom_duration": "1_to_7_days",
            "rf_pain_out_of_proportion": "yes",
            "rf_toe_move_pain": "yes",
        },
        True,
        "cast, pain out of proportion, pain on toe movement",
    ),
    (
        "EMG_COMPARTMENT",
        {
            "recent_injury": "yes",
            "symptom_duration": "lt_24h",
            "pain_score_now": 7,
            "rf_leg_tight_hard": "yes",
        },
        False,
        "pain 7/10 and not out of proportion",
    ),
    (
        "EMG_COMPARTMENT",
        {
            "recent_injury": "yes",
            "symptom_duration": "1_to_2_weeks",
            "pain_score_now": 9,
            "rf_leg_tight_hard": "yes",
        },
        False,
        "more than a week after the injury",
    ),
    ("EMG_SEPSIS", {"rf_sepsis_signs": ["no_pee_all_day"]}, True, ""),
    ("EMG_SEPSIS", {"rf_sepsis_signs": ["none"], "rf_fever": "yes"}, False, "fever alone"),
    (
        "EMG_NEC_FASC",
        {"skin_changes": ["red_or_darker_warm_patch"], "rf_dark_blisters": "yes"},
        True,
        "",
    ),
    (
        "EMG_NEC_FASC",
        {"wound_present": "yes", "rf_pain_out_of_proportion": "yes"},
        True,
        "wound with pain out of proportion",
    ),
    ("EMG_NEC_FASC", {"rf_dark_blisters": "yes"}, False, "no red, wounded or spreading area"),
    ("EMG_DIABETIC_FOOT", {"conditions": ["diabetes_type2"], "black_skin": "yes"}, True, ""),
    (
        "EMG_DIABETIC_FOOT",
        {
            "conditions": ["diabetes_type1"],
            "wound_present": "yes",
            "wound_location": ["toes_or_foot"],
            "wound_duration": "lt_2_weeks",
            "rf_fever": "yes",
        },
        True,
        "foot wound with fever",
    ),
    (
        "EMG_DIABETIC_FOOT",
        {
            "conditions": ["diabetes_type2"],
            "wound_present": "yes",
            "wound_location": ["toes_or_foot"],
            "wound_duration": "lt_2_weeks",
            "rest_pain_night": "yes",
            "rest_pain_dependency": "yes",
        },
        True,
        "foot wound with ischaemic rest pain",
    ),
    ("EMG_DIABETIC_FOOT", {"black_skin": "yes"}, False, "gangrene without diabetes: URG_CLTI"),
    (
        "EMG_DIABETIC_FOOT",
        {"conditions": ["diabetes_type2"], "foot_red_hot_swollen": "yes"},
        False,
        "no fever or spread: URG_DIABETIC_FOOT",
    ),
    ("EMG_VV_BLEED", {"rf_vein_bleeding": "bleeding_now_not_stopping"}, True, ""),
    ("EMG_VV_BLEED", {"rf_vein_bleeding": "bled_and_stopped"}, False, "stopped: URG_VV_BLED"),
    (
        "EMG_AAA",
        {"rf_sudden_back_tummy_pain": "yes", "conditions": ["aortic_aneurysm"]},
        True,
        "known aneurysm",
    ),
    ("EMG_AAA", {"rf_sudden_back_tummy_pain": "yes", "rf_fainted": "yes"}, True, "collapse"),
    (
        "EMG_AAA",
        {"rf_sudden_back_tummy_pain": "yes", "age_years": 50, "smoking": "ex"},
        True,
        "age 50 with vascular risk (boundary; 2026.2, was 60)",
    ),
    (
        "EMG_AAA",
        {"rf_sudden_back_tummy_pain": "yes", "age_years": 59, "smoking": "current"},
        True,
        "age 59 with vascular risk: URG_BACK_ABDO_PAIN in 2026.1, EMERGENCY in 2026.2",
    ),
    (
        "EMG_AAA",
        {"rf_sudden_back_tummy_pain": "yes", "age_years": 49, "smoking": "current"},
        False,
        "age 49: URG_BACK_ABDO_PAIN",
    ),
    (
        "EMG_AAA",
        {"rf_sudden_back_tummy_pain": "yes", "age_years": 50, "smoking": "never"},
        False,
        "age 50 without vascular risk: URG_BACK_ABDO_PAIN",
    ),
    # URGENT
    ("URG_DVT", RECENT_LEFT_SWELLING, True, "recent one-leg swelling"),
    (
        "URG_DVT",
        {
            "symptom_duration": "2_to_6_weeks",
            "affected_side": "right",
            "pain_regions": ["thigh_back"],
            "calf_tender": "yes",
        },
        True,
        "recent one-leg pain with tenderness",
    ),
    (
        "URG_DVT",
        {**RECENT_LEFT_SWELLING, "symptom_duration": "6_weeks_to_3_months"},
        False,
        "not recent: RTN_SWELLING",
    ),
    (
        "URG_DVT",
        {"symptom_duration": "1_to_7_days", "affected_side": "right", "pain_regions": ["calf"]},
        False,
        "one-leg calf pain without tenderness, redness or swelling",
    ),
    (
        "URG_BAKER_MIMIC",
        {**RECENT_LEFT_SWELLING, "knee_lump": "yes", "onset_speed": "sudden_minutes"},
        True,
        "",
    ),
    (
        "URG_BAKER_MIMIC",
        {**RECENT_LEFT_SWELLING, "knee_lump": "yes", "onset_speed": "over_days"},
        False,
        "not of acute onset",
    ),
    ("URG_SVT_HIGH", {"hard_vein": "yes", "hard_vein_site": "above_knee_or_groin"}, True, ""),
    (
        "URG_SVT_HIGH",
        {"hard_vein": "yes", "hard_vein_site": "below_knee", **RECENT_LEFT_SWELLING},
        True,
        "below the knee with one-leg swelling",
    ),
    ("URG_SVT_HIGH", {"hard_vein": "yes", "hard_vein_site": "below_knee"}, False, "SOON"),
    ("URG_CLTI", {"rest_pain_night": "yes", "rest_pain_dependency": "yes"}, True, ""),
    ("URG_CLTI", {"black_skin": "yes"}, True, "gangrene"),
    (
        "URG_CLTI",
        {
            "wound_present": "yes",
            "wound_location": ["toes_or_foot"],
            "wound_duration": "2_to_6_weeks",
            "smoking": "current",
        },
        True,
        "foot wound over 2 weeks with vascular risk",
    ),
    (
        "URG_CLTI",
        {"rest_pain_night": "yes", "rest_pain_dependency": "no"},
        False,
        "night pain not eased by dependency, no arterial features",
    ),
    (
        "URG_DIABETIC_FOOT",
        {"conditions": ["diabetes_type2"], "foot_red_hot_swollen": "yes"},
        True,
        "",
    ),
    (
        "URG_DIABETIC_FOOT",
        {"conditions": ["diabetes_type2"], "foot_red_hot_swollen": "yes", "rf_fever": "yes"},
        False,
        "EMG_DIABETIC_FOOT instead",
    ),
    (
        "URG_CELLULITIS",
        {"skin_changes": ["red_or_darker_warm_patch"], "symptom_duration": "2_to_6_weeks"},
        True,
        "",
    ),
    (
        "URG_CELLULITIS",
        {"skin_changes": ["red_or_darker_warm_patch"], "symptom_duration": "over_3_months"},
        False,
        "long-standing redness",
    ),
    ("URG_NEURO", {"rf_weakness_worsening": "yes"}, True, ""),
    ("URG_NEURO", {"rf_numb_weak_new": "yes", "onset_speed": "slowly_weeks_or_more"}, True, ""),
    (
        "URG_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "over_2_weeks",
            "onset_speed": "over_days",
        },
        True,
        "started more than 2 weeks ago",
    ),
    (
        "URG_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "1_to_14_days",
            "onset_speed": "over_days",
            "leg_colder": "yes",
        },
        True,
        "1-14 days ago with a cold leg: listed with EMG_ALI",
    ),
    (
        "URG_NEURO",
        {"rf_numb_weak_new": "yes", "onset_speed": "sudden_minutes"},
        False,
        "acute: EMG_SUDDEN_NEURO",
    ),
    (
        "URG_NEURO",
        {
            "rf_numb_weak_new": "yes",
            "rf_numb_weak_onset": "last_24_hours",
            "onset_speed": "over_days",
        },
        False,
        "started in the last 24 hours: EMG_SUDDEN_NEURO instead",
    ),
    (
        "URG_NEURO",
        {"rf_numb_weak_new": "yes", "rf_numb_weak_onset": "not_sure", "onset_speed": "over_days"},
        False,
        "start not known: EMG_SUDDEN_NEURO instead",
    ),
    ("URG_VV_BLED", {"rf_vein_bleeding": "bled_and_stopped"}, True, ""),
    ("URG_VV_BLED", {"rf_vein_bleeding": "no"}, False, ""),
    (
        "URG_ACUTE_CLAUD",
        {**ECQ_DEFINITE, "onset_speed": "sudden_minutes", "symptom_duration": "1_to_2_weeks"},
        True,
        "",
    ),
    (
        "URG_ACUTE_CLAUD",
        {**ECQ_DEFINITE, "onset_speed": "sudden_minutes", "symptom_duration": "2_to_6_weeks"},
        False,
        "more than 2 weeks",
    ),
    (
        "URG_ACUTE_CLAUD",
        {
            **ECQ_DEFINITE,
            **RECENT_LEFT_SWELLING,
            "onset_speed": "over_hours",
        },
        False,
        "a DVT pattern instead",
    ),
    ("URG_BACK_ABDO_PAIN", {"rf_sudden_back_tummy_pain": "yes"}, True, ""),
    (
        "URG_BACK_ABDO_PAIN",
        {"rf_sudden_back_tummy_pain": "yes", "conditions": ["aortic_aneurysm"]},
        False,
        "EMG_AAA instead",
    ),
    ("URG_FAINT", {"rf_fainted": "yes"}, True, ""),
    ("URG_FAINT", {"rf_fainted": "yes", "hormones": "yes"}, False, "EMG_PE instead"),
    (
        "URG_FAINT",
        {"rf_fainted": "yes", "rf_sudden_back_tummy_pain": "yes"},
        False,
        "EMG_AAA instead",
    ),
    ("URG_PULSE", {"pulse_bpm": 131}, True, "131/min: NEWS2 score 3 (boundary)"),
    ("URG_PULSE", {"pulse_bpm": 220}, True, ""),
    ("URG_PULSE", {"pulse_bpm": 40}, True, "40/min: NEWS2 score 3 (boundary)"),
    ("URG_PULSE", {"pulse_bpm": 30}, True, ""),
    ("URG_PULSE", {"pulse_bpm": 130}, False, "130/min (boundary)"),
    ("URG_PULSE", {"pulse_bpm": 41}, False, "41/min (boundary)"),
    ("URG_PULSE", {"pulse_bpm": None}, False, "pulse not given (null)"),
    (
        "URG_PULSE",
        {"pulse_bpm": 140, "rf_chest_pain": "yes"},
        True,
        "listed under an EMERGENCY too: fires independently",
    ),
    ("URG_RED_FLAG_ALONE", {"rf_fever": "yes"}, True, "fever alone"),
    ("URG_RED_FLAG_ALONE", {"rf_fever": "not_sure"}, True, "not sure counts as yes"),
    ("URG_RED_FLAG_ALONE", {"rf_pain_out_of_proportion": "yes"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_pain_out_of_proportion": "not_sure"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_spreading_fast": "yes"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_spreading_fast": "not_sure"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_dark_blisters": "yes"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_dark_blisters": "not_sure"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_toe_move_pain": "yes"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_toe_move_pain": "not_sure"}, True, ""),
    ("URG_RED_FLAG_ALONE", {"rf_leg_tight_hard": "yes"}, True, "tense calf alone (V68)"),
    ("URG_RED_FLAG_ALONE", {"rf_leg_tight_hard": "not_sure"}, True, ""),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_fever": "yes", **ECQ_DEFINITE, "visible_veins": "bulging_veins"},
        True,
        "SOON and ROUTINE rules do not suppress it",
    ),
    ("URG_RED_FLAG_ALONE", {}, False, "none of the six flags"),
    ("URG_RED_FLAG_ALONE", {"rf_fever": "no"}, False, ""),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_fever": "yes", "rf_chest_pain": "yes"},
        False,
        "an EMERGENCY rule fired (EMG_CHEST_BREATH)",
    ),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_pain_out_of_proportion": "yes", "wound_present": "yes", "wound_location": ["ankle"]},
        False,
        "the combination fires EMG_NEC_FASC",
    ),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_fever": "yes", **RECENT_LEFT_SWELLING},
        False,
        "an URGENT rule fired (URG_DVT)",
    ),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_leg_tight_hard": "not_sure", "rf_fainted": "yes"},
        False,
        "an URGENT rule fired (URG_FAINT)",
    ),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_fever": "yes", "pulse_bpm": 135},
        False,
        "URG_PULSE fired above it",
    ),
    (
        "URG_RED_FLAG_ALONE",
        {"rf_fever": "yes", "pulse_bpm": 38},
        False,
        "URG_PULSE (slow) fired above it",
    ),
    # SOON
    ("SOON_CLAUDICATION", ECQ_DEFINITE, True, "ECQ definite"),
    (
        "SOON_CLAUDICATION",
        {**ECQ_DEFINITE, "ecq5_stand_still": "continues_more_10min"},
        False,
        "pain continues on standing still: ECQ none",
    ),
    (
        "SOON_VENOUS_ULCER",
        {"wound_present": "yes", "wound_location": ["ankle"], "wound_duration": "2_to_6_weeks"},
        True,
        "",
    ),
    (
        "SOON_VENOUS_ULCER",
        {
            "wound_present": "yes",
            "wound_location": ["ankle"],
            "wound_duration": "2_to_6_weeks",
            "conditions": ["known_pad"],
        },
        False,
        "arterial suspicion: URG_CLTI",
    ),
    (
        "SOON_VENOUS_ULCER",
        {"wound_present": "yes", "wound_location": ["ankle"], "wound_duration": "lt_2_weeks"},
        False,
        "under 2 weeks",
    ),
    ("SOON_SVT_LOW", {"hard_vein": "yes", "hard_vein_site": "below_knee"}, True, ""),
    (
        "SOON_SVT_LOW",
        {"hard_vein": "yes", "hard_vein_site": "below_knee", **RECENT_LEFT_SWELLING},
        False,
        "with one-leg swelling: URG_SVT_HIGH",
    ),
    # ROUTINE
    ("RTN_VENOUS_DISEASE", {"visible_veins": "thread_or_spider_veins"}, True, ""),
    (
        "RTN_VENOUS_DISEASE",
        {"worse_standing_end_day": "yes", "better_leg_raised": "yes"},
        True,
        "standing/leg-raising pattern",
    ),
    (
        "RTN_VENOUS_DISEASE",
        {"worse_standing_end_day": "yes", "better_leg_raised": "no"},
        False,
        "only half the pattern",
    ),
    ("RTN_SWELLING", {"leg_swollen": "ankle_or_calf", "swelling_side": "both"}, True, ""),
    ("RTN_SWELLING", RECENT_LEFT_SWELLING, False, "a DVT pattern instead"),
    (
        "RTN_SCIATICA",
        {"pain_spreads_down_leg": "yes", "pain_regions": ["lower_back", "calf"]},
        True,
        "",
    ),
    (
        "RTN_SCIATICA",
        {"pain_spreads_down_leg": "yes", "pain_regions": ["calf"], "worse_bending_cough": "no"},
        False,
        "no back component",
    ),
    (
        "RTN_SPINAL_STENOSIS",
        {**ECQ_DEFINITE, "walk_pain_eased_by": "sitting_or_bending_forward"},
        True,
        "",
    ),
    ("RTN_SPINAL_STENOSIS", ECQ_DEFINITE, False, "eased by standing still"),
    ("RTN_NEUROPATHY", {"both_feet_numb_burning": "yes"}, True, ""),
    (
        "RTN_NEUROPATHY",
        {"dn4_q1": ["burning"], "dn4_q2": ["tingling", "numbness"], "affected_side": "both"},
        True,
        "DN4 interview 3/7, both legs",
    ),
    (
        "RTN_NEUROPATHY",
        {"dn4_q1": ["burning"], "dn4_q2": ["tingling", "numbness"], "affected_side": "left"},
        False,
        "one leg",
    ),
    (
        "RTN_NEUROPATHY",
        {"dn4_q1": ["burning"], "dn4_q2": ["tingling"], "affected_side": "both"},
        False,
        "DN4 interview 2/7",
    ),
    (
        "RTN_RLS",
        {
            "rls1_urge": "yes",
            "rls2_rest": "yes",
            "rls3_movement": "yes",
            "rls4_evening": "yes",
            "rls5_mimic": "no",
        },
        True,
        "",
    ),
    (
        "RTN_RLS",
        {
            "rls1_urge": "yes",
            "rls2_rest": "yes",
            "rls3_movement": "yes",
            "rls4_evening": "yes",
            "rls5_mimic": "yes",
        },
        False,
        "really cramps (mimic)",
    ),
    ("RTN_MSK", {"pain_regions": ["lower_back", "buttock"]}, True, "mechanical back pain"),
    ("RTN_MSK", {"night_cramps": "yes"}, True, ""),
    ("RTN_MSK", {"pain_regions": ["lower_back", "calf"]}, False, "pain beyond back/buttock"),
    (
        "RTN_MSK",
        {"pain_regions": ["lower_back"], "rf_sudden_back_tummy_pain": "yes"},
        False,
        "sudden severe back pain",
    ),
    (
        "RTN_EXERTIONAL_NONCLASSIC",
        {**ECQ_DEFINITE, "ecq3_uphill": "never_uphill_or_hurry", "smoking": "current"},
        True,
        "never walks uphill: ECQ-negative safety net",
    ),
    (
        "RTN_EXERTIONAL_NONCLASSIC",
        {**ECQ_DEFINITE, "ecq3_uphill": "never_uphill_or_hurry", "smoking": "never"},
        False,
        "no vascular risk",
    ),
    ("RTN_DEFAULT", {}, True, "nothing else fired"),
    ("RTN_DEFAULT", {"visible_veins": "bulging_veins"}, False, "another rule fired"),
]


@pytest.mark.parametrize(
    ("code", "overrides", "should_fire", "why"),
    CASES,
    ids=[f"{c[0]}-{'fires' if c[2] else 'near_miss'}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_fires_or_not(
    code: str, overrides: dict[str, Any], should_fire: bool, why: str
) -> None:
    assert (code in fired(**overrides)) is should_fire, why


def test_every_rule_has_a_firing_case_and_a_near_miss() -> None:
    for rule in RULES:
        outcomes = {should for code, _, should, _ in CASES if code == rule.code}
        assert outcomes == {True, False}, rule.code


SPEC_RULE_ORDER = [
    "EMG_ALI",
    "EMG_SUDDEN_NEURO",
    "EMG_PE",
    "EMG_CHEST_BREATH",
    "EMG_CES",
    "EMG_COMPARTMENT",
    "EMG_SEPSIS",
    "EMG_NEC_FASC",
    "EMG_DIABETIC_FOOT",
    "EMG_VV_BLEED",
    "EMG_AAA",
    "URG_DVT",
    "URG_BAKER_MIMIC",
    "URG_SVT_HIGH",
    "URG_CLTI",
    "URG_DIABETIC_FOOT",
    "URG_CELLULITIS",
    "URG_NEURO",
    "URG_VV_BLED",
    "URG_ACUTE_CLAUD",
    "URG_BACK_ABDO_PAIN",
    "URG_FAINT",
    "URG_PULSE",
    "URG_RED_FLAG_ALONE",
    "SOON_CLAUDICATION",
    "SOON_VENOUS_ULCER",
    "SOON_SVT_LOW",
    "RTN_VENOUS_DISEASE",
    "RTN_SWELLING",
    "RTN_SCIATICA",
    "RTN_SPINAL_STENOSIS",
    "RTN_NEUROPATHY",
    "RTN_RLS",
    "RTN_MSK",
    "RTN_EXERTIONAL_NONCLASSIC",
    "RTN_DEFAULT",
]


def test_rule_table_has_every_spec_rule_in_spec_order() -> None:
    # Codes are stored with submissions: never renamed, and RTN_DEFAULT stays last.
    assert [rule.code for rule in RULES] == SPEC_RULE_ORDER


def test_rule_tiers_follow_their_prefix() -> None:
    prefixes = {"EMG": Tier.EMERGENCY, "URG": Tier.URGENT, "SOON": Tier.SOON, "RTN": Tier.ROUTINE}
    for rule in RULES:
        assert rule.tier is prefixes[rule.code.split("_")[0]], rule.code


def test_every_rule_has_a_docstring_a_source_and_evidence_names() -> None:
    for rule in RULES:
        assert rule.when.__doc__, rule.code
        assert rule.source
        assert rule.staff_reason
        if rule.code != "RTN_DEFAULT":
            assert rule.uses, rule.code


def test_soon_and_routine_rules_have_a_likely_category() -> None:
    for rule in RULES:
        assert (rule.category is not None) is (rule.tier <= Tier.SOON), rule.code


def test_rules_only_refer_to_earlier_rules() -> None:
    # §7.3: "NOT <rule>" may only name a rule listed above it.
    import inspect
    import re

    order = {rule.code: index for index, rule in enumerate(RULES)}
    for rule in RULES:
        for named in re.findall(r'"([A-Z]+_[A-Z_]+)" not in fired', inspect.getsource(rule.when)):
            assert order[named] < order[rule.code], (rule.code, named)


def test_baker_mimic_has_no_sentence_of_its_own() -> None:
    result = triage(
        symptom_duration="1_to_7_days",
        affected_side="left",
        pain_regions=["calf"],
        leg_swollen="ankle_or_calf",
        swelling_side="left",
        knee_lump="yes",
        onset_speed="sudden_minutes",
    )
    assert {"URG_DVT", "URG_BAKER_MIMIC"} <= set(result.fired)
    assert RULES_BY_CODE["URG_BAKER_MIMIC"].patient_text == ""
    assert result.patient_sentences == (RULES_BY_CODE["URG_DVT"].patient_text,)
    assert "\n\n\n" not in result.patient_message


def test_higher_tier_rule_never_cancels_a_lower_one() -> None:
    # §7.8: no cancelling rules; the venous finding stays listed under an emergency.
    result = triage(rf_chest_pain="yes", visible_veins="bulging_veins")
    assert result.tier is Tier.EMERGENCY
    assert result.fired == ("EMG_CHEST_BREATH", "RTN_VENOUS_DISEASE")


ALONE_FLAGS = [
    "rf_fever",
    "rf_pain_out_of_proportion",
    "rf_spreading_fast",
    "rf_dark_blisters",
    "rf_toe_move_pain",
    "rf_leg_tight_hard",
]


@pytest.mark.parametrize("answer", ["yes", "not_sure"])
@pytest.mark.parametrize("flag", ALONE_FLAGS)
def test_isolated_red_flag_is_urgent_via_the_fail_safe(flag: str, answer: str) -> None:
    # 2026.2 (§6.2 URG_RED_FLAG_ALONE, §11 item 2). In 2026.1 these fired only RTN_DEFAULT
    # ("We did not find any urgent warning signs").
    result = triage(**{flag: answer})
    assert result.tier is Tier.URGENT
    assert result.fired == ("URG_RED_FLAG_ALONE",)
    assert result.patient_sentences == (
        "You told us about a warning sign that a clinician needs to check today.",
    )


@pytest.mark.parametrize(
    ("overrides", "suppressed_by"),
    [
        ({"rf_cold_pale_sudden": "yes"}, "EMG_ALI"),
        ({"rf_sepsis_signs": ["feel_might_die"]}, "EMG_SEPSIS"),
        ({"rf_weakness_worsening": "yes"}, "URG_NEURO"),
        ({"rf_vein_bleeding": "bled_and_stopped"}, "URG_VV_BLED"),
        ({"pulse_bpm": 131}, "URG_PULSE"),
        ({"pulse_bpm": 40}, "URG_PULSE"),
    ],
)
@pytest.mark.parametrize("flag", ALONE_FLAGS)
def test_fail_safe_is_not_listed_when_an_emergency_or_urgent_rule_fires(
    flag: str, overrides: dict[str, Any], suppressed_by: str
) -> None:
    result = fired(**{flag: "yes"}, **overrides)
    assert suppressed_by in result
    assert "URG_RED_FLAG_ALONE" not in result


def test_urg_pulse_reason_shows_the_pulse() -> None:
    result = triage(pulse_bpm=38)
    assert result.tier is Tier.URGENT
    assert result.fired == ("URG_PULSE",)
    assert result.rules[0].staff_reason.startswith("Patient-reported pulse 38/min (NEWS2")
    assert result.rules[0].evidence == {"pulse_bpm": 38}
    assert result.patient_sentences == (
        "A very fast or very slow pulse needs a doctor to check you today.",
    )


def test_urg_back_abdo_pain_reason_is_the_2026_2_wording() -> None:
    reason = triage(rf_sudden_back_tummy_pain="yes", age_years=40).rules[0].staff_reason
    assert (
        reason == "Sudden severe abdominal/back pain without an AAA trigger; AAA is not excluded."
    )


def test_exertional_safety_net_waits_for_the_easing_answer() -> None:
    # §2.3: "walk_pain_eased_by ≠ sitting_or_bending_forward" is false while unanswered.
    ecq_negative = {**ECQ_DEFINITE, "ecq3_uphill": "never_uphill_or_hurry", "smoking": "current"}
    assert "RTN_EXERTIONAL_NONCLASSIC" not in fired(**{**ecq_negative, "walk_pain_eased_by": None})
    assert "RTN_EXERTIONAL_NONCLASSIC" in fired(**{**ecq_negative, "walk_pain_eased_by": "nothing"})


# --- §11 item 1: 2026.1 answer sets replayed give 2026.1's neuro results ------------------------


def _neuro_rules_2026_1(overrides: dict[str, Any]) -> set[str]:
    """EMG_ALI, EMG_SUDDEN_NEURO and URG_NEURO exactly as ruleset 2026.1 wrote them."""
    a = normalise(answers(**overrides))
    acute = a["onset_speed"] in ("sudden_minutes", "over_hours")
    numb = a["rf_numb_weak_new"] == "yes"
    discoloured = {"pale_or_white", "blue_purple_or_blotchy"} & set(a["skin_changes"])
    out = set()
    if a["rf_cold_pale_sudden"] == "yes" or (
        numb and acute and (a["leg_colder"] == "yes" or discoloured)
    ):
        out.add("EMG_ALI")
    if numb and acute and "EMG_ALI" not in out:
        out.add("EMG_SUDDEN_NEURO")
    if a["rf_weakness_worsening"] == "yes" or (numb and not acute):
        out.add("URG_NEURO")
    return out


NEURO_RULES = {"EMG_ALI", "EMG_SUDDEN_NEURO", "URG_NEURO"}


@pytest.mark.parametrize("numb", ["yes", "no", "not_sure"])
@pytest.mark.parametrize(
    "onset_speed", ["sudden_minutes", "over_hours", "over_days", "slowly_weeks_or_more", None]
)
@pytest.mark.parametrize(
    "limb",
    [
        {},
        {"leg_colder": "yes"},
        {"skin_changes": ["pale_or_white"]},
        {"skin_changes": ["blue_purple_or_blotchy"]},
        {"rf_cold_pale_sudden": "not_sure"},
        {"rf_weakness_worsening": "yes"},
    ],
)
def test_answer_sets_without_the_onset_question_give_2026_1_neuro_results(
    numb: str, onset_speed: str | None, limb: dict[str, Any]
) -> None:
    # A 2026.1 submission has no rf_numb_weak_onset at all (replayed at go-live, §2.7).
    overrides = {"rf_numb_weak_new": numb, "onset_speed": onset_speed, **limb}
    replay = answers(**overrides)
    replay.pop("rf_numb_weak_onset", None)
    result = set(evaluate(replay).fired)
    assert result & NEURO_RULES == _neuro_rules_2026_1(overrides)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_answers)
def test_generated_2026_1_answer_sets_give_2026_1_neuro_results(generated: dict[str, Any]) -> None:
    replay = {code: value for code, value in generated.items() if code != "rf_numb_weak_onset"}
    a = normalise(replay)
    acute = a["onset_speed"] in ("sudden_minutes", "over_hours")
    numb = a["rf_numb_weak_new"] == "yes"
    discoloured = {"pale_or_white", "blue_purple_or_blotchy"} & set(a["skin_changes"])
    ali = a["rf_cold_pale_sudden"] == "yes" or (
        numb and acute and (a["leg_colder"] == "yes" or bool(discoloured))
    )
    expected = {
        "EMG_ALI": ali,
        "EMG_SUDDEN_NEURO": numb and acute and not ali,
        "URG_NEURO": a["rf_weakness_worsening"] == "yes" or (numb and not acute),
    }
    result = set(evaluate(replay).fired)
    assert {code: code in result for code in NEURO_RULES} == expected
