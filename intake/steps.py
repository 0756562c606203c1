"""The questionnaire's steps: which pages exist, in what order, and when each is done.

Built on the catalogue (`intake/triage/catalogue.py`), so no question is listed twice. Modelled
on pretix's checkout flow: small step objects that know whether they apply to the answers so far
and whether they are complete. Pure functions of the draft's answers and identity: no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from intake import triage
from intake.identity import IDENTITY_REQUIRED

StrOrPromise = Any  # a str, or a lazy translation that becomes one when rendered

IDENTITY_STEP = "about_you"
# Questions the web form works out itself instead of asking (age comes from the date of birth).
COMPUTED_QUESTIONS = frozenset({"age_years"})
# The last step's questions (consent) are asked on the check-your-answers page.
CONSENT_STEP = "consent"


@dataclass(frozen=True)
class FormStep:
    """One page of the questionnaire."""

    code: str
    title: StrOrPromise
    intro: StrOrPromise
    number: int
    questions: tuple[triage.Question, ...] = ()  # what the page asks (computed ones left out)

    @property
    def collects_identity(self) -> bool:
        return self.code == IDENTITY_STEP

    def applies(self, answers: Mapping[str, object], shown: set[str] | None = None) -> bool:
        """A step whose questions are all hidden is skipped (the identity step never is)."""
        if self.collects_identity:
            return True
        if shown is None:
            shown = set(triage.visible_codes(answers))
        return any(q.code in shown for q in self.questions)


STEPS: tuple[FormStep, ...] = tuple(
    # Titles are translated when shown (lazily), like every catalogue text.
    FormStep(
        code=s.code,
        title=gettext_lazy(s.title),
        intro=gettext_lazy(s.intro),
        number=i,
        questions=tuple(
            q for q in triage.questions_for_step(s.code) if q.code not in COMPUTED_QUESTIONS
        ),
    )
    for i, s in enumerate(triage.STEPS, start=1)
)
STEPS_BY_CODE: Mapping[str, FormStep] = {s.code: s for s in STEPS}
# Pages with their own URL before the check page; consent is part of the check page.
QUESTION_STEPS: tuple[FormStep, ...] = tuple(s for s in STEPS if s.code != CONSENT_STEP)
_ORDER = {s.code: i for i, s in enumerate(QUESTION_STEPS)}


@dataclass(frozen=True)
class Progress:
    """Where a draft stands: the pages this patient sees and the ones not yet complete.

    Worked out with one visibility pass and one `validate()` over the whole catalogue, because
    every questionnaire request needs it (it runs on every page view and save).
    """

    pages: tuple[FormStep, ...]
    incomplete: frozenset[str]

    @property
    def first_incomplete(self) -> FormStep | None:
        return next((p for p in self.pages if p.code in self.incomplete), None)

    def next_after(self, code: str) -> FormStep | None:
        position = _ORDER.get(code, -1)
        return next((p for p in self.pages if _ORDER[p.code] > position), None)

    def before(self, code: str) -> FormStep | None:
        position = _ORDER.get(code, len(_ORDER))
        earlier = [p for p in self.pages if _ORDER[p.code] < position]
        return earlier[-1] if earlier else None


def progress(
    answers: Mapping[str, object], identity: Mapping[str, object], *, pages_only: bool = False
) -> Progress:
    """The pages and the incomplete ones; `pages_only` skips the validation (cheaper)."""
    shown = set(triage.visible_codes(answers))
    pages = tuple(s for s in QUESTION_STEPS if s.applies(answers, shown))
    if pages_only:
        return Progress(pages=pages, incomplete=frozenset())
    incomplete = {
        triage.QUESTIONS_BY_CODE[p.code].step
        for p in triage.validate(answers, complete=True, shown=shown)
        if p.code in triage.QUESTIONS_BY_CODE
    }
    if any(not identity.get(f) for f in IDENTITY_REQUIRED):
        incomplete.add(IDENTITY_STEP)
    return Progress(pages=pages, incomplete=frozenset(incomplete))


def applicable_steps(answers: Mapping[str, object]) -> list[FormStep]:
    """The question pages this patient sees, in order."""
    shown = set(triage.visible_codes(answers))
    return [s for s in QUESTION_STEPS if s.applies(answers, shown)]


def first_incomplete(
    answers: Mapping[str, object], identity: Mapping[str, object]
) -> FormStep | None:
    """The first page still to fill in, or None when the check page can be shown."""
    return progress(answers, identity).first_incomplete


def next_step(code: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page after `code`, or None after the last one (then: check page)."""
    return progress(answers, {}, pages_only=True).next_after(code)


def previous_step(code: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page before `code`, or None on the first page."""
    return progress(answers, {}, pages_only=True).before(code)
