"""The Questionnaire made from the catalogue: every question, with its code, wording, type,
answer options, `required`, and its show-if condition as enableWhen; versioned with the ruleset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from django.test import override_settings
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import HealthCheck, given, settings

from intake.demo import demo_cases
from intake.handover.fhir import systems
from intake.handover.fhir.questionnaire import Unmappable, build_questionnaire, enable_when
from intake.triage import (
    QUESTIONS,
    RULESET_VERSION,
    STEPS,
    All,
    AnswerType,
    Eq,
    In,
    Ne,
    visible_codes,
)
from tests.intake.triage.helpers import valid_answers

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ITEM_TYPES = {
    AnswerType.YES_NO: "choice",
    AnswerType.YES_NO_UNSURE: "choice",
    AnswerType.SINGLE: "choice",
    AnswerType.MULTI: "choice",
    AnswerType.SCALE_0_10: "integer",
    AnswerType.NUMBER: "integer",
}


def questionnaire_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(build_questionnaire().model_dump_json())
    return data


def items_by_link_id(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for group in data["item"]:
        found[group["linkId"]] = group
        for item in group.get("item", []):
            found[item["linkId"]] = item
    return found


def test_the_questionnaire_validates_and_survives_a_round_trip() -> None:
    data = questionnaire_json()
    again = Questionnaire.model_validate(data)
    assert json.loads(again.model_dump_json()) == data
    assert data["resourceType"] == "Questionnaire"
    assert data["status"] == "active"


def test_it_is_versioned_with_the_ruleset() -> None:
    data = questionnaire_json()
    assert data["version"] == RULESET_VERSION
    assert data["id"] == f"leg-intake-{RULESET_VERSION}"
    assert data["url"] == systems.questionnaire_url()


@override_settings(CLINIC_FHIR_CANONICAL_BASE="https://clinic.example.org/fhir")
def test_its_urls_start_with_the_clinics_canonical_base() -> None:
    data = questionnaire_json()
    assert data["url"] == "https://clinic.example.org/fhir/Questionnaire/leg-intake"
    option = items_by_link_id(data)["rf_fainted"]["answerOption"][0]["valueCoding"]
    assert option["system"] == "https://clinic.example.org/fhir/CodeSystem/leg-intake-answers"


def test_each_page_is_a_group_of_its_questions_in_the_forms_order() -> None:
    data = questionnaire_json()
    assert [group["linkId"] for group in data["item"]] == [step.code for step in STEPS]
    for group in data["item"]:
        assert group["type"] == "group"
        assert [item["linkId"] for item in group["item"]] == [
            q.code for q in QUESTIONS if q.step == group["linkId"]
        ]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.code)
def test_every_question_is_an_item_with_its_code_text_type_and_options(question: Any) -> None:
    item = items_by_link_id(questionnaire_json())[question.code]
    assert item["code"][0] == {
        "system": systems.code_system(systems.QUESTIONS),
        "code": question.code,
        **({"display": question.instrument} if question.instrument else {}),
    }
    assert item["text"] == question.text
    assert item["required"] is question.required
    assert item.get("repeats", False) is (question.type is AnswerType.MULTI)
    if question.type is AnswerType.TEXT:
        assert item["type"] in ("string", "text")
        assert item["maxLength"] == question.max_length
    else:
        assert item["type"] == ITEM_TYPES[question.type]
    options = [option["valueCoding"] for option in item.get("answerOption", [])]
    assert [option["code"] for option in options] == list(question.choice_codes)
    assert {option["system"] for option in options} <= {systems.code_system(systems.ANSWERS)}
    assert [option["display"] for option in options] == [c.label for c in question.choices]
    bounds = {ext["url"]: ext["valueInteger"] for ext in item.get("extension", [])}
    if question.min_value is not None:
        assert bounds[systems.MIN_VALUE] == question.min_value
        assert bounds[systems.MAX_VALUE] == question.max_value
    assert ("enableWhen" in item) is (question.show_if is not None)


def test_none_of_these_excludes_the_other_ticks() -> None:
    item = items_by_link_id(questionnaire_json())["skin_changes"]
    exclusive = [
        option["valueCoding"]["code"]
        for option in item["answerOption"]
        if option.get("extension") == [{"url": systems.OPTION_EXCLUSIVE, "valueBoolean": True}]
    ]
    assert exclusive == ["none"]


# --- enableWhen means what show-if means --------------------------------------------------------


def _answers_of(item: Mapping[str, Any], answers: Mapping[str, Any]) -> list[Any]:
    value = answers.get(item["linkId"])
    values = value if isinstance(value, list) else [value]
    return [v for v in values if v is not None and v != ""]


def _holds(condition: Mapping[str, Any], given: list[Any]) -> bool:
    """One enableWhen, as FHIR R4 defines it, over the question's answers (codes or numbers)."""
    operator = condition["operator"]
    if operator == "exists":
        return bool(given) is condition["answerBoolean"]
    expected = (
        condition["answerCoding"]["code"]
        if "answerCoding" in condition
        else condition["answerInteger"]
    )
    if operator == "!=":  # no answer equals it
        return not any(a == expected for a in given)
    if operator == ">=":
        return any(a >= expected for a in given)
    if operator == "<=":
        return any(a <= expected for a in given)
    assert operator == "="
    return any(a == expected for a in given)


def fhir_enabled(data: Mapping[str, Any], answers: Mapping[str, Any]) -> set[str]:
    """The question items a FHIR form filler enables: in order, a disabled question counting as
    unanswered (R4: "as though the item is not valued")."""
    enabled: set[str] = set()
    effective: dict[str, Any] = {}
    for group in data["item"]:
        for item in group["item"]:
            conditions = item.get("enableWhen")
            on = True
            if conditions:
                results = [
                    _holds(c, _answers_of({"linkId": c["question"]}, effective)) for c in conditions
                ]
                on = any(results) if item.get("enableBehavior") == "any" else all(results)
            if on:
                enabled.add(item["linkId"])
                effective[item["linkId"]] = answers.get(item["linkId"])
    return enabled


@FAST
@given(valid_answers)
def test_enable_when_enables_exactly_the_questions_show_if_shows(answers: dict[str, Any]) -> None:
    assert fhir_enabled(questionnaire_json(), answers) == set(visible_codes(answers))


@pytest.mark.parametrize("case", demo_cases(), ids=lambda c: c.id)
def test_enable_when_agrees_with_show_if_on_every_demo_case(case: Any) -> None:
    assert fhir_enabled(questionnaire_json(), case.answers) == set(visible_codes(case.answers))


def test_not_equal_also_needs_an_answer() -> None:
    # Our Ne is false while the question is unanswered (§2.3); FHIR's != alone would be true.
    conditions, behaviour = enable_when(Ne("leg_swollen", "no"))
    assert behaviour == "all"
    assert [c["operator"] for c in conditions] == ["exists", "!="]


def test_a_condition_fhir_cannot_say_is_refused_not_guessed() -> None:
    # (a or b) and c, where c is not implied by the question a and b read.
    with pytest.raises(Unmappable):
        enable_when(All(In("swelling_side", ("left", "right")), Eq("wound_present", "yes")))
