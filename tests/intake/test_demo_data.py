"""The demo's own answer sets (intake/demo_cases.json) agree with the triage engine.

They were copied once from the regression vignettes and now change on their own, so a ruleset
change that moves a demo case to another tier must be noticed here, not in a demo that quietly
stops showing an EMERGENCY.
"""

from __future__ import annotations

import pytest

from intake.demo import DemoCase, demo_answers, demo_cases
from intake.triage import Tier, evaluate, validate

CASES = demo_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_demo_case_gets_the_tier_the_demo_data_says(case: DemoCase) -> None:
    assert evaluate(case.answers).tier.name == case.tier, case.label


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_demo_case_is_a_valid_answer_set(case: DemoCase) -> None:
    assert validate(case.answers) == [], case.label


def test_the_demo_cases_are_labelled_and_cover_every_tier() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.label and "\n" not in case.label for case in CASES)
    assert {case.tier for case in CASES} == {tier.name for tier in Tier}


def test_the_demo_defaults_are_an_unremarkable_routine_patient() -> None:
    # seed_demo's abandoned draft starts from them and adds one red flag.
    assert evaluate(demo_answers()).tier is Tier.ROUTINE
    assert validate(demo_answers()) == []


def test_demo_answers_are_fresh_copies() -> None:
    first = demo_answers("V02")
    first["main_problem"].append("changed")
    assert "changed" not in demo_answers("V02")["main_problem"]
