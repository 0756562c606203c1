"""The triage engine: ``evaluate()`` (spec §7) and ``validate()``.

``evaluate`` is a pure function: the same answers and options always give the same result, with
no clock, settings, database or I/O. The caller passes in whatever depends on configuration or
time (the emergency number, the advice line, whether the clinic is open, the call-back cutoff).

``validate`` checks stored values against the catalogue for forms, the API and the ``triage``
management command. It never raises, whatever it is given.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from intake.triage.catalogue import (
    NONE_CHOICE,
    QUESTIONS,
    QUESTIONS_BY_CODE,
    YES,
    AnswerType,
    Question,
    visible_codes,
)
from intake.triage.derive import derive, normalise_with_not_sure, pe_wells, sanitise
from intake.triage.i18n import N_
from intake.triage.rules import CATEGORY_LABELS, RULES, RULES_BY_CODE, RULESET_VERSION, Rule, Tier

__all__ = [
    "FOOTERS",
    "FiredRule",
    "PatientMessage",
    "Problem",
    "TriageResult",
    "evaluate",
    "patient_message",
    "validate",
]


# --- Patient wording (§1, §2.5, §7.7) ----------------------------------------------------------

# The tier footers of §1, verbatim. "999" and "NHS 111" are replaced by the configured emergency
# number and advice line when the message is built (§10.8 localisation). Every patient-facing
# literal of this module is marked with N_() for makemessages (see i18n.py).
FOOTERS: Mapping[Tier, str] = {
    Tier.EMERGENCY: N_(
        "Call 999 now, or go straight to A&E. Do not wait for the clinic to contact you. "
        "Do not drive yourself."
    ),
    Tier.URGENT: N_(
        "You need to be seen today. The clinic will phone you today. If we have not called "
        "{cutoff}, or the clinic is closed, call NHS 111 or your GP today. If you get chest pain "
        "or breathlessness, or your leg turns cold, pale or numb, call 999."
    ),
    Tier.SOON: N_(
        "This is not an emergency. We will offer you an appointment within 2 weeks. If it gets "
        "worse (pain when resting, a new wound, a cold, pale or numb foot, sudden swelling) "
        "contact us or NHS 111 sooner. In an emergency call 999."
    ),
    Tier.ROUTINE: N_(
        "We will offer you a routine appointment. Contact us sooner, or NHS 111, if you get: "
        "pain at rest, a wound that does not heal, new swelling of one leg, or redness and heat. "
        "Call 999 for chest pain, sudden breathlessness, or a cold, pale or numb leg."
    ),
}

# §2.5: when the clinic is closed (or closes within 60 minutes) nobody will phone today, so the
# WHOLE URGENT footer is replaced by this one (verbatim), with no "If we have not called ..."
# sentence left over (§11 item 7).
URGENT_FOOTER_CLOSED = N_(
    "You need to be seen today. Call NHS 111 or your GP now for a same-day appointment. If you "
    "get chest pain or breathlessness, or your leg turns cold, pale or numb, call 999."
)

# §1/§2.5: with no call-back cutoff configured, "If we have not called by {cutoff time}" reads
# "If we have not called within 4 hours"; with one, "If we have not called by 17:00".
DEFAULT_CUTOFF_WORDING = N_("within 4 hours")
CUTOFF_WORDING = N_("by {time}")

CATEGORY_SENTENCE = N_(
    "From your answers, the most likely area is {label}. This helps us book you with the right "
    "team."
)

# Staff-facing (appended to a staff reason): not marked for translation.
PREGNANCY_NOTE = (
    " Pregnant/postpartum: follow the obstetric VTE pathway (Wells is not validated in pregnancy)."
)

_LOCAL_TERMS = re.compile(r"NHS 111|999")


def _localise(text: str, emergency_number: str, advice_line: str) -> str:
    """Swap the UK emergency number and advice line for the configured ones, in one pass."""
    if "999" not in text and "NHS 111" not in text:
        return text
    return _LOCAL_TERMS.sub(
        lambda m: advice_line if m.group(0) == "NHS 111" else emergency_number, text
    )


# --- Results -----------------------------------------------------------------------------------


class FiredRule(NamedTuple):
    """A rule that fired, ready for display (immutable).

    ``staff_reason`` has its placeholders filled in (and the pregnancy note of §5.1 where it
    applies); ``evidence`` maps each answer or derived variable the rule reads to its value after
    normalisation, so staff and the ``triage --explain`` command can see why it fired.
    """

    code: str
    tier: Tier
    patient_text: str
    staff_reason: str
    source: str
    evidence: dict[str, Any]
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able ``{code, tier, staff_reason, source, patient_text}``."""
        return {
            "code": self.code,
            "tier": self.tier.name,
            "staff_reason": self.staff_reason,
            "source": self.source,
            "patient_text": self.patient_text,
        }


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The outcome of ``evaluate()``.

    ``fired`` lists rule codes sorted by tier (highest first) then spec order; ``rules`` holds
    the same rules with their reasons and evidence. ``not_sure`` lists the red flags answered
    "not sure" (counted as yes, but staff must see the original answer).
    """

    tier: Tier
    fired: tuple[str, ...]
    rules: tuple[FiredRule, ...]
    patient_message: str
    patient_sentences: tuple[str, ...]
    patient_footer: str
    scores: dict[str, Any]
    not_sure: tuple[str, ...]
    likely_category: str | None
    ruleset_version: str = RULESET_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: what is stored with the submission and printed by the CLI."""
        return {
            "tier": self.tier.name,
            "fired": list(self.fired),
            "scores": self.scores,
            "ruleset_version": self.ruleset_version,
            "patient_message": self.patient_message,
            "reasons": [rule.to_dict() for rule in self.rules],
            "not_sure": list(self.not_sure),
            "likely_category": self.likely_category,
        }


# --- evaluate ----------------------------------------------------------------------------------

_NOT_SURE_CODES = tuple(q.code for q in QUESTIONS if q.type is AnswerType.YES_NO_UNSURE)
_PREGNANCY_RULES = frozenset({"URG_DVT", "EMG_PE"})
_MAX_PATIENT_SENTENCES = 3  # §7.7, EMERGENCY and URGENT; SOON and ROUTINE show one


# Precomputed per rule so that evaluate() does as little as possible per fired rule.
_TEMPLATED = frozenset(rule.code for rule in RULES if "{" in rule.staff_reason)
_LOCALISED = frozenset(
    rule.code for rule in RULES if "999" in rule.patient_text or "NHS 111" in rule.patient_text
)


# For each rule, the names it reads and whether each is an answer (else a derived variable),
# so the evidence is read straight from the right dict, in the rule's own order.
_EVIDENCE = {
    rule.code: tuple((name, name in QUESTIONS_BY_CODE) for name in rule.uses) for rule in RULES
}
_RULE_LOOP = tuple((rule.code, rule.when, rule) for rule in RULES)
_SORT_KEY = {rule: (-rule.tier, index) for index, rule in enumerate(RULES)}


def evaluate(
    answers: Mapping[str, object],
    *,
    emergency_number: str = "999",
    advice_line: str = "NHS 111",
    clinic_open_now: bool = True,
    callback_cutoff: str | dt.time | None = None,
) -> TriageResult:
    """Triage an answer set, exactly as spec §7. Pure: no I/O, clock or settings.

    1. normalise (hidden → None/[], not_sure → yes on red flags); absent answers are unanswered,
       so a partial form can be evaluated after every step (§2.4);
    2. derive the §4 variables and §5 instruments;
    3. evaluate every rule in table order (a rule may read rules fired above it);
    4. RTN_DEFAULT if nothing else fired; the tier is the highest fired tier.

    ``emergency_number`` and ``advice_line`` replace "999" and "NHS 111" in patient text.
    ``clinic_open_now`` False selects the out-of-hours URGENT wording (§2.5); the caller decides
    it, including the "within 60 minutes of closing" window. ``callback_cutoff`` is shown as
    "If we have not called by <cutoff>"; without it the wording is "within 4 hours".
    """
    a, not_sure = normalise_with_not_sure(answers)
    try:
        d = derive(a)
    except TypeError:
        # Garbage such as a list for a single-choice answer: treat it as unanswered rather than
        # fail to triage (validate() reports it). Valid answers never take this path.
        a = sanitise(a)
        d = derive(a)
    fired_codes: set[str] = set()
    fired_rules: list[Rule] = []
    for code, when, rule in _RULE_LOOP:
        if when(a, d, fired_codes):
            fired_codes.add(code)
            fired_rules.append(rule)
    # Tier descending, spec order within a tier (§7.6).
    fired_rules.sort(key=_SORT_KEY.__getitem__)
    tier = fired_rules[0].tier  # RTN_DEFAULT guarantees at least one

    pe = pe_wells(a, d["dvt_pattern"])
    scores: dict[str, Any] = {
        "p_wells": d["p_wells"],
        "pe_wells": pe,
        "ecq_class": d["ecq_class"],
        "ecq_grade": d["ecq_grade"],
        "dn4i": d["dn4i"],
        "ceap_c_est": d["ceap_c_est"],
        "vcss_pain": d["vcss_pain"],
        "vcss_compression": d["vcss_compression"],
        "vcss_ulcer_duration": d["vcss_ulcer_duration"],
        "rls_frequency": a["rls_frequency"],
        "rls_probable": d["rls_probable"],
    }
    pregnant = bool(d["pregnant_or_postpartum"])
    placeholders: dict[str, object] = {}
    if not _TEMPLATED.isdisjoint(fired_codes):
        # Values for the {placeholders} in staff reasons; None reads "not given".
        placeholders = {
            key: "not given" if value is None else value for key, value in scores.items()
        }
        placeholders["pe_wells_total"] = pe["partial_total"]
        placeholders["pulse_bpm"] = "not given" if a["pulse_bpm"] is None else a["pulse_bpm"]

    # One pass over the fired rules builds the staff view, the patient sentences and the
    # likely category (this runs after every saved step, so it avoids repeated passes).
    built: list[FiredRule] = []
    likely_category: str | None = None
    for rule in fired_rules:
        code = rule.code
        text = rule.patient_text
        if code in _LOCALISED:
            text = _localise(text, emergency_number, advice_line)
        reason = rule.staff_reason
        if code in _TEMPLATED:
            reason = reason.format_map(placeholders)
        if pregnant and code in _PREGNANCY_RULES:
            reason += PREGNANCY_NOTE
        evidence = {name: (a if is_answer else d)[name] for name, is_answer in _EVIDENCE[code]}
        built.append(FiredRule(code, rule.tier, text, reason, rule.source, evidence, rule.category))
        if likely_category is None:
            likely_category = rule.category
    message = _compose(
        fired_rules,
        _same,
        emergency_number=emergency_number,
        advice_line=advice_line,
        clinic_open_now=clinic_open_now,
        callback_cutoff=callback_cutoff,
    )

    return TriageResult(
        tier=tier,
        fired=tuple(rule.code for rule in built),
        rules=tuple(built),
        patient_message="\n\n".join(message.paragraphs),
        patient_sentences=message.sentences,
        patient_footer=message.footer,
        scores=scores,
        not_sure=not_sure,
        likely_category=likely_category,
    )


# --- What the patient is told (§7.7) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientMessage:
    """The patient's message: the top-tier rules' sentences, the likely-category sentence (SOON
    and ROUTINE only) and the tier's footer. `paragraphs` is the whole message in order."""

    sentences: tuple[str, ...]
    category_sentence: str | None
    footer: str

    @property
    def paragraphs(self) -> tuple[str, ...]:
        category = (self.category_sentence,) if self.category_sentence else ()
        return (*self.sentences, *category, self.footer)


def _same(text: str) -> str:
    return text


def patient_message(
    fired: Iterable[str],
    *,
    translate: Callable[[str], str] = _same,
    emergency_number: str = "999",
    advice_line: str = "NHS 111",
    clinic_open_now: bool = True,
    callback_cutoff: str | dt.time | None = None,
) -> PatientMessage:
    """What the patient is told for a triage, from its fired rule codes (§7.7). Pure.

    The web layer renders this when the message is shown, in the reader's language
    (`translate` is its gettext: every text here is marked with `N_`), rather than storing
    the words: the codes are what is stored. Unknown codes (a rule retired since) are skipped.
    """
    rules = sorted(
        (RULES_BY_CODE[code] for code in fired if code in RULES_BY_CODE),
        key=_SORT_KEY.__getitem__,
    )
    if not rules:
        rules = [RULES_BY_CODE["RTN_DEFAULT"]]
    return _compose(
        rules,
        translate,
        emergency_number=emergency_number,
        advice_line=advice_line,
        clinic_open_now=clinic_open_now,
        callback_cutoff=callback_cutoff,
    )


def _compose(
    rules: Sequence[Rule],
    translate: Callable[[str], str],
    *,
    emergency_number: str,
    advice_line: str,
    clinic_open_now: bool,
    callback_cutoff: str | dt.time | None,
) -> PatientMessage:
    """The message for rules sorted by tier then spec order (the one place it is put together).

    EMERGENCY and URGENT show up to 3 top-tier sentences; SOON and ROUTINE only the first
    top-tier rule's sentence, then the likely category (several side by side read as
    competing diagnoses); then the footer.
    """
    tier = rules[0].tier
    limit = _MAX_PATIENT_SENTENCES if tier >= Tier.URGENT else 1
    sentences = tuple(
        _localise(translate(rule.patient_text), emergency_number, advice_line)
        for rule in rules
        if rule.tier == tier and rule.patient_text
    )[:limit]
    category = next((rule.category for rule in rules if rule.category), None)
    category_sentence = None
    if tier <= Tier.SOON and category is not None:
        label = translate(CATEGORY_LABELS[category])
        category_sentence = translate(CATEGORY_SENTENCE).format(label=label)
    if translate is _same:
        footer = _footer(tier, emergency_number, advice_line, clinic_open_now, callback_cutoff)
    else:  # not cached: the translation depends on the active language
        footer = _footer_text(
            tier, emergency_number, advice_line, clinic_open_now, callback_cutoff, translate
        )
    return PatientMessage(sentences, category_sentence, footer)


@functools.lru_cache(maxsize=64)
def _footer(
    tier: Tier,
    emergency_number: str,
    advice_line: str,
    clinic_open_now: bool,
    callback_cutoff: str | dt.time | None,
) -> str:
    return _footer_text(
        tier, emergency_number, advice_line, clinic_open_now, callback_cutoff, _same
    )


def _footer_text(
    tier: Tier,
    emergency_number: str,
    advice_line: str,
    clinic_open_now: bool,
    callback_cutoff: str | dt.time | None,
    translate: Callable[[str], str],
) -> str:
    if tier is Tier.URGENT:
        if not clinic_open_now:
            text = translate(URGENT_FOOTER_CLOSED)
        else:
            if callback_cutoff is None:
                cutoff = translate(DEFAULT_CUTOFF_WORDING)
            elif isinstance(callback_cutoff, dt.time):
                cutoff = translate(CUTOFF_WORDING).format(time=f"{callback_cutoff:%H:%M}")
            else:
                cutoff = translate(CUTOFF_WORDING).format(time=callback_cutoff)
            text = translate(FOOTERS[tier]).format(cutoff=cutoff)
    else:
        text = translate(FOOTERS[tier])
    return _localise(text, emergency_number, advice_line)


# --- validate ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: the question code and a plain-English message for the patient.

    ``kind`` says what is wrong, for code and tests: unknown, type, choice, duplicate, range,
    too_long, format, none_exclusive, must_be_yes or required. ``message`` is the English text;
    ``text(translate)`` gives it in the reader's language (a message with numbers in it keeps its
    marked template and the numbers apart, so that the translation is looked up on the template).
    """

    code: str
    message: str
    kind: str = field(default="invalid")
    template: str = ""
    params: tuple[tuple[str, object], ...] = ()

    def text(self, translate: Callable[[str], str] = _same) -> str:
        """The message through `translate` (the web layer's gettext)."""
        if not self.template:
            return translate(self.message)
        return translate(self.template).format(**dict(self.params))


_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")

# The patient messages of validate(), marked for makemessages. RANGE and TOO_LONG are templates:
# they are formatted here, so a translation catalogue can reorder their placeholders.
MSG_CHOOSE_ONE = N_("Please choose one of the options.")
MSG_CHOOSE_SHOWN = N_("Please choose one of the options shown.")
MSG_MUST_BE_YES = N_("You need to agree to this to continue.")
MSG_TICK_THAT_APPLY = N_("Please tick the options that apply.")
MSG_CHOOSE_FROM_SHOWN = N_("Please choose from the options shown.")
MSG_DUPLICATE = N_("Each option can only be ticked once.")
MSG_NONE_EXCLUSIVE = N_("'None of these' cannot be ticked together with other options.")
MSG_WHOLE_NUMBER = N_("Please enter a whole number.")
MSG_RANGE = N_("Please enter a number from {lo} to {hi}.")
MSG_DATE = N_("Please enter a date.")
MSG_REAL_DATE = N_("Please enter a real date, for example 2026-03-31.")
MSG_TEXT = N_("Please type your answer as text.")
MSG_TOO_LONG = N_("Please keep this to {max_length} characters or fewer.")
MSG_PHONE = N_("Please enter a phone number using digits, for example 07700 900123.")
MSG_NOT_A_MAPPING = N_("The answers must be a set of question codes and values.")
MSG_UNKNOWN = N_("This question is not part of the form.")
MSG_CHECK = N_("Please check this answer.")
MSG_TICK_ONE = N_("Please tick at least one option.")
MSG_ANSWER = N_("Please answer this question.")


# Choice codes per question as sets, built once: validate() runs on every page view and save.
_CHOICES: dict[str, frozenset[str]] = {q.code: frozenset(q.choice_codes) for q in QUESTIONS}


def _check_choice(question: Question, value: object) -> Problem | None:
    code = question.code
    if not isinstance(value, str):
        return Problem(code, MSG_CHOOSE_ONE, "type")
    if value not in _CHOICES[code]:
        return Problem(code, MSG_CHOOSE_SHOWN, "choice")
    if question.must_be_yes and value != YES:
        return Problem(code, MSG_MUST_BE_YES, "must_be_yes")
    return None


def _check_multi(question: Question, value: object) -> Problem | None:
    code = question.code
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return Problem(code, MSG_TICK_THAT_APPLY, "type")
    if any(v not in _CHOICES[code] for v in value):
        return Problem(code, MSG_CHOOSE_FROM_SHOWN, "choice")
    if len(set(value)) != len(value):
        return Problem(code, MSG_DUPLICATE, "duplicate")
    if question.exclusive_none and NONE_CHOICE in value and len(value) > 1:
        return Problem(code, MSG_NONE_EXCLUSIVE, "none_exclusive")
    return None


def _check_number(question: Question, value: object) -> Problem | None:
    code = question.code
    if not isinstance(value, int) or isinstance(value, bool):
        return Problem(code, MSG_WHOLE_NUMBER, "type")
    lo, hi = question.min_value, question.max_value
    if lo is not None and value < lo and question.below_min_message:
        return Problem(code, question.below_min_message, "range")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        params = (("lo", lo), ("hi", hi))
        return Problem(code, MSG_RANGE.format(lo=lo, hi=hi), "range", MSG_RANGE, params)
    return None


def _check_date(question: Question, value: object) -> Problem | None:
    if not isinstance(value, str):
        return Problem(question.code, MSG_DATE, "type")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return Problem(question.code, MSG_REAL_DATE, "format")
    return None


def _check_text(question: Question, value: object) -> Problem | None:
    code = question.code
    if not isinstance(value, str):
        return Problem(code, MSG_TEXT, "type")
    if question.max_length is not None and len(value) > question.max_length:
        length = question.max_length
        message = MSG_TOO_LONG.format(max_length=length)
        return Problem(code, message, "too_long", MSG_TOO_LONG, (("max_length", length),))
    if question.text_format == "phone" and value.strip() and not _PHONE.match(value.strip()):
        return Problem(code, MSG_PHONE, "format")
    return None


# The check for each answer type (spec §2.2), each returning the first problem or None.
_CHECKS: Mapping[AnswerType, Callable[[Question, object], Problem | None]] = {
    AnswerType.YES_NO: _check_choice,
    AnswerType.YES_NO_UNSURE: _check_choice,
    AnswerType.SINGLE: _check_choice,
    AnswerType.MULTI: _check_multi,
    AnswerType.NUMBER: _check_number,
    AnswerType.SCALE_0_10: _check_number,
    AnswerType.DATE: _check_date,
    AnswerType.TEXT: _check_text,
}


def _check_value(question: Question, value: object) -> Problem | None:
    """The first problem with one (non-None) value, or None if it is valid."""
    return _CHECKS[question.type](question, value)


def _unanswered(question: Question, value: object) -> bool:
    if value is None:
        return True
    if question.type is AnswerType.MULTI:
        return isinstance(value, list | tuple) and len(value) == 0
    if question.type is AnswerType.TEXT:
        return isinstance(value, str) and not value.strip()
    return False


def validate(
    answers: Mapping[str, object],
    *,
    complete: bool = False,
    steps: Iterable[str] | None = None,
    shown: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem with an answer set, in catalogue order (unknown codes first). Never raises.

    Checks each value of a visible question: type, choice, bounds, text length and format,
    ``none`` ticked with other options, and must-be-yes questions. ``None`` means unanswered and
    is fine unless ``complete`` is true, in which case every required *visible* question must be
    answered. Given ``steps``, only the questions of those steps are checked (visibility still
    follows every answer): how one page of the form checks its own questions. Values sent for
    hidden questions are ignored, as the engine ignores them. ``shown``: the caller's own
    ``visible_codes(answers)`` for these very answers, if it has worked them out already (the
    web form does on every request), so that they are not worked out twice.
    """
    if not isinstance(answers, Mapping):
        return [Problem("", MSG_NOT_A_MAPPING, "type")]
    problems = [
        Problem(str(code), MSG_UNKNOWN, "unknown")
        for code in answers
        if not isinstance(code, str) or code not in QUESTIONS_BY_CODE
    ]
    if shown is None:
        try:
            shown = set(visible_codes(answers))
        except Exception:
            shown = set()
    wanted_steps = None if steps is None else set(steps)
    for question in QUESTIONS:
        if question.code not in shown:
            continue
        if wanted_steps is not None and question.step not in wanted_steps:
            continue
        problem = _problem_with(question, answers.get(question.code), complete=complete)
        if problem is not None:
            problems.append(problem)
    return problems


def _problem_with(question: Question, value: object, *, complete: bool) -> Problem | None:
    """The problem with one shown question's answer, if any (never raises)."""
    if value is not None:
        try:
            problem = _check_value(question, value)
        except Exception:
            problem = Problem(question.code, MSG_CHECK, "type")
        if problem is not None:
            return problem
    if complete and question.required and _unanswered(question, value):
        message = MSG_TICK_ONE if question.type is AnswerType.MULTI else MSG_ANSWER
        return Problem(question.code, message, "required")
    return None
