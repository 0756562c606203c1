"""Scheduling rules that need no database: booking windows, the clinic's wall clock, and what
the patient is told about an appointment's place.

The services (`slots.slot_generate`, `booking.appointment_*`) and selectors use these; they
read settings and the clock only through their arguments where it matters for tests (`now`).
The patient's cancel link is signed and read by `intake.emails` (`cancel_token`), which writes
it into the messages. See docs/scheduling.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from intake import clinical, emails
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
    """The latest start a patient of this tier should be booked for, counted from `now` (when
    the form was sent); None for EMERGENCY, which is never booked. The tier's clock in
    CLINIC_TIERS (intake.clinical.tier_clock), the one the patient's words are checked against:

    URGENT (`book_within_working_days`, 0 by default: "You need to be seen today"): by the close
    of that working day, counted from the day the form was sent if the clinic was open then
    (`clinic_open_now`: the patient was told the clinic will phone today), else from the day of
    the next opening (the patient was told to call NHS 111 now, and the clinic sees them when it
    next opens: later the same day before opening time, else the next working day). SOON and
    ROUTINE (`book_within_days`): by the end of the day that many days after. Working days
    are CLINIC_OPEN_WEEKDAYS; public holidays are closures (availability exceptions) and are
    not counted out here.
    """
    if tier not in settings.CLINIC_TIERS:
        return None
    clock = clinical.tier_clock(tier)
    if not clock.bookable:
        return None
    zone = clinic_zone()
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    if clock.book_within_working_days is not None:
        if clinical.clinic_open_now(now):
            day = today
        else:  # from the next opening: today's before opening time, else the next working day
            day = clinical.next_opening(now).astimezone(zone).date()
        for _extra in range(clock.book_within_working_days):
            day = clinical.next_working_day(day)
        return _day_end(day, zone)
    last = today + dt.timedelta(days=clock.book_within_days or 0)
    return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)


@dataclass(frozen=True)
class Deadline:
    """When a case should be booked by; `closed_at`, if set, is the tier's own deadline, which
    closed too soon after triage to be met, and `book_by` the next opening session's close."""

    book_by: dt.datetime
    closed_at: dt.datetime | None = None

    @property
    def extended(self) -> bool:
        return self.closed_at is not None


def case_deadline(
    tier: str, *, sent_at: dt.datetime | None, triaged_at: dt.datetime
) -> Deadline | None:
    """The booking deadline of a case of `tier` sent at `sent_at`, triaged at `triaged_at`.

    The tier's window (`booking_deadline`) counts from when the form was sent: a case left over
    a weekend does not get a later target. But a window that closes less than
    CLINIC_BOOKING_MIN_LEAD_MINUTES after triage (or had closed already: an URGENT case triaged
    at 17:27, its window closing at 17:30) cannot be booked inside it: it is extended to the
    close of the next opening session at least that long after triage, and `closed_at` keeps
    the original, for the warning on the booking page. None for EMERGENCY.
    """
    deadline = booking_deadline(tier, sent_at or triaged_at)
    if deadline is None:
        return None
    earliest = triaged_at + dt.timedelta(minutes=settings.CLINIC_BOOKING_MIN_LEAD_MINUTES)
    if deadline >= earliest:
        return Deadline(book_by=deadline)
    zone = clinic_zone()
    day = earliest.astimezone(zone).date()
    if not clinical.is_working_day(day):
        day = clinical.next_working_day(day)
    while _day_end(day, zone) < earliest:
        day = clinical.next_working_day(day)
    return Deadline(book_by=_day_end(day, zone), closed_at=deadline)


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
