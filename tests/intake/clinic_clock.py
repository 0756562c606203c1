"""A clinic clock for tests whose answer depends on opening hours (issue 20's tier clocks).

The default opening hours are Monday to Friday, 08:30 to 17:30, in Europe/London; the URGENT
clock stops at closing time and restarts at the next opening, so these tests fix the time
rather than depend on the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.intake.backoffice.signin import Clock

LONDON = ZoneInfo("Europe/London")

# A Wednesday in March 2027 (no clock change that week), Tuesday and Friday around it.
TUESDAY = dt.date(2027, 3, 16)
WEDNESDAY = dt.date(2027, 3, 17)
FRIDAY = dt.date(2027, 3, 19)
SATURDAY = dt.date(2027, 3, 20)
MONDAY = dt.date(2027, 3, 22)


def at(day: dt.date, time: str) -> dt.datetime:
    """`time` ("HH:MM") on `day`, in the clinic's time zone."""
    return dt.datetime.combine(day, dt.time.fromisoformat(time), tzinfo=LONDON)


@pytest.fixture
def clinic_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Time frozen at Wednesday 10:00 (the clinic open); move it with `advance`, or set
    `clinic_clock.moment`."""
    return Clock(monkeypatch, at(WEDNESDAY, "10:00"))
