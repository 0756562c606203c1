"""Walking the patient journey with plain HTTP: used by tests and by bench/ scripts.

`vignette_answers()` is a regression vignette (tests/intake/triage/vignettes.json) as the web
form holds it; `step_post_data()` turns an answer set into exactly what the browser would post
for one page, so tests can fill in the form the way a patient does, field names being question
codes. The demo has its own copy of the vignettes in the app (intake/demo_cases.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake import steps, triage
from intake.demo import CONSENT, IDENTITY, complete_answers, identity_for
from intake.triage import QUESTIONS, AnswerType, Question
from intake.triage.catalogue import NONE_CHOICE
from tests.intake.triage.helpers import vignette_data

# The identities, consent and completion of answers are the demo's (intake/demo.py): one copy.
__all__ = [
    "CONSENT",
    "IDENTITY",
    "identity_for",
    "page_key",
    "step_post_data",
    "vignette_answers",
]


def vignette_answers(vignette_id: str | None = None) -> dict[str, Any]:
    """The vignettes' defaults, with one vignette's answers laid over them, completed as the web
    form needs them (age, sex, "None of these", the dent test: `intake.demo.complete_answers`)."""
    data = vignette_data()
    answers = dict(data["defaults"])
    if vignette_id is not None:
        answers.update(next(v for v in data["vignettes"] if v["id"] == vignette_id)["answers"])
    return complete_answers(answers)


def step_post_data(
    step_code: str,
    answers: Mapping[str, Any],
    identity: Mapping[str, Any] | None = None,
    action: str = "continue",
) -> dict[str, Any]:
    """The POST body for one page: question codes as field names, choice codes as values.

    `step_code` is the page's key, the address after /intake/<token>/ ("red_flags" for the
    safety check's first page, "red_flags/breathing" for another; "consent" for the check page).
    """
    data: dict[str, Any] = {"action": action}
    page = steps.PAGES_BY_KEY.get(step_code) or steps.STEPS_BY_CODE[step_code]
    if page.collects_identity:
        data.update({k: v for k, v in (identity or identity_for(answers)).items() if v is not None})
    for question in page.questions:
        value = answers.get(question.code)
        if value is None:
            continue
        data[question.code] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def page_key(question_code: str) -> str:
    """The key (address after /intake/<token>/) of the page that asks a question."""
    return steps.PAGE_OF_QUESTION[question_code].key


def answers_before(key: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """What a draft has saved when the patient reaches the page `key` having filled in every
    earlier page from `answers` (age comes with the identity details of the first page)."""
    keys = [p.key for p in steps.PAGES]
    earlier = keys[: keys.index(key)] if key in keys else keys
    codes = {q.code for k in earlier for q in steps.PAGES_BY_KEY[k].questions}
    saved = {q.code: answers.get(q.code) for q in QUESTIONS if q.code in codes}
    if steps.IDENTITY_STEP in earlier:
        saved["age_years"] = answers.get("age_years")
    return saved


def candidate_values(question: Question) -> list[Any]:
    """Every value a patient can give `question` on its own: each choice (one tick for a
    multi-choice question), each end of a number's range; nothing for free text."""
    if question.type is AnswerType.MULTI:
        return [[code] for code in question.choice_codes if code != NONE_CHOICE]
    if question.choices:
        return list(question.choice_codes)
    if question.type is AnswerType.SCALE_0_10:
        return list(range(11))
    if question.type is AnswerType.NUMBER:
        return [v for v in (question.min_value, question.max_value) if v is not None]
    return []


def lone_emergency_answers() -> list[tuple[str, str, Any]]:
    """(page, question, value) for every answer that, given alone on its page after the earlier
    pages were filled in with the vignettes' unremarkable defaults, fires an EMERGENCY rule that
    did not fire before. Derived from the catalogue and the rules, never written out by hand.
    `page` is the page's key (`step_post_data`)."""
    defaults = vignette_answers()
    found = []
    for page in steps.PAGES:
        before = answers_before(page.key, defaults)
        already = _emergency_rules(before)
        for question in page.questions:
            for value in candidate_values(question):
                if _emergency_rules({**before, question.code: value}) - already:
                    found.append((page.key, question.code, value))
    return found


def _emergency_rules(answers: Mapping[str, Any]) -> set[str]:
    result = triage.evaluate(answers)
    return {rule.code for rule in result.rules if rule.tier is triage.Tier.EMERGENCY}
