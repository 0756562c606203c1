"""Shared test helpers: vignette loading, answer-set builders and hypothesis strategies.

Answer sets are built from the vignettes' ``defaults`` (a complete, unremarkable patient) plus
overrides, so each test states only what matters to it. The hypothesis strategies are built
from the catalogue itself (via ``intake.triage.samples``, shared with the benchmark), so a new
question is covered without touching the tests.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from intake.triage import QUESTIONS, AnswerType, Question, TriageResult, evaluate
from intake.triage.samples import multi_options, scalar_domain

VIGNETTES_PATH = Path(__file__).with_name("vignettes.json")

# The walking-pain answers of a textbook ECQ-definite claudicant (V07).
ECQ_DEFINITE: dict[str, Any] = {
    "ecq1_walk_pain": "yes",
    "ecq2_rest_onset": "no",
    "ecq3_uphill": "yes",
    "ecq4_ordinary_pace": "yes",
    "ecq5_stand_still": "disappears_10min_or_less",
    "ecq6_sites": ["calf"],
    "walk_pain_eased_by": "standing_still",
}

RED_FLAG_CODES = tuple(q.code for q in QUESTIONS if q.type is AnswerType.YES_NO_UNSURE)


@cache
def vignette_data() -> dict[str, Any]:
    """The parsed vignettes.json (the repository copy; tests never read ../shared)."""
    data: dict[str, Any] = json.loads(VIGNETTES_PATH.read_text(encoding="utf-8"))
    return data


def defaults() -> dict[str, Any]:
    """A fresh copy of the vignettes' complete, unremarkable answer set."""
    return json.loads(json.dumps(vignette_data()["defaults"]))  # type: ignore[no-any-return]


def answers(**overrides: Any) -> dict[str, Any]:
    """A 50-year-old man with no problems (the defaults), with ``overrides`` applied."""
    base = defaults()
    base.update(age_years=50, sex_at_birth="male")
    base.update(overrides)
    return base


def triage(**overrides: Any) -> TriageResult:
    """``evaluate()`` of ``answers(**overrides)``."""
    return evaluate(answers(**overrides))


def fired(**overrides: Any) -> set[str]:
    """The set of rule codes that fire for ``answers(**overrides)``."""
    return set(triage(**overrides).fired)


# --- hypothesis strategies ---------------------------------------------------------------------

_QUIET = {"rf_sepsis_signs": ["none"], "rf_vein_bleeding": "no"}


def value_strategy(question: Question) -> st.SearchStrategy[Any]:
    """A valid stored value for ``question`` (None allowed for optional questions).

    Red flags are "no" about 95% of the time, so that generated patients are not almost all
    emergencies and the lower tiers get exercised too.
    """
    strategy: st.SearchStrategy[Any]
    if question.type is AnswerType.MULTI:
        ticks = st.lists(
            st.sampled_from(multi_options(question)),
            unique=True,
            min_size=1 if question.required else 0,
            max_size=4,
        )
        strategy = st.one_of(ticks, st.just(["none"])) if question.exclusive_none else ticks
    else:
        domain = scalar_domain(question)
        if isinstance(domain, range):
            strategy = st.integers(domain.start, domain.stop - 1)
        else:
            strategy = st.sampled_from(tuple(domain))
    if question.type is AnswerType.YES_NO_UNSURE:
        # 37 "no" + yes/no/not_sure: about 95% "no" (sampled_from is much faster than flatmap)
        strategy = st.sampled_from(("no",) * 37 + question.choice_codes)
    elif question.code in _QUIET:
        quiet = _QUIET[question.code]
        strategy = st.tuples(st.integers(0, 19), strategy).map(
            lambda pair: pair[1] if pair[0] == 0 else quiet
        )
    if not question.required:
        strategy = st.one_of(st.none(), strategy)
    return strategy


valid_answers: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {question.code: value_strategy(question) for question in QUESTIONS}
)
