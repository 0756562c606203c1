"""Scheduling rules that need no database: booking windows, the clinic's wall clock, and what
the patient is told about an appointment's place.

The services (`slots.slot_generate`, `booking.appointment_*`) and selectors use these; they
read settings and the clock only through their arguments where it matters for tests (`now`).
The patient's cancel link is signed and read by `intake.emails` (`cancel_token`), which writes
it into the messages. See docs/scheduling.md.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from intake import emails
from intake.models import Tier
from intake.scheduling.models import Appointment


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (settings.TIME_ZONE, from CLINIC_TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def wall_clock(day: dt.date, time: dt.time, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """`time` on `day` in the clinic's zone, aware; None if that wall-clock time does not exist.

    On the morning clocks go forward (01:00 to 02:00 in London) the skipped hour has no
    instant: a slot there is not offered rather than silently shifted by an hour. On the night
    clocks go back, the first of the two instants is taken (fold=0).
    """
    zone = zone or clinic_zone()
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def _day_end(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    closes = dt.time.fromisoformat(settings.CLINIC_CLOSES_AT)
    return wall_clock(day, closes, zone) or dt.datetime.combine(day, closes, tzinfo=zone)


def booking_deadline(tier: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The latest start a patient of this tier should be booked for; None for EMERGENCY.

    URGENT: by the close of the CLINIC_BOOKING_URGENT_WORKING_DAYS-th working day after today
    (the next working day by default: a Friday's patient by Monday's close). SOON and ROUTINE:
    by the end of the day CLINIC_BOOKING_SOON_DAYS / _ROUTINE_DAYS from today. Working days
    are CLINIC_OPEN_WEEKDAYS; public holidays are closures (availability exceptions) and are
    not counted out here.
    """
    if tier == Tier.EMERGENCY:
        return None
    zone = clinic_zone()
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    if tier == Tier.URGENT:
        day, left = today, settings.CLINIC_BOOKING_URGENT_WORKING_DAYS
        while left > 0:
            day += dt.timedelta(days=1)
            if day.weekday() in settings.CLINIC_OPEN_WEEKDAYS:
                left -= 1
        return _day_end(day, zone)
    if tier == Tier.SOON:
        days = settings.CLINIC_BOOKING_SOON_DAYS
    else:
        days = settings.CLINIC_BOOKING_ROUTINE_DAYS
    last = today + dt.timedelta(days=days)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)


def is_bookable(tier: str) -> bool:
    """EMERGENCY is never booked: the patient must be directed to emergency care now."""
    return tier != Tier.EMERGENCY


def appointment_place(appointment: Appointment) -> dict[str, object]:
    """What, where and how to reach the clinic, as emails and the cancel page show it (no
    clinical detail, no patient name)."""
    kind = appointment.slot.appointment_type
    return emails.place_context(
        appointment=appointment, appointment_type=kind.name, location=kind.location
    )
