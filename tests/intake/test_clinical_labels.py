"""Every code the engine stores that staff read has words (issue 20: "words, not codes").

The engine's values are collected from every clinical vignette, and from every answer the
instruments read, so a new class or item added to the engine without words fails here.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from intake import clinical, triage
from intake.triage.derive import ceap_c_est, ecq, normalise
from tests.intake.triage.helpers import vignette_data
from tests.journey import vignette_answers

VIGNETTES = [v["id"] for v in vignette_data()["vignettes"]]


@pytest.fixture(scope="module")
def results() -> list[triage.TriageResult]:
    return [triage.evaluate(vignette_answers(v)) for v in VIGNETTES]


def test_every_ecq_class_and_ceap_class_has_words(results: list[triage.TriageResult]) -> None:
    seen = {r.scores["ecq_class"] for r in results}
    assert seen <= set(clinical.ECQ_CLASS_LABELS)
    # And every class the instruments can give, not only those the vignettes reach.
    ecq_answers: dict[str, list[Any]] = {
        "ecq1_walk_pain": ["yes", "no"],
        "ecq2_rest_onset": ["yes", "no"],
        "ecq3_uphill": ["yes", "no"],
        "ecq5_stand_still": ["disappears_10min_or_less", "continues_over_10min"],
        "ecq6_sites": [["calf"], ["thigh"], ["shin"]],
    }
    for combination in itertools.product(*ecq_answers.values()):
        answers = dict(zip(ecq_answers, combination, strict=True))
        assert ecq(normalise(answers))[0] in clinical.ECQ_CLASS_LABELS
    assert {r.scores["ceap_c_est"] for r in results} <= set(clinical.CEAP_CLASS_LABELS)
    assert ceap_c_est(normalise({}), leg_wound=True) in clinical.CEAP_CLASS_LABELS


def test_every_pe_wells_item_has_words(results: list[triage.TriageResult]) -> None:
    for result in results:
        assert set(result.scores["pe_wells"]["items"]) <= set(clinical.PE_WELLS_ITEM_LABELS)


def test_an_unknown_code_is_shown_as_it_is_rather_than_hidden() -> None:
    assert clinical.ecq_class_label("brand_new_class") == "brand_new_class"
    assert clinical.ecq_class_label(None) == "–"


def test_body_map_regions_read_as_the_catalogues_words() -> None:
    assert clinical.answer_choice_label("pain_regions", "lower_back") == "Lower back"
    assert clinical.answer_choice_label("rls_frequency", "once_a_week") == "About once a week"
