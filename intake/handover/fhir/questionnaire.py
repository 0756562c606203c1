"""The Questionnaire: the question catalogue (intake/triage/catalogue.py) as FHIR, one version
per ruleset (its id is leg-intake-<RULESET_VERSION>).

Each page of the form is a `group` item (linkId: the step's code) holding its questions in
order. Each question is an item whose linkId is the question's code, with its wording, its type
(choices as `choice` items whose answer options are Codings of the `leg-intake-answers` code
system, numbers and 0-10 scales as `integer`, free text as `string` or `text`), `required`,
`repeats` for "tick all that apply", and `enableWhen` from its show-if condition.

Show-if conditions map to enableWhen as follows (docs/integration.md has the table):
- Eq(q, v): one `=`;
- Ne(q, v): `exists true` and `!=`, with enableBehavior `all` (our Ne is false while q is
  unanswered; FHIR's `!=` alone would be true then);
- In(q, values): one `=` per value, enableBehavior `any`;
- Between(q, lo, hi): `>=` lo and `<=` hi, enableBehavior `all`;
- All(...): the parts' conditions together with `all`. A part that only repeats the show-if of
  the question another part reads is dropped: in FHIR, as in our engine, a disabled question
  counts as unanswered, so the other part already implies it. That is what lets
  `calf_difference_cm` (leg swollen, and swelling on one side) be one `any` of two `=`.
Anything else (an All that would need both `any` and `all`) raises `Unmappable`: the test over
the whole catalogue fails, rather than a question appearing when it should not.

Not expressed in core FHIR, so left out: "must be yes" (privacy, consent: `required` only), the
hints, and the wording addressed to a helper.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from fhir.resources.R4B.questionnaire import Questionnaire

from intake import steps
from intake.handover.fhir import systems
from intake.triage import (
    QUESTIONS_BY_CODE,
    RULESET_VERSION,
    STEPS,
    All,
    AnswerType,
    Between,
    Condition,
    Eq,
    In,
    Ne,
    Question,
    questions_for_step,
)
from intake.triage.catalogue import NONE_CHOICE

# Free text up to this long is a FHIR `string` (one line); longer is `text`.
STRING_MAX = 100


class Unmappable(ValueError):
    """A show-if condition core FHIR enableWhen cannot say."""


def item_type(question: Question) -> str:
    """The FHIR item type of a catalogue question."""
    if question.choices:
        return "choice"
    if question.type in (AnswerType.NUMBER, AnswerType.SCALE_0_10):
        return "integer"
    if question.type is AnswerType.DATE:
        return "date"
    return "string" if (question.max_length or 0) <= STRING_MAX else "text"


def answer_value(question: Question, value: object) -> dict[str, Any]:
    """`answer[x]` / `value[x]` for a stored value of `question` (a choice code, a number)."""
    if question.choices:
        display = gettext(question.label_for(value))
        return {"Coding": systems.coding(systems.ANSWERS, str(value), display)}
    if item_type(question) == "integer":
        return {"Integer": value}
    if question.type is AnswerType.DATE:
        return {"Date": value}
    return {"String": str(value)}


def _compare(code: str, operator: str, value: object) -> dict[str, Any]:
    question = QUESTIONS_BY_CODE[code]
    [(kind, answer)] = answer_value(question, value).items()
    if kind == "Coding":
        answer = {k: v for k, v in answer.items() if k != "display"}
    return {"question": code, "operator": operator, f"answer{kind}": answer}


def _exists(code: str) -> dict[str, Any]:
    return {"question": code, "operator": "exists", "answerBoolean": True}


def _implied(part: Condition, others: list[Condition]) -> bool:
    """True when another part reads a question that is only shown when `part` holds."""
    for other in others:
        for code in other.codes():
            shown_if = QUESTIONS_BY_CODE[code].show_if
            if shown_if == part or (isinstance(shown_if, All) and part in shown_if.conditions):
                return True
    return False


def enable_when(condition: Condition) -> tuple[list[dict[str, Any]], str | None]:
    """(enableWhen, enableBehavior) for a show-if condition; behaviour None for a single one."""
    if isinstance(condition, Eq):
        return [_compare(condition.code, "=", condition.value)], None
    if isinstance(condition, Ne):
        return [_exists(condition.code), _compare(condition.code, "!=", condition.value)], "all"
    if isinstance(condition, In):
        found = [_compare(condition.code, "=", value) for value in condition.values]
        return found, ("any" if len(found) > 1 else None)
    if isinstance(condition, Between):
        return [
            _compare(condition.code, ">=", condition.lo),
            _compare(condition.code, "<=", condition.hi),
        ], "all"
    if isinstance(condition, All):
        return _all(condition)
    raise Unmappable(f"no enableWhen for {condition!r}")


def _all(condition: All) -> tuple[list[dict[str, Any]], str | None]:
    parts = list(condition.conditions)
    kept = [p for p in parts if not _implied(p, [o for o in parts if o is not p])]
    mapped = [enable_when(part) for part in kept]
    if len(mapped) == 1:
        return mapped[0]
    if any(behaviour == "any" for _found, behaviour in mapped):
        raise Unmappable(f"{condition!r} needs both 'any' and 'all'")
    return [each for found, _behaviour in mapped for each in found], "all"


def _options(question: Question) -> list[dict[str, Any]]:
    options = []
    for choice in question.choices:
        option: dict[str, Any] = {
            "valueCoding": systems.coding(systems.ANSWERS, choice.code, gettext(choice.label))
        }
        if question.exclusive_none and choice.code == NONE_CHOICE:
            option["extension"] = [{"url": systems.OPTION_EXCLUSIVE, "valueBoolean": True}]
        options.append(option)
    return options


def _bounds(question: Question) -> list[dict[str, Any]]:
    bounds = []
    if question.min_value is not None:
        bounds.append({"url": systems.MIN_VALUE, "valueInteger": question.min_value})
    if question.max_value is not None:
        bounds.append({"url": systems.MAX_VALUE, "valueInteger": question.max_value})
    return bounds


def question_item(question: Question) -> dict[str, Any]:
    """One question of the catalogue as a Questionnaire item."""
    item: dict[str, Any] = {
        "linkId": question.code,
        "code": [systems.coding(systems.QUESTIONS, question.code, question.instrument)],
        "text": gettext(question.text),
        "type": item_type(question),
        "required": question.required,
    }
    if question.type is AnswerType.MULTI:
        item["repeats"] = True
    if question.code in steps.COMPUTED_QUESTIONS:
        item["readOnly"] = True  # worked out from the date of birth, not asked
    if question.choices:
        item["answerOption"] = _options(question)
    if item["type"] in ("string", "text") and question.max_length:
        item["maxLength"] = question.max_length
    if bounds := _bounds(question):
        item["extension"] = bounds
    if question.show_if is not None:
        conditions, behaviour = enable_when(question.show_if)
        item["enableWhen"] = conditions
        if behaviour:
            item["enableBehavior"] = behaviour
    return item


def questionnaire_data() -> dict[str, Any]:
    """The Questionnaire as FHIR JSON, texts in the clinic's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "resourceType": "Questionnaire",
            "id": systems.questionnaire_id(RULESET_VERSION),
            "url": systems.questionnaire_url(),
            "version": RULESET_VERSION,
            "name": "LegIntake",
            "title": gettext("Leg problem intake"),
            "status": "active",
            "subjectType": ["Patient"],
            "publisher": settings.CLINIC_NAME,
            "description": gettext(
                "The questions of the clinic's online form for leg problems, under triage "
                "ruleset %(version)s. Each item's linkId is the question's code."
            )
            % {"version": RULESET_VERSION},
            "item": [
                {
                    "linkId": step.code,
                    "text": gettext(step.title),
                    "type": "group",
                    "item": [question_item(q) for q in questions_for_step(step.code)],
                }
                for step in STEPS
            ],
        }


def build_questionnaire() -> Questionnaire:
    """The current Questionnaire, validated (built once per canonical base and language)."""
    return _built(systems.canonical_base(), settings.LANGUAGE_CODE)


@cache
def _built(base: str, language: str) -> Questionnaire:
    return Questionnaire.model_validate(questionnaire_data())
