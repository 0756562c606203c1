"""validate(): one test per kind of problem, completeness, hidden values, and never raising."""

from __future__ import annotations

from typing import Any

import pytest

from intake.triage import Problem, validate
from tests.intake.triage.helpers import answers


def kinds(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.kind) for p in problems]


def test_defaults_are_valid() -> None:
    assert validate(answers()) == []


def test_unknown_question_code() -> None:
    problems = validate(answers(favourite_colour="blue"))
    assert kinds(problems) == [("favourite_colour", "unknown")]
    assert problems[0].message == "This question is not part of the form."


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("rf_chest_pain", True),  # bool is not a choice code
        ("completed_by", 1),
        ("age_years", "50"),  # a string where an int is wanted
        ("age_years", True),  # bool is not an int
        ("age_years", 50.5),
        ("pain_score_now", "7"),
        ("conditions", "diabetes_type1"),  # multi needs a list
        ("conditions", [1, 2]),
        ("main_problem_text", 42),
    ],
)
def test_wrong_type(code: str, value: Any) -> None:
    assert kinds(validate(answers(**{code: value}))) == [(code, "type")]


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("rf_chest_pain", "maybe"),
        ("smoking", "sometimes"),
        ("conditions", ["diabetes_type3"]),
        ("calf_tender", "not_sure"),  # yes_no has no "not sure"
    ],
)
def test_value_not_one_of_the_choices(code: str, value: Any) -> None:
    assert kinds(validate(answers(**{code: value}))) == [(code, "choice")]


@pytest.mark.parametrize(
    ("code", "value"),
    [("age_years", 111), ("pain_score_now", 11), ("pain_score_worst", -1), ("pulse_bpm", 29)],
)
def test_number_out_of_bounds(code: str, value: int) -> None:
    problems = validate(answers(**{code: value}))
    assert kinds(problems) == [(code, "range")]
    assert "Please enter a number from" in problems[0].message


def test_under_18_gets_the_adults_only_message() -> None:
    problems = validate(answers(age_years=17))
    assert kinds(problems) == [("age_years", "range")]
    assert problems[0].message == "This form is for adults. Please contact your GP."


def test_bounds_are_inclusive() -> None:
    assert validate(answers(age_years=18, pulse_bpm=220, pain_score_now=0)) == []


def test_text_too_long() -> None:
    problems = validate(answers(main_problem_text="x" * 1001))
    assert kinds(problems) == [("main_problem_text", "too_long")]
    assert validate(answers(main_problem_text="x" * 1000)) == []


def test_phone_number_format() -> None:
    assert kinds(validate(answers(contact_phone="call me"))) == [("contact_phone", "format")]
    assert validate(answers(contact_phone="+44 (0)20 7946-0000")) == []


def test_none_cannot_be_ticked_with_other_choices() -> None:
    problems = validate(answers(rf_sepsis_signs=["none", "rash_not_fading"]))
    assert kinds(problems) == [("rf_sepsis_signs", "none_exclusive")]


def test_a_choice_ticked_twice() -> None:
    assert kinds(validate(answers(conditions=["stroke_tia", "stroke_tia"]))) == [
        ("conditions", "duplicate")
    ]


@pytest.mark.parametrize("code", ["privacy_ack", "consent_true", "ack_not_monitored"])
def test_must_be_yes_questions(code: str) -> None:
    problems = validate(answers(**{code: "no"}))
    assert kinds(problems) == [(code, "must_be_yes")]


def test_required_visible_questions_only_when_complete() -> None:
    partial = {"rf_chest_pain": "no"}
    assert validate(partial) == []
    problems = validate(partial, complete=True)
    missing = {p.code for p in problems if p.kind == "required"}
    assert "rf_breathless" in missing
    assert "privacy_ack" in missing
    assert "height_cm" not in missing  # optional
    assert "pulse_bpm" not in missing  # optional
    assert "ecq2_rest_onset" not in missing  # hidden: ecq1 not answered yes


def test_required_check_restricted_to_steps() -> None:
    problems = validate({}, complete=True, steps=["red_flags"])
    steps = {p.code for p in problems}
    assert "rf_chest_pain" in steps
    assert "privacy_ack" not in steps


def test_steps_limit_every_check_to_their_own_questions() -> None:
    # A page checks its own questions; a bad value elsewhere is that page's business.
    bad = answers(pain_score_now=99, rf_fever="maybe")
    assert {p.code for p in validate(bad, steps=["red_flags"])} == {"rf_fever"}
    assert "pain_score_now" in {p.code for p in validate(bad)}
    # Visibility still follows the answers: a follow-up is required only once shown.
    shown = validate(answers(wound_present="yes"), complete=True, steps=["other_symptoms"])
    hidden = validate(answers(wound_present="no"), complete=True, steps=["other_symptoms"])
    assert "wound_location" in {p.code for p in shown}
    assert "wound_location" not in {p.code for p in hidden}


def test_complete_form_needs_conditional_questions_once_shown() -> None:
    problems = validate(answers(wound_present="yes"), complete=True)
    assert {"wound_location", "wound_duration", "wound_features"} <= {
        p.code for p in problems if p.kind == "required"
    }


def test_required_multi_needs_at_least_one_tick() -> None:
    problems = validate(answers(rf_sepsis_signs=[]), complete=True, steps=["red_flags"])
    assert kinds(problems) == [("rf_sepsis_signs", "required")]


def test_values_for_hidden_questions_are_ignored() -> None:
    # a man's pregnancy answer and ECQ follow-ups without walking pain: not errors, even garbage
    assert validate(answers(pregnancy_status="pregnant", ecq2_rest_onset="nonsense")) == []


def test_validate_never_raises_on_garbage() -> None:
    garbage: dict[Any, Any] = {
        "age_years": {"nested": [1, 2]},
        "conditions": [["diabetes_type1"], None, {}],
        "rf_sepsis_signs": object(),
        "swelling_side": ["left"],
        "leg_swollen": ["x"],
        7: "seven",
        "sex_at_birth": float("nan"),
    }
    problems = validate(garbage)
    assert {p.code for p in problems} >= {"age_years", "conditions", "7", "leg_swollen"}
    assert validate("not a dict") == [  # type: ignore[arg-type]
        Problem("", "The answers must be a set of question codes and values.", "type")
    ]
    validate(garbage, complete=True)
