"""Property tests over generated valid answer sets (strategy built from the catalogue).

Safety properties: evaluation never fails, a red flag can only raise urgency, "not sure" counts
as "yes", answers to hidden questions never matter, and the engine is deterministic.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.triage import QUESTIONS_BY_CODE, TriageResult, evaluate, validate, visible_codes
from intake.triage.rules import RULES_BY_CODE
from tests.intake.triage.helpers import RED_FLAG_CODES, valid_answers

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _comparable(result: TriageResult) -> dict[str, Any]:
    data = result.to_dict()
    data.pop("not_sure")
    return data


@FAST
@given(valid_answers)
def test_evaluate_never_raises_and_tier_is_the_highest_fired(answers: dict[str, Any]) -> None:
    result = evaluate(answers)
    assert result.fired
    assert result.tier == max(RULES_BY_CODE[code].tier for code in result.fired)
    assert ("RTN_DEFAULT" in result.fired) is (result.fired == ("RTN_DEFAULT",))
    assert result.patient_message.endswith(result.patient_footer)
    assert len(result.patient_sentences) <= 3


@FAST
@given(valid_answers, st.data())
def test_partial_answer_sets_evaluate_and_validate(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    keep = data.draw(st.sets(st.sampled_from(sorted(answers))))
    partial = {code: answers[code] for code in keep}
    evaluate(partial)
    assert validate(partial) == []


@FAST
@given(valid_answers, st.data())
def test_validating_with_the_callers_visibility_finds_the_same_problems(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    keep = data.draw(st.sets(st.sampled_from(sorted(answers))))
    partial = {code: answers[code] for code in keep}
    shown = set(visible_codes(partial))
    for steps in (None, [QUESTIONS_BY_CODE[data.draw(st.sampled_from(sorted(answers)))].step]):
        expected = validate(partial, complete=True, steps=steps)
        assert validate(partial, complete=True, steps=steps, shown=shown) == expected


@FAST
@given(valid_answers)
def test_generated_answer_sets_are_valid_and_complete(answers: dict[str, Any]) -> None:
    assert validate(answers, complete=True) == []


@FAST
@given(valid_answers, st.sampled_from(RED_FLAG_CODES))
def test_a_red_flag_answered_yes_never_lowers_the_tier(answers: dict[str, Any], flag: str) -> None:
    low = evaluate({**answers, flag: "no"})
    high = evaluate({**answers, flag: "yes"})
    assert high.tier >= low.tier


@FAST
@given(valid_answers, st.sampled_from(RED_FLAG_CODES))
def test_not_sure_gives_the_same_result_as_yes(answers: dict[str, Any], flag: str) -> None:
    unsure = evaluate({**answers, flag: "not_sure"})
    sure = evaluate({**answers, flag: "yes"})
    assert _comparable(unsure) == _comparable(sure)
    assert flag in unsure.not_sure


_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=10),
    st.lists(st.text(max_size=10), max_size=3),
    st.sampled_from(["yes", "no", "not_sure", "pregnant", "left", "calf"]),
)


@FAST
@given(valid_answers, st.data())
def test_values_for_hidden_questions_never_change_the_result(
    answers: dict[str, Any], data: st.DataObject
) -> None:
    hidden = sorted(set(QUESTIONS_BY_CODE) - set(visible_codes(answers)))
    noisy = dict(answers)
    for code in hidden:
        noisy[code] = data.draw(_ANY_VALUE, label=code)
    assert evaluate(noisy) == evaluate(answers)
    assert [p for p in validate(noisy) if p.code in hidden] == []


@FAST
@given(valid_answers)
def test_same_input_gives_the_same_output(answers: dict[str, Any]) -> None:
    first = evaluate(answers)
    second = evaluate(copy.deepcopy(answers))
    assert first == second
    assert first.to_dict() == second.to_dict()


def test_benchmark_generator_makes_valid_complete_answer_sets() -> None:
    import random

    from intake.triage.samples import random_answers

    rng = random.Random(2026)
    for _ in range(200):
        generated = random_answers(rng)
        assert validate(generated, complete=True) == []
        evaluate(generated)
