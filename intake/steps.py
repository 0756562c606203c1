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

StrOrPromise = Any  # a str, or a lazy translation that becomes one when rendered

# Step 1 also collects who the patient is; these live on the Patient record, not in the answers.
IDENTITY_REQUIRED = ("full_name", "date_of_birth", "email", "phone", "preferred_contact")
IDENTITY_OPTIONAL = ("gp_practice", "nhs_number")
IDENTITY_FIELDS = IDENTITY_REQUIRED + IDENTITY_OPTIONAL
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

    @property
    def questions(self) -> tuple[triage.Question, ...]:
        """The catalogue questions this page asks (computed ones left out)."""
        return tuple(
            q for q in triage.questions_for_step(self.code) if q.code not in COMPUTED_QUESTIONS
        )

    @property
    def collects_identity(self) -> bool:
        return self.code == IDENTITY_STEP

    def applies(self, answers: Mapping[str, object]) -> bool:
        """A step whose questions are all hidden is skipped (the identity step never is)."""
        if self.collects_identity:
            return True
        shown = set(triage.visible_codes(answers))
        return any(q.code in shown for q in self.questions)

    def is_complete(self, answers: Mapping[str, object], identity: Mapping[str, object]) -> bool:
        """Every required visible question answered validly (and identity given, on step 1)."""
        if self.collects_identity and any(not identity.get(f) for f in IDENTITY_REQUIRED):
            return False
        problems = triage.validate(answers, complete=True, steps=[self.code])
        own = {q.code for q in triage.questions_for_step(self.code)}
        return not any(p.code in own for p in problems)


STEPS: tuple[FormStep, ...] = tuple(
    # Titles are translated when shown (lazily), like every catalogue text.
    FormStep(code=s.code, title=gettext_lazy(s.title), intro=gettext_lazy(s.intro), number=i)
    for i, s in enumerate(triage.STEPS, start=1)
)
STEPS_BY_CODE: Mapping[str, FormStep] = {s.code: s for s in STEPS}
# Pages with their own URL before the check page; consent is part of the check page.
QUESTION_STEPS: tuple[FormStep, ...] = tuple(s for s in STEPS if s.code != CONSENT_STEP)


def applicable_steps(answers: Mapping[str, object]) -> list[FormStep]:
    """The question pages this patient sees, in order."""
    return [s for s in QUESTION_STEPS if s.applies(answers)]


def first_incomplete(
    answers: Mapping[str, object], identity: Mapping[str, object]
) -> FormStep | None:
    """The first page still to fill in, or None when the check page can be shown."""
    for step in applicable_steps(answers):
        if not step.is_complete(answers, identity):
            return step
    return None


def next_step(code: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page after `code`, or None after the last one (then: check page)."""
    pages = applicable_steps(answers)
    codes = [s.code for s in pages]
    if code in codes:
        index = codes.index(code)
        return pages[index + 1] if index + 1 < len(pages) else None
    order = [s.code for s in QUESTION_STEPS]
    position = order.index(code) if code in order else -1
    return next((s for s in pages if order.index(s.code) > position), None)


def previous_step(code: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page before `code`, or None on the first page."""
    order = [s.code for s in QUESTION_STEPS]
    position = order.index(code) if code in order else len(order)
    earlier = [s for s in applicable_steps(answers) if order.index(s.code) < position]
    return earlier[-1] if earlier else None
