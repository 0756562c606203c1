"""One clock per tier (issue 20): what the patient is told, the review target and the booking
window come from one definition (CLINIC_TIERS) and cannot contradict each other.

The test reads the patient's own words (the engine's footer, as the confirmation page and the
receipt render it at the moment the form was sent) and checks the queue's review target and
the booking window against them, for every tier, at moments across the clinic's week.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from pytest_django import Settings

from intake import clinical
from intake.scheduling import windows
from tests.intake.clinic_clock import FRIDAY, SATURDAY, WEDNESDAY, at

# A rule of each tier (its own sentence does not matter here, its tier's footer does).
RULE_OF = {
    "EMERGENCY": "EMG_CHEST_BREATH",
    "URGENT": "URG_DVT",
    "SOON": "SOON_CLAUDICATION",
    "ROUTINE": "RTN_DEFAULT",
}
# Open, near closing, in the last hour, after closing, before opening, Friday, the weekend.
MOMENTS = [
    at(WEDNESDAY, "10:00"),
    at(WEDNESDAY, "15:00"),
    at(WEDNESDAY, "16:45"),
    at(WEDNESDAY, "20:00"),
    at(WEDNESDAY, "07:00"),
    at(FRIDAY, "15:00"),
    at(FRIDAY, "17:10"),
    at(SATURDAY, "12:00"),
]


def told(tier: str, sent: dt.datetime) -> str:
    """Everything the patient of `tier` read when they sent the form at `sent`."""
    return " ".join(clinical.patient_message([RULE_OF[tier]], now=sent).paragraphs)


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def in_opening_hours(moment: dt.datetime) -> bool:
    day = local(moment).date()
    return clinical.is_working_day(day) and clinical.opening(day) <= moment <= clinical.closing(day)


@pytest.mark.parametrize("sent", MOMENTS, ids=lambda m: f"{m:%a-%H%M}")
@pytest.mark.parametrize("tier", list(RULE_OF))
def test_what_the_patient_is_told_agrees_with_the_review_target_and_the_booking_window(
    tier: str, sent: dt.datetime
) -> None:
    words = told(tier, sent)
    due = clinical.review_due(tier, sent)
    deadline = windows.booking_deadline(tier, sent)

    if "Do not wait for the clinic to contact you" in words:
        # "Call 999 now": never booked; the on-call team phones within 15 minutes (spec §1).
        assert deadline is None
        assert due is not None and due - sent <= dt.timedelta(minutes=15)
    elif "The clinic will phone you today" in words:
        # "... If we have not called by 17:30": the review (the call) is due before that, today,
        # and the patient is booked the same day ("You need to be seen today").
        cutoff = re.search(r"If we have not called by (\d\d:\d\d)", words)
        assert cutoff, words
        promised = local(sent).replace(
            hour=int(cutoff[1][:2]), minute=int(cutoff[1][3:]), second=0, microsecond=0
        )
        assert due is not None and sent < due <= promised
        assert deadline is not None and local(deadline).date() == local(sent).date()
        assert deadline <= promised
    elif "Call NHS 111 or your GP now for a same-day appointment" in words:
        # The clinic is closed (or closing): no promise of a call today. The clinic reviews
        # and books the patient when it next opens, within its opening hours.
        opens = clinical.next_opening(sent)
        assert due is not None and opens < due and in_opening_hours(due)
        assert deadline is not None and local(deadline).date() == local(opens).date()
    elif weeks := re.search(r"within (\d+) weeks", words):
        # "We will offer you an appointment within 2 weeks".
        assert deadline is not None
        last_day = local(sent).date() + dt.timedelta(weeks=int(weeks[1]))
        assert local(deadline) == at(last_day + dt.timedelta(days=1), "00:00")
        assert due is not None and due < deadline  # reviewed in time to book
    else:
        # "We will offer you a routine appointment": booked, with no number promised.
        assert "We will offer you a routine appointment" in words
        assert deadline is not None
    # Whatever the tier: reviewed by the time the booking window closes (late in the day an
    # URGENT case's two coincide at closing time; a later triage extends the window).
    if due is not None and deadline is not None:
        assert due <= deadline


def test_every_tier_has_a_clock_and_the_settings_keep_what_patients_are_told() -> None:
    assert set(clinical.PATIENT_ADVICE) >= {"emergency_now", "seen_today"}
    assert clinical.tier_clock_problems() == []
    assert clinical.check_tier_clocks() == []


@pytest.mark.parametrize(
    ("tier", "change", "problem"),
    [
        ("SOON", {"book_within_days": 21}, "told within 14 days, the window is 21"),
        ("URGENT", {"book_within_working_days": 1}, "seen and phoned today"),
        ("URGENT", {"review_in_opening_hours": False}, "seen and phoned today"),
        ("EMERGENCY", {"book_within_days": 1}, "go to emergency care, yet it has a window"),
        ("ROUTINE", {"book_within_days": None}, "will be booked, but it has no window"),
        ("SOON", {"review_within_minutes": 15 * 24 * 60}, "leaves no time to book"),
        ("SOON", {"patient_advice": "routine_appointment"}, "is the ROUTINE footer"),
    ],
)
def test_a_clock_that_contradicts_the_patients_words_stops_the_start(
    settings: Settings, tier: str, change: dict[str, object], problem: str
) -> None:
    settings.CLINIC_TIERS = {
        **settings.CLINIC_TIERS,
        tier: {**settings.CLINIC_TIERS[tier], **change},
    }
    [error] = clinical.check_tier_clocks()
    assert error.id == "intake.E001"
    assert problem in error.msg
    assert error.msg.startswith(tier)


def test_a_missing_tier_is_a_problem(settings: Settings) -> None:
    settings.CLINIC_TIERS = {k: v for k, v in settings.CLINIC_TIERS.items() if k != "SOON"}
    assert clinical.tier_clock_problems() == ["CLINIC_TIERS has no clock for SOON."]


def test_the_old_settings_are_read_from_the_tier_clocks(settings: Settings) -> None:
    # The queue's targets and the escalation's minutes are derived, never set on their own.
    assert {
        tier: clock["review_within_minutes"] for tier, clock in settings.CLINIC_TIERS.items()
    } == settings.CLINIC_REVIEW_TARGET_MINUTES
    assert settings.CLINIC_ESCALATION_MINUTES == {"EMERGENCY": 15, "URGENT": 60}
