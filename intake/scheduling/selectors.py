"""Reads for booking: free slots inside a tier's window, a day's appointments, blocking leave,
the appointment a patient's cancel link names. `<entity>_<get|list>[_qualifier]` (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from intake import emails
from intake.models import TIER_RANK, Submission
from intake.scheduling import windows
from intake.scheduling.models import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentType,
    AvailabilityException,
    Clinician,
    Slot,
)
from intake.selectors.dashboard import CappedCount, count_capped, tiers_most_urgent_first


def appointment_get_booked_start() -> Subquery:
    """The start of the submission's booked appointment, as a sub-query over Submission rows
    (`OuterRef("pk")`): the queue's "appointment" column and "has appointment" filter. One
    correlated sub-query per shown row (served by appointment_submission_idx), not a query per
    row."""
    booked = Appointment.objects.filter(submission=OuterRef("pk"), status=Appointment.Status.BOOKED)
    return Subquery(booked.values("starts_at")[:1])


@dataclass(frozen=True)
class SlotChoice:
    slot: Slot
    in_window: bool


@dataclass(frozen=True)
class BookingOptions:
    """What the booking page offers: free slots by day, those inside the tier's window first."""

    deadline: dt.datetime | None  # None: EMERGENCY, not bookable
    days: list[tuple[dt.date, list[SlotChoice]]]
    in_window: int
    # Slots outside the window shown after those inside (the nearest ones; more exist).
    later_shown: int
    # More free slots inside the window than the page lists (a long ROUTINE window).
    more_in_window: bool = False


# Slots after the window shown below the ones inside it: enough to choose from, not a wall.
LATER_SLOTS_SHOWN = 40


# Inside the window the soonest this many are listed; the type filter narrows the rest.
IN_WINDOW_SHOWN = 150


def slot_list_free(
    *,
    now: dt.datetime,
    until: dt.datetime | None = None,
    appointment_type: AppointmentType | None = None,
) -> QuerySet[Slot]:
    """Future slots with no active appointment, soonest first, clinician and type joined.

    Slots under leave or a closure are left out even before the nightly generation removes
    them: an exception entered at 9 o'clock blocks bookings at once.
    """
    held = Appointment.objects.filter(slot=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT_STATUSES)
    slots = (
        Slot.objects.filter(start__gt=now, clinician__active=True)
        .exclude(Exists(held))
        .exclude(
            Exists(
                availabilityexception_list_blocking(
                    OuterRef("clinician"), OuterRef("start"), OuterRef("end")
                )
            )
        )
        .select_related("clinician", "appointment_type")
        .order_by("start", "clinician__name", "pk")
    )
    if until is not None:
        slots = slots.filter(start__lt=until)
    if appointment_type is not None:
        slots = slots.filter(appointment_type=appointment_type)
    return slots


def availabilityexception_list_blocking(
    clinician: Any, start: Any, end: Any
) -> QuerySet[AvailabilityException]:
    """Leave of this clinician, or clinic closures, overlapping [start, end)."""
    return AvailabilityException.objects.filter(
        Q(clinician=clinician) | Q(clinician__isnull=True), starts_at__lt=end, ends_at__gt=start
    )


def slot_list_for_booking(
    *,
    tier: str,
    now: dt.datetime,
    since: dt.datetime | None = None,
    appointment_type: AppointmentType | None = None,
    exclude_slot: int | None = None,
) -> BookingOptions:
    """Free slots for a patient of `tier`: inside the booking window first (by day, marked; the
    soonest IN_WINDOW_SHOWN), then the nearest LATER_SLOTS_SHOWN after it. Two queries.

    The window counts from `since`, when the patient sent the form (not from today: a patient
    left unbooked over a weekend does not get a later target). A window already past has no
    slots inside it, so the page warns and offers to escalate.
    """
    deadline = windows.booking_deadline(tier, since or now)
    if deadline is None:
        return BookingOptions(deadline=None, days=[], in_window=0, later_shown=0)
    free = slot_list_free(now=now, appointment_type=appointment_type)
    if exclude_slot is not None:
        free = free.exclude(pk=exclude_slot)
    inside = [
        SlotChoice(slot, True) for slot in free.filter(start__lt=deadline)[: IN_WINDOW_SHOWN + 1]
    ]
    more_in_window = len(inside) > IN_WINDOW_SHOWN
    inside = inside[:IN_WINDOW_SHOWN]
    later = [
        SlotChoice(slot, False) for slot in free.filter(start__gte=deadline)[:LATER_SLOTS_SHOWN]
    ]
    days: list[tuple[dt.date, list[SlotChoice]]] = []
    for choice in inside + later:
        day = timezone.localdate(choice.slot.start)
        if days and days[-1][0] == day and days[-1][1][-1].in_window == choice.in_window:
            days[-1][1].append(choice)
        else:
            days.append((day, [choice]))
    return BookingOptions(
        deadline=deadline,
        days=days,
        in_window=len(inside),
        later_shown=len(later),
        more_in_window=more_in_window,
    )


def appointment_get_booked_for(submission: Submission) -> Appointment | None:
    """The submission's booked (upcoming) appointment, if any, with its slot's details."""
    return (
        Appointment.objects.filter(submission=submission, status=Appointment.Status.BOOKED)
        .select_related("clinician", "slot__appointment_type")
        .first()
    )


def appointment_list_for_day(
    day: dt.date, *, clinician: Clinician | None = None
) -> QuerySet[Appointment]:
    """A day's appointments (cancelled ones too, marked), by clinician then time."""
    zone = windows.clinic_zone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    appointments = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("clinician", "slot__appointment_type", "submission__patient")
        .order_by("clinician__name", "starts_at", "pk")
    )
    if clinician is not None:
        appointments = appointments.filter(clinician=clinician)
    return appointments


def appointment_get_for_cancel_link(token: str) -> Appointment:
    """The appointment a patient's cancel link names.

    Raises signing.SignatureExpired (link too old), signing.BadSignature (not ours) or
    Appointment.DoesNotExist.
    """
    appointment_id = emails.appointment_id_from_cancel_token(token)
    return Appointment.objects.select_related(
        "clinician", "slot__appointment_type", "submission"
    ).get(pk=appointment_id)


# --- The staff home page: cases to book, and the diary's figures ---------------------------------


@dataclass(frozen=True)
class TierBooking:
    """One tier's line of "to book" on the home page."""

    tier: str
    label: str
    to_book: CappedCount
    past_deadline: CappedCount
    # Forms sent before this are past their booking deadline now (a local midnight: a window
    # depends only on the day the form was sent).
    sent_before: dt.datetime


def sent_before_for_deadline(tier: str, now: dt.datetime) -> dt.datetime:
    """The first local midnight from which a form of `tier` sent then still has its booking
    deadline ahead (`windows.booking_deadline` > now); every form sent before it is past it.

    A window depends only on the day a form was sent and ends later for a later day, so this
    walks back from today until the window of the day before has closed.
    """
    zone = windows.clinic_zone()
    day = now.astimezone(zone).date()
    for _ in range(800):  # far more days than any window has
        previous = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tzinfo=zone)
        deadline = windows.booking_deadline(tier, previous)
        if deadline is None or deadline <= now:
            break
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone)


def submission_list_booking_counts(*, now: dt.datetime) -> list[TierBooking]:
    """Per bookable tier, most urgent first: cases triaged and not booked (status "triaged": a
    booking moves a case on to "booked", a cancellation back), and those of them past their
    booking deadline (counted from when the form was sent, as the booking page does). Two
    capped queries per tier, on the queue's (status, tier) index; EMERGENCY is never booked."""
    lines = []
    for tier in tiers_most_urgent_first():
        if not windows.is_bookable(tier):
            continue
        to_book = Submission.objects.filter(
            status=Submission.Status.TRIAGED, tier_rank=TIER_RANK[tier]
        )
        sent_before = sent_before_for_deadline(tier, now)
        lines.append(
            TierBooking(
                tier=tier.value,
                label=str(tier.label),
                to_book=count_capped(to_book),
                past_deadline=count_capped(to_book.filter(submitted_at__lt=sent_before)),
                sent_before=sent_before,
            )
        )
    return lines


@dataclass(frozen=True)
class BookedAppointment:
    tier: str
    submitted_at: dt.datetime | None
    starts_at: dt.datetime


def appointment_list_booked_since(*, since: dt.datetime) -> list[BookedAppointment]:
    """Appointments booked since `since` that were kept (booked, attended or did not attend;
    not cancelled), with their case's tier and sending time: whether each was inside its
    window. One query on the appointments booked in the period."""
    rows = (
        Appointment.objects.filter(booked_at__gte=since, status__in=ACTIVE_APPOINTMENT_STATUSES)
        .values_list("submission__tier", "submission__submitted_at", "starts_at")
        .order_by()
    )
    return [BookedAppointment(tier, sent, starts) for tier, sent, starts in rows]


def appointment_list_attendance_per_day(
    *, since: dt.datetime, until: dt.datetime
) -> dict[tuple[dt.date, str], int]:
    """(day, status) -> appointments that started that day, from `since` until `until`, by
    status: attended, did not attend, or still "booked" (attendance not recorded). One grouped
    query on the diary's index."""
    rows = (
        Appointment.objects.filter(
            starts_at__gte=since, starts_at__lt=until, status__in=ACTIVE_APPOINTMENT_STATUSES
        )
        .annotate(day=TruncDate("starts_at", tzinfo=windows.clinic_zone()))
        .values("day", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["day"], row["status"]): row["n"] for row in rows}
