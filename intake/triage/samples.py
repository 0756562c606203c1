"""Valid example answers generated from the catalogue, for property tests and the benchmark.

Kept next to the catalogue so that the test strategy (hypothesis, in tests/) and the benchmark
(seeded ``random``, in bench/) draw from the same definition of "a valid answer" and cannot
drift apart when a question is added. Never used to triage a real patient.
"""

from __future__ import annotations

import random

from intake.triage.catalogue import NO, NONE_CHOICE, QUESTIONS, YES, AnswerType, Question

__all__ = ["EXAMPLE_PHONE", "EXAMPLE_TEXT", "multi_options", "random_answers", "scalar_domain"]

EXAMPLE_TEXT = ("", "Aching left calf.", "Ramipril 5 mg, metformin 500 mg")
EXAMPLE_PHONE = ("07700 900123", "+44 20 7946 0000")


def scalar_domain(question: Question) -> tuple[object, ...] | range:
    """Every valid stored value of a non-multi question (a range for numbers).

    Must-be-yes questions only allow "yes"; text is drawn from a few short examples.
    """
    kind = question.type
    if kind in (AnswerType.NUMBER, AnswerType.SCALE_0_10):
        lo = 0 if question.min_value is None else question.min_value
        hi = lo + 100 if question.max_value is None else question.max_value
        return range(lo, hi + 1)
    if kind is AnswerType.TEXT:
        return EXAMPLE_PHONE if question.text_format == "phone" else EXAMPLE_TEXT
    if kind is AnswerType.DATE:
        return ("2026-01-01", "2026-11-21")
    if question.must_be_yes:
        return (YES,)
    return question.choice_codes


def multi_options(question: Question) -> tuple[str, ...]:
    """The choices of a multi question that may be ticked together (everything but ``none``)."""
    return tuple(code for code in question.choice_codes if code != NONE_CHOICE)


def random_answers(
    rng: random.Random, *, blank_optional: float = 0.2, red_flag_rate: float = 0.1
) -> dict[str, object]:
    """A random valid answer set: every question answered, optional ones sometimes None.

    Hidden questions get values too (the engine must ignore them), so every branch of the
    catalogue is exercised. ``blank_optional`` is the chance an optional question is left blank;
    ``red_flag_rate`` the chance each red-flag question gets a random (often positive) answer
    rather than "no" / "none", so that not every generated patient is an emergency.
    """
    answers: dict[str, object] = {}
    for question in QUESTIONS:
        if not question.required and rng.random() < blank_optional:
            answers[question.code] = None
        elif (
            question.step == "red_flags"
            and question.required
            and (question.type is AnswerType.MULTI or NO in question.choice_codes)
            and rng.random() >= red_flag_rate
        ):
            # Quiet: "no" / "none". rf_numb_weak_onset has no quiet answer: it is only asked
            # after new numbness, so it gets a random choice below.
            quiet = [NONE_CHOICE] if question.type is AnswerType.MULTI else NO
            answers[question.code] = quiet
        elif question.type is AnswerType.MULTI:
            options = multi_options(question)
            if question.exclusive_none and rng.random() < 0.3:
                answers[question.code] = [NONE_CHOICE]
            else:
                low = 1 if question.required or not question.exclusive_none else 0
                count = rng.randint(low, min(3, len(options)))
                answers[question.code] = rng.sample(options, count)
        else:
            domain = scalar_domain(question)
            answers[question.code] = rng.choice(domain)
    return answers
