"""Reads for booking: free slots inside a tier's window, a day's appointments, blocking leave,
the appointment a patient's cancel link names. `<entity>_<get|list>[_qualifier]` (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
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
    BookingRequest,
    CaseToBook,
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
    deadline: dt.datetime | None = None,
) -> BookingOptions:
    """Free slots for a patient of `tier`: inside the booking window first (by day, marked; the
    soonest IN_WINDOW_SHOWN), then the nearest LATER_SLOTS_SHOWN after it. Two queries.

    The window ends at `deadline` (the case's own, `submission_get_deadline`), or else counts
    from `since`, when the patient sent the form (not from today: a patient left unbooked over
    a weekend does not get a later target). A window already past has no slots inside it, so
    the page warns and offers to escalate. EMERGENCY: no slots.
    """
    if deadline is None or not windows.is_bookable(tier):
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


# --- Booking requests (issue 20) -----------------------------------------------------------------


def bookingrequest_get_for(submission: Submission) -> BookingRequest | None:
    """The case's booking request (triage's guidance, the deadline), with its type, or None."""
    return (
        BookingRequest.objects.filter(submission=submission)
        .select_related("appointment_type", "set_by")
        .first()
    )


def submission_get_deadline(
    submission: Submission, *, request: BookingRequest | None = None, now: dt.datetime
) -> windows.Deadline | None:
    """When the case should be booked by: its booking request's deadline, or, for a case
    triaged before requests existed (or not triaged yet), the tier's window counted as if it
    were triaged when its status last changed. None: EMERGENCY (never booked)."""
    if request is not None and request.book_by is not None:
        return windows.Deadline(book_by=request.book_by, closed_at=request.window_closed_at)
    if not submission.tier or not windows.is_bookable(submission.tier):
        return None
    return windows.case_deadline(
        submission.tier,
        sent_at=submission.submitted_at,
        triaged_at=submission.status_changed_at or submission.submitted_at or now,
    )


def bookingrequest_needs_slot() -> Exists:
    """Whether the submission (`OuterRef("pk")`) is waiting for the triage clinicians' answer
    to reception's "no slot inside the window": the queue's "needs a slot" column and filter."""
    return Exists(
        BookingRequest.objects.filter(submission=OuterRef("pk"), needs_slot_since__isnull=False)
    )


def _to_book(rows: QuerySet[Any]) -> QuerySet[Any]:
    """Triaged cases with no booked appointment, EMERGENCY left out (it is never booked)."""
    booked = Appointment.objects.filter(submission=OuterRef("pk"), status=Appointment.Status.BOOKED)
    return (
        rows.filter(status=Submission.Status.TRIAGED)
        .exclude(tier="EMERGENCY")
        .exclude(Exists(booked))
    )


def submission_list_to_book() -> QuerySet[Submission]:
    """What is to book: triaged cases with no booked appointment, EMERGENCY left out. The rows
    of reception's To book list (`casetobook_list`), the home page's counts and the
    overdue-booking alert; unordered."""
    return _to_book(Submission.objects.all())


def casetobook_list() -> QuerySet[CaseToBook]:
    """Reception's "To book": triaged cases with no booked appointment, EMERGENCY left out (it
    is never booked), soonest deadline first (cases triaged before deadlines were kept, which
    have none stored, first of all: they are the oldest). One query: the patient, the request
    and its recommended type are joined; `needs_slot` and `patient_cancelled` (a cancellation
    reception has not acknowledged) are annotated."""
    cancelled = Appointment.objects.filter(
        submission=OuterRef("pk"),
        status=Appointment.Status.CANCELLED,
        cancelled_by_patient=True,
        cancellation_acknowledged_at__isnull=True,
    )
    # The proxy inherits Submission's manager, typed for Submission rows.
    return cast(
        "QuerySet[CaseToBook]",
        _to_book(CaseToBook.objects.all())
        .annotate(needs_slot=bookingrequest_needs_slot(), patient_cancelled=Exists(cancelled))
        .select_related("patient", "booking_request__appointment_type")
        .order_by(F("booking_request__book_by").asc(nulls_first=True), "-tier_rank", "pk"),
    )


def submission_filter_past_deadline(rows: QuerySet[Any], *, now: dt.datetime) -> QuerySet[Any]:
    """Those of `rows` (cases to book) whose booking deadline has passed: their booking
    request's `book_by` (the tier's window from when the form was sent, extended after a late
    triage: `windows.case_deadline`), as To book's "Passed" filter and the overdue alert read
    it. A case triaged before requests existed has none stored until the alert job writes it
    (within minutes)."""
    return rows.filter(booking_request__book_by__lt=now)


def appointment_list_cancelled_by_patient(submission: Submission) -> QuerySet[Appointment]:
    """The submission's appointments the patient cancelled that reception has not acknowledged
    yet (the case page's banner), newest first."""
    return (
        Appointment.objects.filter(
            submission=submission,
            status=Appointment.Status.CANCELLED,
            cancelled_by_patient=True,
            cancellation_acknowledged_at__isnull=True,
        )
        .select_related("clinician", "slot__appointment_type")
        .order_by("-cancelled_at", "-pk")
    )


# --- The staff home page: cases to book, and the diary's figures ---------------------------------


@dataclass(frozen=True)
class TierBooking:
    """One tier's line of "to book" on the home page."""

    tier: str
    label: str
    to_book: CappedCount
    past_deadline: CappedCount


def submission_list_booking_counts(*, now: dt.datetime) -> list[TierBooking]:
    """Per bookable tier, most urgent first: the cases to book (`submission_list_to_book`,
    the rows of reception's To book list) and those of them past their booking deadline
    (`submission_filter_past_deadline`: To book's "Passed"). Two capped queries per tier;
    EMERGENCY is never booked."""
    lines = []
    for tier in tiers_most_urgent_first():
        if not windows.is_bookable(tier):
            continue
        to_book = submission_list_to_book().filter(tier_rank=TIER_RANK[tier])
        lines.append(
            TierBooking(
                tier=tier.value,
                label=str(tier.label),
                to_book=count_capped(to_book),
                past_deadline=count_capped(submission_filter_past_deadline(to_book, now=now)),
            )
        )
    return lines


@dataclass(frozen=True)
class BookedAppointment:
    tier: str
    submitted_at: dt.datetime | None
    starts_at: dt.datetime
    # The case's booking deadline as its booking request keeps it (None: triaged before
    # requests existed).
    book_by: dt.datetime | None = None

    @property
    def deadline(self) -> dt.datetime | None:
        """The deadline the booking page gave this case (`submission_get_deadline`): its
        request's, else the tier's window counted from when the form was sent."""
        if self.book_by is not None:
            return self.book_by
        if self.submitted_at is None:
            return None
        return windows.booking_deadline(self.tier, self.submitted_at)


def appointment_list_booked_since(*, since: dt.datetime) -> list[BookedAppointment]:
    """Appointments booked since `since` that were kept (booked, attended or did not attend;
    not cancelled), with their case's tier, sending time and booking deadline: whether each
    was inside its window. One query on the appointments booked in the period."""
    rows = (
        Appointment.objects.filter(booked_at__gte=since, status__in=ACTIVE_APPOINTMENT_STATUSES)
        .values_list(
            "submission__tier",
            "submission__submitted_at",
            "starts_at",
            "submission__booking_request__book_by",
        )
        .order_by()
    )
    return [BookedAppointment(tier, sent, starts, book_by) for tier, sent, starts, book_by in rows]


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
