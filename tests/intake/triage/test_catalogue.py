"""The question catalogue (spec §2-§3): steps, codes in spec order, wording, choices, required
flags, and the declarative show-if conditions."""

from __future__ import annotations

import json
import re

import pytest

from intake.triage import (
    QUESTIONS,
    QUESTIONS_BY_CODE,
    STEP_PAGES,
    STEPS,
    All,
    AnswerType,
    Between,
    Eq,
    In,
    Ne,
    is_visible,
    questions_for_step,
    visible_codes,
)
from intake.triage.catalogue import MAX_PAGE_QUESTIONS

SPEC_STEPS = [
    "about_you",
    "red_flags",
    "where_it_hurts",
    "how_it_started",
    "feels_like",
    "better_worse",
    "other_symptoms",
    "history",
    "medications",
    "consent",
]

SPEC_CODES = [
    "privacy_ack",
    "completed_by",
    "age_years",
    "sex_at_birth",
    "pregnancy_status",
    "height_cm",
    "weight_kg",
    "walking_ability",
    "rf_cold_pale_sudden",
    "rf_numb_weak_new",
    "rf_numb_weak_onset",
    "rf_weakness_worsening",
    "rf_breathless",
    "rf_chest_pain",
    "rf_cough_blood",
    "rf_fainted",
    "rf_bladder_bowel",
    "rf_saddle_numb",
    "rf_sexual_new",
    "rf_both_legs_sciatica",
    "rf_fever",
    "rf_sepsis_signs",
    "rf_pain_out_of_proportion",
    "rf_spreading_fast",
    "rf_dark_blisters",
    "rf_toe_move_pain",
    "rf_leg_tight_hard",
    "rf_vein_bleeding",
    "rf_sudden_back_tummy_pain",
    "pulse_bpm",
    "main_problem",
    "main_problem_text",
    "affected_side",
    "pain_regions",
    "pain_spreads_down_leg",
    "pain_score_now",
    "pain_score_worst",
    "onset_speed",
    "symptom_duration",
    "trend",
    "recent_injury",
    "cast_or_tight_bandage_now",
    "leg_cast_recent_12w",
    "recent_surgery_12w",
    "bedbound_3d_4w",
    "long_journey_4w",
    "pain_character",
    "dn4_q1",
    "dn4_q2",
    "leg_swollen",
    "swelling_side",
    "calf_difference_cm",
    "pitting_dent",
    "calf_tender",
    "skin_changes",
    "leg_colder",
    "knee_lump",
    "venous_pain_impact",
    "ecq1_walk_pain",
    "ecq2_rest_onset",
    "ecq3_uphill",
    "ecq4_ordinary_pace",
    "ecq5_stand_still",
    "ecq6_sites",
    "walk_pain_eased_by",
    "rest_pain_night",
    "rest_pain_dependency",
    "worse_standing_end_day",
    "better_leg_raised",
    "worse_bending_cough",
    "joint_pain_stiffness",
    "night_cramps",
    "rls1_urge",
    "rls2_rest",
    "rls3_movement",
    "rls4_evening",
    "rls5_mimic",
    "rls_frequency",
    "wound_present",
    "wound_location",
    "wound_duration",
    "wound_features",
    "black_skin",
    "ulcer_healed_before",
    "visible_veins",
    "hard_vein",
    "hard_vein_site",
    "both_feet_numb_burning",
    "foot_red_hot_swollen",
    "compression_use",
    "conditions",
    "smoking",
    "prev_clot",
    "active_cancer",
    "leg_paralysis",
    "family_clot",
    "leg_procedures",
    "blood_thinner",
    "antiplatelet",
    "hormones",
    "immunosuppressed",
    "medication_list",
    "allergies",
    "consent_true",
    "consent_contact",
    "contact_phone",
    "consent_share_gp",
    "ack_not_monitored",
]


def test_steps_in_spec_order() -> None:
    assert [step.code for step in STEPS] == SPEC_STEPS
    assert STEPS[1].title == "Quick safety check"
    assert "choose 'Not sure'" in STEPS[1].intro


def test_every_spec_question_in_spec_order() -> None:
    assert [q.code for q in QUESTIONS] == SPEC_CODES
    assert [q.code for step in SPEC_STEPS for q in questions_for_step(step)] == SPEC_CODES
    assert questions_for_step("no_such_step") == ()


def test_every_question_belongs_to_a_known_step_and_has_text() -> None:
    for q in QUESTIONS:
        assert q.step in SPEC_STEPS
        assert q.text and "**" not in q.text and "(optional)" not in q.text


def test_ecq_items_are_verbatim() -> None:
    assert QUESTIONS_BY_CODE["ecq1_walk_pain"].text == (
        "Do you get a pain or discomfort in your leg(s) when you walk?"
    )
    assert QUESTIONS_BY_CODE["ecq3_uphill"].text == "Do you get it if you walk uphill or hurry?"
    assert QUESTIONS_BY_CODE["ecq5_stand_still"].label_for("disappears_10min_or_less") == (
        "Usually disappears in 10 minutes or less"
    )
    assert QUESTIONS_BY_CODE["ecq4_ordinary_pace"].instrument == "ECQ 4"


def test_bold_words_become_emphasis() -> None:
    q = QUESTIONS_BY_CODE["rf_cold_pale_sudden"]
    assert q.emphasis == ("suddenly", "and")
    assert q.text.startswith("Has your leg or foot suddenly (in the last few hours or days)")


def test_yes_no_questions_have_choice_objects_for_radios() -> None:
    for q in QUESTIONS:
        if q.type is AnswerType.YES_NO:
            assert [(c.code, c.label) for c in q.choices] == [("yes", "Yes"), ("no", "No")]
        if q.type is AnswerType.YES_NO_UNSURE:
            assert q.step == "red_flags"
            assert q.choice_codes == ("yes", "no", "not_sure")
            assert q.choices[2].label == "Not sure"


def test_every_choice_has_a_plain_label() -> None:
    for q in QUESTIONS:
        for choice in q.choices:
            assert choice.label and "_" not in choice.label, (q.code, choice.code)


def test_multi_questions_with_none_are_exclusive() -> None:
    exclusive = {q.code for q in QUESTIONS if q.exclusive_none}
    assert exclusive == {
        "rf_sepsis_signs",
        "dn4_q1",
        "dn4_q2",
        "skin_changes",
        "wound_features",
        "conditions",
        "leg_procedures",
    }


def test_red_flags_are_required_and_optional_questions_are_not() -> None:
    for q in questions_for_step("red_flags"):
        assert q.required is (q.code != "pulse_bpm"), q.code
    optional = {q.code for q in QUESTIONS if not q.required}
    assert optional == {
        "height_cm",
        "weight_kg",
        "pulse_bpm",
        "main_problem_text",
        "pain_regions",
        "pain_character",
        "calf_difference_cm",
        "medication_list",
        "allergies",
        "contact_phone",
    }


def test_must_be_yes_questions() -> None:
    assert {q.code for q in QUESTIONS if q.must_be_yes} == {
        "privacy_ack",
        "consent_true",
        "ack_not_monitored",
    }


def test_numbers_and_text_have_limits() -> None:
    for q in QUESTIONS:
        if q.type in (AnswerType.NUMBER, AnswerType.SCALE_0_10):
            assert q.min_value is not None and q.max_value is not None, q.code
        if q.type is AnswerType.TEXT:
            assert q.max_length, q.code
    assert (QUESTIONS_BY_CODE["age_years"].min_value, QUESTIONS_BY_CODE["age_years"].max_value) == (
        18,
        110,
    )
    assert QUESTIONS_BY_CODE["main_problem_text"].max_length == 1000
    assert QUESTIONS_BY_CODE["calf_difference_cm"].max_value == 20


def test_show_if_conditions_only_read_earlier_questions() -> None:
    # normalise() and visible_codes() resolve visibility in one pass in catalogue order.
    position = {q.code: i for i, q in enumerate(QUESTIONS)}
    for q in QUESTIONS:
        if q.show_if is not None:
            for code in q.show_if.codes():
                assert position[code] < position[q.code], (q.code, code)


def test_show_if_conditions_serialise_to_json() -> None:
    q = QUESTIONS_BY_CODE["calf_difference_cm"]
    assert q.show_if is not None
    assert json.loads(json.dumps(q.show_if.to_dict())) == {
        "op": "all",
        "conditions": [
            {"op": "ne", "code": "leg_swollen", "value": "no"},
            {"op": "in", "code": "swelling_side", "values": ["left", "right"]},
        ],
    }
    assert q.show_if.codes() == ("leg_swollen", "swelling_side")


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (Eq("a", "yes"), {"a": "yes"}, True),
        (Eq("a", "yes"), {}, False),
        (Ne("a", "no"), {"a": "yes"}, True),
        (Ne("a", "no"), {"a": None}, False),  # comparisons with null are false (§2.3)
        (In("a", ("l", "r")), {"a": "l"}, True),
        (In("a", ("l", "r")), {"a": ["l"]}, False),
        (Between("n", 16, 55), {"n": 16}, True),
        (Between("n", 16, 55), {"n": 56}, False),
        (Between("n", 16, 55), {"n": "30"}, False),
        (Between("n", 16, 55), {"n": True}, False),
        (All(Eq("a", 1), Eq("b", 2)), {"a": 1, "b": 2}, True),
        (All(Eq("a", 1), Eq("b", 2)), {"a": 1}, False),
    ],
)
def test_conditions_hold(condition, answers, expected):  # type: ignore[no-untyped-def]
    assert condition.holds(answers) is expected


def test_pregnancy_question_shown_to_women_aged_18_to_55() -> None:
    # 18-55 since 2026.2 (§3, §11 item 6; was 16-55).
    assert is_visible("pregnancy_status", {"sex_at_birth": "female", "age_years": 18})
    assert is_visible("pregnancy_status", {"sex_at_birth": "female", "age_years": 55})
    assert not is_visible("pregnancy_status", {"sex_at_birth": "female", "age_years": 17})
    assert not is_visible("pregnancy_status", {"sex_at_birth": "female", "age_years": 56})
    assert not is_visible("pregnancy_status", {"sex_at_birth": "male", "age_years": 30})
    assert not is_visible("pregnancy_status", {"sex_at_birth": "female"})


def test_visibility_chains_through_hidden_parents() -> None:
    swollen_left = {"leg_swollen": "whole_leg", "swelling_side": "left"}
    assert is_visible(QUESTIONS_BY_CODE["calf_difference_cm"], swollen_left)
    assert not is_visible("calf_difference_cm", {**swollen_left, "leg_swollen": "no"})
    assert not is_visible("calf_difference_cm", {**swollen_left, "swelling_side": "both"})
    assert not is_visible("no_such_question", {})


def test_visible_codes_in_catalogue_order() -> None:
    shown = visible_codes({"ecq1_walk_pain": "yes"})
    assert "ecq2_rest_onset" in shown and "rls2_rest" not in shown
    assert list(shown) == [code for code in SPEC_CODES if code in shown]


def test_no_red_flag_is_conditional() -> None:
    # Red flags are always asked (§2.3 "no skipping"); normalise() relies on it.
    for q in QUESTIONS:
        if q.type is AnswerType.YES_NO_UNSURE:
            assert q.show_if is None, q.code


def test_numbness_onset_question_follows_the_spec() -> None:
    q = QUESTIONS_BY_CODE["rf_numb_weak_onset"]
    assert q.step == "red_flags"
    assert q.type is AnswerType.SINGLE  # not yes_no_unsure: its not_sure is never mapped
    assert q.required
    assert q.text == "When did the numbness or weakness start?"
    assert [(c.code, c.label) for c in q.choices] == [
        ("last_24_hours", "In the last 24 hours"),
        ("1_to_14_days", "Between 1 and 14 days ago"),
        ("over_2_weeks", "More than 2 weeks ago"),
        ("not_sure", "I'm not sure"),
    ]
    codes = [question.code for question in QUESTIONS]
    assert codes.index("rf_numb_weak_onset") == codes.index("rf_numb_weak_new") + 1
    assert q.show_if is not None
    assert q.show_if.to_dict() == {
        "op": "in",
        "code": "rf_numb_weak_new",
        "values": ["yes", "not_sure"],
    }


@pytest.mark.parametrize(("numb", "shown"), [("yes", True), ("not_sure", True), ("no", False)])
def test_numbness_onset_shown_on_the_raw_numbness_answer(numb: str, shown: bool) -> None:
    # §2.3: decided on the raw answer, before not_sure → yes (the web form sees raw answers).
    assert ("rf_numb_weak_onset" in visible_codes({"rf_numb_weak_new": numb})) is shown
    assert is_visible("rf_numb_weak_onset", {"rf_numb_weak_new": numb}) is shown
    assert "rf_numb_weak_onset" not in visible_codes({})


# --- Issue 19: short safety pages, helper wording, specific error messages --------------------


def test_the_safety_check_is_on_short_themed_pages_in_catalogue_order() -> None:
    pages = STEP_PAGES["red_flags"]
    codes = [page.code for page in pages]
    assert len(codes) == len(set(codes)) >= 3
    red_flags = [q for q in QUESTIONS if q.step == "red_flags"]
    # Every question of the step is on one of its pages, and the pages follow the catalogue
    # order: the spec's order of questions is kept, only where the page breaks fall is ours.
    assert {q.page for q in red_flags} == set(codes)
    assert [q.page for q in red_flags] == sorted((q.page for q in red_flags), key=codes.index)
    for page in pages:
        assert page.title
        asked = [q for q in red_flags if q.page == page.code]
        assert 1 <= len(asked) <= MAX_PAGE_QUESTIONS == 6, page.code
        # Each page has a question that is always shown, so every page is always asked.
        assert any(q.show_if is None for q in asked), page.code
    # A conditional question is on the page of the question that reveals it.
    onset = QUESTIONS_BY_CODE["rf_numb_weak_onset"]
    assert onset.page == QUESTIONS_BY_CODE["rf_numb_weak_new"].page
    # Only steps listed in STEP_PAGES are split.
    assert all(q.page == "" for q in QUESTIONS if q.step not in STEP_PAGES)


# Wordings that address whoever fills in the form and fit a helper as they are: instructions
# to measure or press (a helper may do it), and "if you cannot" (either may not).
ADDRESSES_THE_ONE_FILLING_IN = {
    ("pulse_bpm", "hint"),
    ("calf_difference_cm", "text"),
    ("pitting_dent", "text"),
}
FIRST_OR_SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself|I|I'm|my|me)\b")


def test_every_wording_in_the_first_or_second_person_has_a_helper_wording() -> None:
    missing = []
    for q in QUESTIONS:
        for attr, helper in (("text", "helper_text"), ("hint", "helper_hint")):
            text = getattr(q, attr)
            if (q.code, attr) in ADDRESSES_THE_ONE_FILLING_IN or not text:
                continue
            if FIRST_OR_SECOND_PERSON.search(text) and not getattr(q, helper):
                missing.append(f"{q.code} {attr}: {text}")
    assert missing == []
    # Choice labels in the first person have one too ("I cannot walk"); "I'm not sure" and "I
    # did not check" are the helper's own answers, and who is filling in is asked before any
    # helper wording.
    for q in QUESTIONS:
        for choice in q.choices:
            if q.code not in ("completed_by", "rf_numb_weak_onset", "pitting_dent"):
                assert not re.search(r"\b(I|my|me)\b", choice.label) or choice.helper_label


# Helper wordings that still speak to the one filling in: their own words, and what they
# declare (privacy, consent, that the form is not read straight away).
SPEAKS_TO_THE_HELPER = {"main_problem_text", "privacy_ack", "consent_true", "ack_not_monitored"}


def test_helper_wordings_speak_of_the_patient_not_to_them() -> None:
    for q in QUESTIONS:
        if q.code in SPEAKS_TO_THE_HELPER:
            continue
        for text in filter(None, (q.helper_text, q.helper_hint)):
            assert not re.search(r"\b(your|yours|I|my|me)\b", text), (q.code, text)


def test_every_required_question_has_its_own_error_message_in_govuk_style() -> None:
    for q in QUESTIONS:
        if not q.required:
            assert not q.error_message and not q.helper_error_message, q.code
            continue
        for message in filter(None, (q.error_message, q.helper_error_message)):
            # "Select ..." for options, "Enter ..." for what is typed; no full stop at the end.
            verb = "Select" if q.choices or q.type is AnswerType.SCALE_0_10 else "Enter"
            assert message.startswith(verb + " "), (q.code, message)
            assert not message.endswith("."), (q.code, message)
        assert q.error_message, q.code
        assert q.helper_error_message != q.error_message, q.code
        if q.helper_text and FIRST_OR_SECOND_PERSON.search(q.error_message):
            # A question reworded for a helper has its message reworded too, unless the
            # message speaks only to the one filling in ("you would expect").
            assert q.helper_error_message or q.code in {
                "completed_by",
                "rls3_movement",
                "ack_not_monitored",
            }, q.code
