"""Slots: the diary's bookable times, generated from the weekly availability rules and their
exceptions, weeks ahead and idempotently (docs/scheduling.md)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.scheduling import windows
from intake.scheduling.models import (
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AvailabilityException,
    AvailabilityRule,
    Slot,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlotGeneration:
    """What one run of slot generation did."""

    created: int
    removed: int
    # Booked slots that the rules or exceptions no longer allow (e.g. leave added later):
    # kept, never deleted; reception moves those patients.
    clashes: int


def _overlaps(start: dt.datetime, end: dt.datetime, spans: Sequence[tuple[Any, Any]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _wanted_slots(
    *, first: dt.date, last: dt.date, now: dt.datetime
) -> dict[tuple[int, dt.datetime], tuple[int, dt.datetime]]:
    """(clinician id, start) -> (appointment type id, end) for every slot the rules allow.

    Times are built from each rule's wall-clock times on each day in the clinic's zone, so a
    09:00 session starts at 09:00 local time on both sides of a daylight-saving change.
    """
    zone = windows.clinic_zone()
    horizon_start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    horizon_end = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    rules = (
        AvailabilityRule.objects.filter(
            clinician__active=True, appointment_type__active=True, valid_from__lt=last
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .select_related("clinician", "appointment_type")
        .order_by("clinician_id", "weekday", "start_time", "pk")
    )
    closed: dict[int | None, list[tuple[Any, Any]]] = {}
    for exc in AvailabilityException.objects.filter(
        starts_at__lt=horizon_end, ends_at__gt=horizon_start
    ):
        closed.setdefault(exc.clinician_id, []).append((exc.starts_at, exc.ends_at))
    wanted: dict[tuple[int, dt.datetime], tuple[int, dt.datetime]] = {}
    taken: dict[int, list[tuple[Any, Any]]] = {}
    for rule in rules:
        kind = rule.appointment_type
        if rule.clinician.role not in (kind.roles or []):
            logger.warning("availability rule %s: the clinician's role cannot take it", rule.pk)
            continue
        length = dt.timedelta(minutes=kind.duration_minutes)
        blocked = closed.get(rule.clinician_id, []) + closed.get(None, [])
        day = max(first, rule.valid_from)
        stop = min(last, rule.valid_to + dt.timedelta(days=1)) if rule.valid_to else last
        day += dt.timedelta(days=(rule.weekday - day.weekday()) % 7)
        while day < stop:
            cursor = dt.datetime.combine(day, rule.start_time)
            session_end = dt.datetime.combine(day, rule.end_time)
            while cursor + length <= session_end:
                start = windows.wall_clock(day, cursor.time(), zone)
                cursor += length
                if start is None or start <= now:
                    continue
                end = start + length
                mine = taken.setdefault(rule.clinician_id, [])
                if _overlaps(start, end, blocked) or _overlaps(start, end, mine):
                    continue
                mine.append((start, end))
                wanted[(rule.clinician_id, start)] = (kind.pk, end)
            day += dt.timedelta(days=7)
    return wanted


SLOT_WEEKS_MAX = 104


def _delete_unused_slots(ids: Sequence[int]) -> int:
    """Delete these slots, skipping any booked since they were read (a booking racing the
    nightly job must not make the whole run fail, nor lose its slot)."""
    if not ids:
        return 0
    try:
        with transaction.atomic():
            return int(Slot.objects.filter(pk__in=ids).delete()[0])
    except (IntegrityError, ProtectedError):
        removed = 0
        for pk in ids:
            try:
                with transaction.atomic():
                    removed += Slot.objects.filter(pk=pk).delete()[0]
            except (IntegrityError, ProtectedError):
                continue
        return removed


@transaction.atomic
def slot_generate(*, weeks: int | None = None, now: dt.datetime | None = None) -> SlotGeneration:
    """Make the future slots match the availability rules and exceptions for the next N weeks.

    Idempotent: a second run with nothing changed creates and removes nothing. Creates the
    missing slots; removes future slots the rules no longer allow (leave added, a rule ended)
    only if no appointment, even a cancelled one, ever used them. A booked slot is never
    deleted: it is counted as a clash for reception to move. Run nightly by beat and by
    `manage.py generate_slots`. Side effects: Slot rows.
    """
    now = now or timezone.now()
    weeks = settings.CLINIC_SLOT_WEEKS if weeks is None else weeks
    if not 1 <= weeks <= SLOT_WEEKS_MAX:
        # 0 weeks would make every future free slot "unwanted" and empty the diary.
        raise ValidationError(
            _("Slots are made 1 to %(max)d weeks ahead, not %(weeks)d.")
            % {"max": SLOT_WEEKS_MAX, "weeks": weeks}
        )
    zone = windows.clinic_zone()
    first = now.astimezone(zone).date()
    last = first + dt.timedelta(weeks=weeks)
    wanted = _wanted_slots(first=first, last=last, now=now)
    horizon_end = dt.datetime.combine(last, dt.time(), tzinfo=zone)
    existing = Slot.objects.filter(start__gt=now, start__lt=horizon_end).annotate(
        used=Exists(Appointment.objects.filter(slot=OuterRef("pk"))),
        held=Exists(
            Appointment.objects.filter(slot=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT_STATUSES)
        ),
    )
    stale, clashes, have = [], 0, set()
    for slot in existing:
        key = (slot.clinician_id, slot.start)
        if wanted.get(key) == (slot.appointment_type_id, slot.end):
            have.add(key)
        elif slot.held:
            clashes += 1
            have.add(key)  # its start stays taken: nothing else is created on top of it
        elif not slot.used:
            stale.append(slot.pk)
        else:
            have.add(key)  # history (a cancelled booking) points at it; leave it be
    removed = _delete_unused_slots(stale)
    new = [
        Slot(clinician_id=clinician_id, start=start, appointment_type_id=kind_id, end=end)
        for (clinician_id, start), (kind_id, end) in sorted(wanted.items(), key=lambda i: i[0][1])
        if (clinician_id, start) not in have
    ]
    created = len(Slot.objects.bulk_create(new, ignore_conflicts=True))
    if clashes:
        logger.warning("slot generation: %s booked slots clash with the availability", clashes)
    return SlotGeneration(created=created, removed=removed, clashes=clashes)
