"""The questionnaire's steps and pages: which exist, in what order, and when each is done.

Built on the catalogue (`intake/triage/catalogue.py`), so no question is listed twice. Modelled
on pretix's checkout flow: small step objects that know whether they apply to the answers so far
and whether they are complete. Pure functions of the draft's answers and identity: no database.

A step is one page, or several short ones (issue 19: the safety check, `red_flags`, is asked a
few questions at a time; the catalogue says which page each question is on). `STEPS` are the
whole steps (the check page's sections, "Step N of M"); `PAGES` are the pages a patient fills
in, each with its own address: `key` is what follows /intake/<token>/ ("red_flags" for the
safety check's first page, as before the split, then "red_flags/breathing" and so on).
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
    """One step of the questionnaire, or one short page of a step shown as several.

    For a whole step `page` is "" and `questions` are all of the step's; for one of its short
    pages, `page` is the page's code, `page_title` its title, `page_number` its place among the
    step's pages (1-based) and `questions` the page's own.
    """

    code: str
    title: StrOrPromise
    intro: StrOrPromise
    number: int
    questions: tuple[triage.Question, ...] = ()  # what the page asks (computed ones left out)
    page: str = ""
    page_title: StrOrPromise = ""
    page_number: int = 1

    @property
    def collects_identity(self) -> bool:
        return self.code == IDENTITY_STEP

    @property
    def key(self) -> str:
        """The page's address after /intake/<token>/: the step code for a step's first page
        (the address the step had before it was split, which links and bookmarks still use),
        "<step>/<page>" for the others."""
        return self.code if self.page_number == 1 else f"{self.code}/{self.page}"

    @property
    def heading(self) -> StrOrPromise:
        """The page's title: its own on a short page of a step, else the step's."""
        return self.page_title or self.title

    def applies(self, answers: Mapping[str, object], shown: set[str] | None = None) -> bool:
        """A page whose questions are all hidden is skipped (the identity step never is)."""
        if self.collects_identity:
            return True
        if shown is None:
            shown = set(triage.visible_codes(answers))
        return any(q.code in shown for q in self.questions)


def _asked(step_code: str) -> tuple[triage.Question, ...]:
    return tuple(
        q for q in triage.questions_for_step(step_code) if q.code not in COMPUTED_QUESTIONS
    )


STEPS: tuple[FormStep, ...] = tuple(
    # Titles are translated when shown (lazily), like every catalogue text.
    FormStep(
        code=s.code,
        title=gettext_lazy(s.title),
        intro=gettext_lazy(s.intro),
        number=i,
        questions=_asked(s.code),
    )
    for i, s in enumerate(triage.STEPS, start=1)
)
STEPS_BY_CODE: Mapping[str, FormStep] = {s.code: s for s in STEPS}
# Steps with pages of their own before the check page; consent is part of the check page.
QUESTION_STEPS: tuple[FormStep, ...] = tuple(s for s in STEPS if s.code != CONSENT_STEP)


def _pages_of(step: FormStep) -> tuple[FormStep, ...]:
    """The step's short pages, in catalogue order, or the step itself if it is one page."""
    pages = triage.STEP_PAGES.get(step.code)
    if not pages:
        return (step,)
    return tuple(
        FormStep(
            code=step.code,
            title=step.title,
            intro=step.intro,
            number=step.number,
            questions=tuple(q for q in step.questions if q.page == page.code),
            page=page.code,
            page_title=gettext_lazy(page.title),
            page_number=n,
        )
        for n, page in enumerate(pages, start=1)
    )


# Every page with its own address, in the order they are filled in.
PAGES: tuple[FormStep, ...] = tuple(p for s in QUESTION_STEPS for p in _pages_of(s))
PAGES_BY_KEY: Mapping[str, FormStep] = {p.key: p for p in PAGES}
# The pages of each step, by step code and page code (the first page also under "").
_STEP_PAGES: Mapping[tuple[str, str], FormStep] = {
    **{(p.code, p.page): p for p in PAGES},
    **{(p.code, ""): p for p in PAGES if p.page_number == 1},
}
# The page each question is asked on (consent's are on the check page, so not listed).
PAGE_OF_QUESTION: Mapping[str, FormStep] = {q.code: p for p in PAGES for q in p.questions}
_ORDER = {p.key: i for i, p in enumerate(PAGES)}


def page_for(step_code: str, page_code: str = "") -> FormStep | None:
    """The page of `step_code` called `page_code` (its first page for ""), or None."""
    return _STEP_PAGES.get((step_code, page_code))


def is_before(page: FormStep, other: FormStep) -> bool:
    """Whether `page` comes before `other` in the questionnaire."""
    return _ORDER[page.key] < _ORDER[other.key]


@dataclass(frozen=True)
class Progress:
    """Where a draft stands: the pages this patient sees and the ones not yet complete.

    Worked out with one visibility pass and one `validate()` over the whole catalogue, because
    every questionnaire request needs it (it runs on every page view and save).
    """

    pages: tuple[FormStep, ...]
    incomplete: frozenset[str]  # page keys

    @property
    def first_incomplete(self) -> FormStep | None:
        return next((p for p in self.pages if p.key in self.incomplete), None)

    def next_after(self, key: str) -> FormStep | None:
        position = _ORDER.get(key, -1)
        return next((p for p in self.pages if _ORDER[p.key] > position), None)

    def before(self, key: str) -> FormStep | None:
        position = _ORDER.get(key, len(_ORDER))
        earlier = [p for p in self.pages if _ORDER[p.key] < position]
        return earlier[-1] if earlier else None

    @property
    def step_codes(self) -> tuple[str, ...]:
        """The steps this patient sees, in order (each once, however many pages it has)."""
        return tuple(dict.fromkeys(p.code for p in self.pages))

    def pages_of(self, step_code: str) -> tuple[FormStep, ...]:
        """The pages of one step this patient sees, in order."""
        return tuple(p for p in self.pages if p.code == step_code)

    @property
    def step_count(self) -> int:
        """ "Step N of M"'s M: the steps this patient sees, and check and send (issue 19)."""
        return len(self.step_codes) + 1

    def step_number(self, step_code: str) -> int:
        """ "Step N of M"'s N for `step_code` (a short page counts as its step; the check page,
        or any step not shown, as the last one: check and send)."""
        codes = self.step_codes
        return codes.index(step_code) + 1 if step_code in codes else len(codes) + 1


def progress(
    answers: Mapping[str, object], identity: Mapping[str, object], *, pages_only: bool = False
) -> Progress:
    """The pages and the incomplete ones; `pages_only` skips the validation (cheaper)."""
    shown = set(triage.visible_codes(answers))
    pages = tuple(p for p in PAGES if p.applies(answers, shown))
    if pages_only:
        return Progress(pages=pages, incomplete=frozenset())
    incomplete = {
        PAGE_OF_QUESTION[p.code].key
        for p in triage.validate(answers, complete=True, shown=shown)
        if p.code in PAGE_OF_QUESTION
    }
    if any(not identity.get(f) for f in IDENTITY_REQUIRED):
        incomplete.add(IDENTITY_STEP)  # the key of its one page
    return Progress(pages=pages, incomplete=frozenset(incomplete))


def applicable_steps(answers: Mapping[str, object]) -> list[FormStep]:
    """The whole steps this patient sees, in order (a step with any page shown)."""
    shown = set(triage.visible_codes(answers))
    return [s for s in QUESTION_STEPS if s.applies(answers, shown)]


def first_incomplete(
    answers: Mapping[str, object], identity: Mapping[str, object]
) -> FormStep | None:
    """The first page still to fill in, or None when the check page can be shown."""
    return progress(answers, identity).first_incomplete


def next_step(key: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page after the page `key`, or None after the last one (then: check)."""
    return progress(answers, {}, pages_only=True).next_after(key)


def previous_step(key: str, answers: Mapping[str, object]) -> FormStep | None:
    """The applicable page before the page `key`, or None on the first page."""
    return progress(answers, {}, pages_only=True).before(key)
