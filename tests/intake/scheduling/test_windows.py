"""Booking windows per tier: the latest start a patient of each tier should be booked for."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from intake.scheduling import windows

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
# A Saturday in March 2027.
SATURDAY = dt.datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "deadline"),
    [
        # Wednesday 10:00 → Thursday's close.
        (
            dt.datetime(2027, 3, 17, 10, 0, tzinfo=UTC),
            dt.datetime(2027, 3, 18, 17, 30, tzinfo=LONDON),
        ),
        # Friday afternoon → Monday's close (the weekend is not a working day).
        (
            dt.datetime(2027, 3, 19, 15, 0, tzinfo=UTC),
            dt.datetime(2027, 3, 22, 17, 30, tzinfo=LONDON),
        ),
        # Saturday → Monday's close.
        (SATURDAY, dt.datetime(2027, 3, 22, 17, 30, tzinfo=LONDON)),
    ],
)
def test_urgent_is_by_the_end_of_the_next_working_day(
    now: dt.datetime, deadline: dt.datetime
) -> None:
    assert windows.booking_deadline("URGENT", now) == deadline


def test_soon_and_routine_windows_and_emergency_none() -> None:
    now = dt.datetime(2027, 3, 17, 10, 0, tzinfo=UTC)
    assert windows.booking_deadline("SOON", now) == dt.datetime(2027, 4, 1, tzinfo=LONDON)
    assert windows.booking_deadline("ROUTINE", now) == dt.datetime(2027, 4, 29, tzinfo=LONDON)
    assert windows.booking_deadline("EMERGENCY", now) is None


@override_settings(CLINIC_BOOKING_SOON_DAYS=7, CLINIC_BOOKING_URGENT_WORKING_DAYS=2)
def test_windows_are_configurable() -> None:
    now = dt.datetime(2027, 3, 17, 10, 0, tzinfo=UTC)  # a Wednesday
    assert windows.booking_deadline("SOON", now) == dt.datetime(2027, 3, 25, tzinfo=LONDON)
    assert windows.booking_deadline("URGENT", now) == dt.datetime(
        2027, 3, 19, 17, 30, tzinfo=LONDON
    )
