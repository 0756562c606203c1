"""The §8 vignettes as regression fixtures: defaults + answers → exact tier, exact set of fired
rules, and every expected score."""

from __future__ import annotations

from typing import Any

import pytest

from intake.triage import RULESET_VERSION, evaluate, validate
from tests.intake.triage.helpers import defaults, vignette_data

VIGNETTES: list[dict[str, Any]] = vignette_data()["vignettes"]


def _answers(vignette: dict[str, Any]) -> dict[str, Any]:
    return {**defaults(), **vignette["answers"]}


def test_vignette_file_matches_the_ruleset_version() -> None:
    assert vignette_data()["ruleset_version"] == RULESET_VERSION
    assert len(VIGNETTES) == 42


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_vignette_gets_the_expected_tier_rules_and_scores(vignette: dict[str, Any]) -> None:
    result = evaluate(_answers(vignette))
    assert result.tier.name == vignette["expected_tier"], vignette["story"]
    assert set(result.fired) == set(vignette["expected_rules"]), vignette["story"]
    for key, expected in vignette["expected_scores"].items():
        assert result.scores[key] == expected, key


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_vignette_answers_are_valid(vignette: dict[str, Any]) -> None:
    assert validate(_answers(vignette)) == []
