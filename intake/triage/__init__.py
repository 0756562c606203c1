"""Clinical core of the leg-pain intake: the question catalogue, the triage rules and the engine.

Pure Python by design (a test enforces it): no Django, ORM, settings, clock or I/O, so the same
answers always give the same triage, the rules can be tested in milliseconds, and the logic can
be reviewed and signed off on its own. See docs/triage.md.
"""

from intake.triage.catalogue import (
    QUESTIONS,
    QUESTIONS_BY_CODE,
    STEP_PAGES,
    STEPS,
    STEPS_BY_CODE,
    AnswerType,
    Choice,
    Page,
    Question,
    Step,
    is_visible,
    questions_for_step,
    visible_codes,
)
from intake.triage.conditions import All, Between, Condition, Eq, In, Ne
from intake.triage.derive import derive, normalise
from intake.triage.engine import (
    FiredRule,
    PatientMessage,
    Problem,
    TriageResult,
    evaluate,
    patient_message,
    validate,
)
from intake.triage.rules import RULES, RULES_BY_CODE, RULESET_VERSION, Rule, Tier

__all__ = [
    "QUESTIONS",
    "QUESTIONS_BY_CODE",
    "RULES",
    "RULESET_VERSION",
    "RULES_BY_CODE",
    "STEPS",
    "STEPS_BY_CODE",
    "STEP_PAGES",
    "All",
    "AnswerType",
    "Between",
    "Choice",
    "Condition",
    "Eq",
    "FiredRule",
    "In",
    "Ne",
    "Page",
    "PatientMessage",
    "Problem",
    "Question",
    "Rule",
    "Step",
    "Tier",
    "TriageResult",
    "derive",
    "evaluate",
    "is_visible",
    "normalise",
    "patient_message",
    "questions_for_step",
    "validate",
    "visible_codes",
]
