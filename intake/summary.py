"""Readable answers: question wording and answer labels, grouped by step, from the catalogue.

Used by the check-your-answers page, the confirmation page and the staff admin's case page, so
every place shows answers the same way. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from intake import steps, triage
from intake.identity import IDENTITY_FIELDS, IDENTITY_HELPER_LABELS, IDENTITY_LABELS
from intake.models import ContactMethod
from intake.triage import AnswerType, Question
from intake.triage.catalogue import NOT_SURE


@dataclass(frozen=True)
class Row:
    """One answer: what was asked, what was answered, and where to change it."""

    code: str
    question: str
    answer: str
    provided: bool
    not_sure: bool = False


@dataclass(frozen=True)
class StepSummary:
    step: steps.FormStep
    rows: list[Row] = field(default_factory=list)


# Catalogue texts (question wordings, answer labels) in each language, as gettext gave them.
_TRANSLATED: dict[str | None, dict[str, str]] = {}


def _catalogue_gettext() -> Callable[[str], str]:
    """gettext for the catalogue's texts, remembered per language: a summary asks for about
    170 of them, each through gettext's chain of fallback catalogues (three quarters of the
    time a summary took). The texts are the catalogue's, so the memo is bounded by it."""
    memo = _TRANSLATED.setdefault(get_language(), {})

    def translated(text: str) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = _(text)
        return found

    return translated


def answer_label(question: Question, value: object, translated: Callable[[str], str] = _) -> str:
    """The patient-facing text of a stored answer ("" when unanswered)."""
    if value is None or value == [] or value == "":
        return ""
    if question.type is AnswerType.MULTI and isinstance(value, list):
        return ", ".join(translated(question.label_for(v)) for v in value)
    if question.choices:
        return translated(question.label_for(value))
    if question.code == "calf_difference_cm":
        return _("%(n)s cm") % {"n": value}
    return str(value)


def _identity_rows(identity: Mapping[str, object], *, helper: bool = False) -> list[Row]:
    rows = []
    contact_methods = dict(ContactMethod.choices)
    for name in IDENTITY_FIELDS:
        value = identity.get(name)
        text = str(value) if value else ""
        if name == "date_of_birth" and value:
            # Shown as people write it (27 March 1980), not as stored (1980-03-27).
            text = date_format(dt.date.fromisoformat(str(value)), "j F Y")
        if name == "preferred_contact" and value:
            text = str(contact_methods.get(str(value), text))
        label = str((helper and IDENTITY_HELPER_LABELS.get(name)) or IDENTITY_LABELS[name])
        rows.append(Row(code=name, question=label, answer=text, provided=bool(text)))
    return rows


def summarise(
    answers: Mapping[str, object],
    identity: Mapping[str, object] | None = None,
    *,
    include_consent: bool = False,
    helper: bool = False,
) -> list[StepSummary]:
    """Every visible question of every applicable step, with its answer or "not provided".

    With `identity` None (staff pages show identity elsewhere) step 1 lists its questions only.
    `helper`: the questions as someone filling in the form for the patient was asked them (the
    third-person wording, issue 19), for that person's own check and confirmation pages.
    """
    shown = set(triage.visible_codes(answers))
    translated = _catalogue_gettext()
    pages = steps.applicable_steps(answers)
    if include_consent:
        pages.append(steps.STEPS_BY_CODE[steps.CONSENT_STEP])
    result = []
    for page in pages:
        rows = (
            _identity_rows(identity, helper=helper)
            if page.collects_identity and identity is not None
            else []
        )
        for question in page.questions:
            if question.code not in shown:
                continue
            value = answers.get(question.code)
            text = answer_label(question, value, translated)
            rows.append(
                Row(
                    code=question.code,
                    question=translated(
                        question.helper_text if helper and question.helper_text else question.text
                    ),
                    answer=text,
                    provided=bool(text),
                    not_sure=value == NOT_SURE and question.type is AnswerType.YES_NO_UNSURE,
                )
            )
        result.append(StepSummary(step=page, rows=rows))
    return result
