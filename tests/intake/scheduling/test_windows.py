"""Booking windows per tier: the latest start a patient of each tier should be booked for, and
a case's own deadline when its window closes too soon after triage (issue 20)."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django import Settings

from intake.scheduling import windows
from tests.intake.clinic_clock import FRIDAY, MONDAY, SATURDAY, WEDNESDAY, at

THURSDAY = WEDNESDAY + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        # Sent while the clinic is open ("The clinic will phone you today"): that day's close.
        (at(WEDNESDAY, "10:00"), at(WEDNESDAY, "17:30")),
        (at(FRIDAY, "15:00"), at(FRIDAY, "17:30")),  # not Monday: "seen today"
        # Before opening: the same day, once the clinic opens.
        (at(WEDNESDAY, "07:00"), at(WEDNESDAY, "17:30")),
        # In the last hour, or after closing (told to call NHS 111 now): the next working day.
        (at(WEDNESDAY, "16:45"), at(THURSDAY, "17:30")),
        (at(WEDNESDAY, "20:00"), at(THURSDAY, "17:30")),
        (at(FRIDAY, "17:00"), at(MONDAY, "17:30")),
        (at(SATURDAY, "12:00"), at(MONDAY, "17:30")),
    ],
)
def test_urgent_is_booked_the_same_working_day(sent: dt.datetime, deadline: dt.datetime) -> None:
    assert windows.booking_deadline("URGENT", sent) == deadline


def test_soon_and_routine_windows_and_emergency_none() -> None:
    sent = at(WEDNESDAY, "10:00")
    assert windows.booking_deadline("SOON", sent) == at(WEDNESDAY + dt.timedelta(days=15), "00:00")
    assert windows.booking_deadline("ROUTINE", sent) == at(
        WEDNESDAY + dt.timedelta(days=43), "00:00"
    )
    assert windows.booking_deadline("EMERGENCY", sent) is None


def test_windows_are_configurable_in_the_tier_clocks(settings: Settings) -> None:
    settings.CLINIC_TIERS = {
        **settings.CLINIC_TIERS,
        "URGENT": {**settings.CLINIC_TIERS["URGENT"], "book_within_working_days": 2},
        "SOON": {**settings.CLINIC_TIERS["SOON"], "book_within_days": 7},
    }
    sent = at(WEDNESDAY, "10:00")
    assert windows.booking_deadline("SOON", sent) == at(WEDNESDAY + dt.timedelta(days=8), "00:00")
    assert windows.booking_deadline("URGENT", sent) == at(FRIDAY, "17:30")


# --- A case's deadline: a window that closes too soon after triage is extended ----------------


def test_a_window_open_long_enough_after_triage_is_kept() -> None:
    deadline = windows.case_deadline(
        "URGENT", sent_at=at(WEDNESDAY, "14:00"), triaged_at=at(WEDNESDAY, "15:00")
    )
    assert deadline == windows.Deadline(book_by=at(WEDNESDAY, "17:30"))
    assert not deadline.extended


@pytest.mark.parametrize(
    ("triaged", "extended_to"),
    [
        # Triaged at 17:27, the window closing at 17:30: the next opening session's close.
        (at(WEDNESDAY, "17:27"), at(THURSDAY, "17:30")),
        # Less than CLINIC_BOOKING_MIN_LEAD_MINUTES (60) left.
        (at(WEDNESDAY, "16:45"), at(THURSDAY, "17:30")),
        # On a Friday evening: Monday.
        (at(FRIDAY, "17:27"), at(MONDAY, "17:30")),
    ],
)
def test_a_window_closing_too_soon_after_triage_runs_to_the_next_session(
    triaged: dt.datetime, extended_to: dt.datetime
) -> None:
    sent = triaged.replace(hour=14, minute=0)
    deadline = windows.case_deadline("URGENT", sent_at=sent, triaged_at=triaged)
    assert deadline is not None
    assert deadline.book_by == extended_to
    assert deadline.closed_at == triaged.replace(hour=17, minute=30)  # kept, for the warning
    assert deadline.extended


def test_a_window_already_closed_at_triage_is_extended_from_triage() -> None:
    # SOON, sent 20 days ago and only triaged now: book today, not "14 days from sending".
    sent = at(WEDNESDAY, "10:00") - dt.timedelta(days=20)
    deadline = windows.case_deadline("SOON", sent_at=sent, triaged_at=at(WEDNESDAY, "10:00"))
    assert deadline == windows.Deadline(
        book_by=at(WEDNESDAY, "17:30"), closed_at=windows.booking_deadline("SOON", sent)
    )


def test_an_emergency_has_no_deadline() -> None:
    assert (
        windows.case_deadline("EMERGENCY", sent_at=None, triaged_at=at(WEDNESDAY, "10:00")) is None
    )


def test_the_lead_time_is_configurable(settings: Settings) -> None:
    settings.CLINIC_BOOKING_MIN_LEAD_MINUTES = 10
    deadline = windows.case_deadline(
        "URGENT", sent_at=at(WEDNESDAY, "14:00"), triaged_at=at(WEDNESDAY, "17:15")
    )
    assert deadline == windows.Deadline(book_by=at(WEDNESDAY, "17:30"))
