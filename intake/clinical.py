"""The triage engine, run with this clinic's settings: emergency number, advice line, hours.

`intake/triage/` is pure and knows nothing of settings or the clock; this is the one place that
supplies them, so the patient pages, the submission service and the admin all say the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from intake import triage
from intake.models import TIER_RANK, Submission


def _clock(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def clinic_open_now(now: dt.datetime) -> bool:
    """Open, and not within the closing window (spec §2.5), in the clinic's time zone."""
    local = timezone.localtime(now)
    if local.weekday() not in settings.CLINIC_OPEN_WEEKDAYS:
        return False
    opens = _clock(settings.CLINIC_OPENS_AT)
    closes = dt.datetime.combine(local.date(), _clock(settings.CLINIC_CLOSES_AT))
    last_call = (closes - dt.timedelta(minutes=settings.CLINIC_CLOSING_WINDOW_MINUTES)).time()
    return opens <= local.time() < last_call


def evaluate(
    answers: Mapping[str, object], *, now: dt.datetime | None = None
) -> triage.TriageResult:
    """`triage.evaluate()` with the clinic's numbers, wording and opening hours at `now`."""
    now = now or timezone.now()
    return triage.evaluate(
        answers,
        emergency_number=settings.CLINIC_EMERGENCY_NUMBER,
        advice_line=settings.CLINIC_URGENT_ADVICE_LINE,
        clinic_open_now=clinic_open_now(now),
        callback_cutoff=settings.CLINIC_CLOSES_AT,
    )


def patient_message(
    fired: Sequence[str], *, now: dt.datetime | None = None
) -> triage.PatientMessage:
    """What the patient is told for these fired rules, in the active language, with the clinic's
    numbers and the opening hours at `now` (when the form was sent; default: now).

    Rendered when shown, never stored: the rule codes are what is kept with a submission."""
    return triage.patient_message(
        fired,
        translate=gettext,
        emergency_number=settings.CLINIC_EMERGENCY_NUMBER,
        advice_line=settings.CLINIC_URGENT_ADVICE_LINE,
        clinic_open_now=clinic_open_now(now or timezone.now()),
        callback_cutoff=settings.CLINIC_CLOSES_AT,
    )


# --- One clock per tier (issue 20) ---------------------------------------------------------------


@dataclass(frozen=True)
class Advice:
    """What a tier's footer (the engine's words, spec §1) promises the patient, as facts a clock
    can be checked against. The words stay the engine's; these say what they commit us to."""

    footer_tier: triage.Tier
    # "Call 999 now ... Do not wait for the clinic to contact you": never booked.
    never_booked: bool = False
    # "You need to be seen today. The clinic will phone you today. If we have not called by
    # {cutoff}": a call-back before the cutoff and a booking the same working day.
    seen_today: bool = False
    # "We will offer you an appointment within 2 weeks": a booking within this many days.
    appointment_within_days: int | None = None


# CLINIC_TIERS' `patient_advice` keys.
PATIENT_ADVICE: Mapping[str, Advice] = {
    "emergency_now": Advice(triage.Tier.EMERGENCY, never_booked=True),
    "seen_today": Advice(triage.Tier.URGENT, seen_today=True),
    "appointment_within_2_weeks": Advice(triage.Tier.SOON, appointment_within_days=14),
    "routine_appointment": Advice(triage.Tier.ROUTINE),
}


@dataclass(frozen=True)
class TierClock:
    """One tier's clock, from CLINIC_TIERS: the review target, escalation, booking window."""

    tier: str
    advice: Advice
    review_within: dt.timedelta | None
    review_in_opening_hours: bool
    escalate_after: dt.timedelta | None
    book_within_working_days: int | None
    book_within_days: int | None

    @property
    def bookable(self) -> bool:
        return self.book_within_working_days is not None or self.book_within_days is not None


def _minutes(value: Any) -> dt.timedelta | None:
    minutes = int(value or 0)
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def tier_clock(tier: str) -> TierClock:
    """The clock of `tier` in this clinic (CLINIC_TIERS). KeyError for an unknown tier."""
    clock: Mapping[str, Any] = settings.CLINIC_TIERS[tier]
    return TierClock(
        tier=tier,
        advice=PATIENT_ADVICE[str(clock["patient_advice"])],
        review_within=_minutes(clock.get("review_within_minutes")),
        review_in_opening_hours=bool(clock.get("review_in_opening_hours", False)),
        escalate_after=_minutes(clock.get("escalate_after_minutes")),
        book_within_working_days=_count(clock.get("book_within_working_days")),
        book_within_days=_count(clock.get("book_within_days")),
    )


def review_target(tier: str) -> dt.timedelta | None:
    """How long a case of this tier may wait for review (None: no target), in this clinic."""
    if tier not in settings.CLINIC_TIERS:
        return None
    return tier_clock(tier).review_within


def is_working_day(day: dt.date) -> bool:
    return day.weekday() in settings.CLINIC_OPEN_WEEKDAYS


def opening(day: dt.date) -> dt.datetime:
    """When the clinic opens on `day`, aware, in the clinic's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, _clock(settings.CLINIC_OPENS_AT)))


def closing(day: dt.date) -> dt.datetime:
    """When the clinic closes on `day` (the call-back cutoff the patient is given), aware."""
    return timezone.make_aware(dt.datetime.combine(day, _clock(settings.CLINIC_CLOSES_AT)))


def next_working_day(day: dt.date) -> dt.date:
    """The first working day after `day` (CLINIC_OPEN_WEEKDAYS; at least one is set)."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def next_opening(moment: dt.datetime) -> dt.datetime:
    """The next time the clinic opens at or after `moment` (today's, if it has not opened yet)."""
    day = timezone.localtime(moment).date()
    if is_working_day(day) and moment <= opening(day):
        return opening(day)
    return opening(next_working_day(day))


def review_due(tier: str, since: dt.datetime) -> dt.datetime | None:
    """When a case of `tier` that joined the queue at `since` should have been reviewed.

    With the tier's `review_in_opening_hours` (URGENT) the clock agrees with what the patient was
    told at `since`: while the clinic was open, "The clinic will phone you today. If we have not
    called by <closing time>": the target, or the closing time if sooner. Sent when it was
    closed (or in the last hour, when the patient is told to call NHS 111 instead), the target
    counts from the next opening. Other tiers: `since` plus the target. None: no target.
    """
    if tier not in settings.CLINIC_TIERS:
        return None
    clock = tier_clock(tier)
    if clock.review_within is None:
        return None
    if not clock.review_in_opening_hours:
        return since + clock.review_within
    if clinic_open_now(since):
        day = timezone.localtime(since).date()
        return min(since + clock.review_within, closing(day))
    starts = next_opening(since)
    return min(starts + clock.review_within, closing(timezone.localtime(starts).date()))


def is_past_review_target(tier: str, since: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a case waiting for review since `since` is past its tier's target at `now`."""
    due = review_due(tier, since) if since is not None else None
    return due is not None and now > due


def tier_clock_problems() -> list[str]:
    """Where CLINIC_TIERS contradicts what each tier's patients are told (empty: none).

    The system check `intake.E001` (intake/apps.py) reports these at start, so a clinic that
    sets, say, CLINIC_BOOKING_SOON_DAYS=21 learns at once that its SOON patients are promised
    an appointment within 2 weeks.
    """
    problems: list[str] = []
    for tier in triage.Tier:
        if tier.name not in settings.CLINIC_TIERS:
            problems.append(f"CLINIC_TIERS has no clock for {tier.name}.")
            continue
        try:
            clock = tier_clock(tier.name)
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"CLINIC_TIERS[{tier.name!r}] is not valid: {error!r}.")
            continue
        problems += _clock_problems(clock)
    return problems


def check_tier_clocks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The system check of `tier_clock_problems` (registered in intake/apps.py)."""
    return [
        checks.Error(
            problem,
            hint="Change CLINIC_TIERS (or the CLINIC_REVIEW_*, CLINIC_BOOKING_* variables) so "
            "that it keeps what the patient is told; see docs/scheduling.md.",
            id="intake.E001",
        )
        for problem in tier_clock_problems()
    ]


def _clock_problems(clock: TierClock) -> list[str]:
    name, advice = clock.tier, clock.advice
    problems = []
    if advice.footer_tier.name != name:
        problems.append(
            f"{name}: patient_advice is the {advice.footer_tier.name} footer, not {name}'s."
        )
    if advice.never_booked and clock.bookable:
        problems.append(f"{name}: patients are told to go to emergency care, yet it has a window.")
    if not advice.never_booked and not clock.bookable:
        problems.append(f"{name}: patients are told they will be booked, but it has no window.")
    if advice.seen_today and (
        clock.book_within_working_days != 0 or not clock.review_in_opening_hours
    ):
        problems.append(
            f"{name}: patients are told they will be seen and phoned today: book within 0 "
            "working days (the same day), with the review in opening hours."
        )
    if (
        advice.appointment_within_days is not None
        and clock.book_within_days != advice.appointment_within_days
    ):
        problems.append(
            f"{name}: patients are told within {advice.appointment_within_days} days, the "
            f"window is {clock.book_within_days}."
        )
    window = dt.timedelta(days=clock.book_within_days) if clock.book_within_days else None
    if clock.review_within is not None and window is not None and clock.review_within >= window:
        problems.append(f"{name}: the review target leaves no time to book inside the window.")
    return problems


# What `store_result` writes: the engine's output kept with the answers it came from.
TRIAGE_FIELDS = (
    "ruleset_version",
    "engine_tier",
    "tier",
    "tier_rank",
    "fired_rules",
    "reasons",
    "scores",
)


def store_result(submission: Submission, result: triage.TriageResult) -> None:
    """Keep the engine's output with the answers it came from (spec §2.6).

    The tier staff work to follows the engine unless a clinician has overridden it.
    """
    stored = result.to_dict()
    submission.ruleset_version = result.ruleset_version
    submission.engine_tier = result.tier.name
    submission.fired_rules = list(result.fired)
    submission.reasons = stored["reasons"]
    submission.scores = {**stored["scores"], "not_sure": stored["not_sure"]}
    if not submission.overridden_at:
        submission.tier = result.tier.name
        submission.tier_rank = TIER_RANK[result.tier.name]


# --- The engine's codes in words, for staff (issue 20: "words, not codes") -----------------------
#
# The engine stores codes (they never change, and the triage core is pure and knows no
# translation); the staff pages show these words. The answers' own codes are labelled by the
# catalogue (intake/summary.py); the scores' values and PE-Wells items, here. A test
# (tests/intake/test_clinical_labels.py) checks every code the engine can produce has words.

ECQ_CLASS_LABELS: Mapping[str, Promise] = {
    "not_applicable": gettext_lazy("not applicable (no pain on walking)"),
    "none": gettext_lazy("no claudication"),
    "atypical": gettext_lazy("atypical claudication"),
    "definite": gettext_lazy("definite claudication"),
}

CEAP_CLASS_LABELS: Mapping[str, Promise] = {
    "C0": gettext_lazy("C0: no visible vein disease"),
    "C1": gettext_lazy("C1: thread or spider veins"),
    "C2": gettext_lazy("C2: varicose veins"),
    "C3": gettext_lazy("C3: swelling"),
    "C4a": gettext_lazy("C4a: skin staining or eczema"),
    "C4b": gettext_lazy("C4b: hard, tight skin"),
    "C5": gettext_lazy("C5: healed ulcer"),
    "C6": gettext_lazy("C6: open ulcer"),
}

PE_WELLS_ITEM_LABELS: Mapping[str, Promise] = {
    "clinical_signs_of_dvt": gettext_lazy("Signs of a DVT"),
    "alternative_diagnosis_less_likely": gettext_lazy("Another diagnosis is less likely than a PE"),
    "heart_rate_over_100": gettext_lazy("Heart rate over 100 a minute"),
    "immobilisation_or_recent_surgery": gettext_lazy("Immobilisation or recent surgery"),
    "previous_dvt_or_pe": gettext_lazy("A DVT or PE before"),
    "haemoptysis": gettext_lazy("Coughing up blood"),
    "malignancy": gettext_lazy("Active cancer"),
}


def _label(labels: Mapping[str, Promise], code: object) -> str:
    # An unknown code is shown as it is rather than hidden: a new engine value must be seen.
    return str(labels.get(str(code), code)) if code not in (None, "") else "–"


def ecq_class_label(code: object) -> str:
    return _label(ECQ_CLASS_LABELS, code)


def ceap_class_label(code: object) -> str:
    return _label(CEAP_CLASS_LABELS, code)


def pe_wells_item_label(code: object) -> str:
    return _label(PE_WELLS_ITEM_LABELS, code)


def answer_choice_label(question_code: str, value: object) -> str:
    """The catalogue's words for a stored choice code (a body map region, a frequency)."""
    question = triage.QUESTIONS_BY_CODE.get(question_code)
    if question is None or value in (None, ""):
        return "–" if value in (None, "") else str(value)
    return gettext(question.label_for(value))


def rule_title(code: str) -> str:
    """A rule's staff reason (its first sentence), for where its code alone would be shown."""
    rule = triage.RULES_BY_CODE.get(code)
    if rule is None:
        return code
    first = rule.staff_reason.split(". ")[0].rstrip(".")
    return first.split(" {")[0].rstrip(" .:=")
