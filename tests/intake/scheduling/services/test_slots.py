"""Slot generation from weekly availability and its exceptions: the service, the command and the
nightly job."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from clinic.celery import app as celery_app
from intake.models import Submission
from intake.scheduling import tasks, windows
from intake.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Clinician,
    Slot,
)
from intake.scheduling.services import booking, slots
from tests.factories import (
    AppointmentTypeFactory,
    ClinicianFactory,
    SlotFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
# A Saturday in March 2027, a week before the clocks go forward (Sunday 28 March, 01:00 UTC).
SATURDAY = dt.datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


def rule(
    clinician: Clinician | None = None,
    *,
    weekday: int = 0,
    start: str = "09:00",
    end: str = "10:00",
    appointment_type: AppointmentType | None = None,
    valid_from: dt.date = dt.date(2026, 1, 1),
    valid_to: dt.date | None = None,
) -> AvailabilityRule:
    return AvailabilityRule.objects.create(
        clinician=clinician or ClinicianFactory(),
        weekday=weekday,
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
        appointment_type=appointment_type or AppointmentTypeFactory(),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def local_starts(**filters: object) -> list[str]:
    return [
        f"{slot.start.astimezone(LONDON):%a %d %H:%M}"
        for slot in Slot.objects.filter(**filters).order_by("start")
    ]


def test_weekly_rule_makes_slots_of_the_type_duration() -> None:
    rule(weekday=0, start="09:00", end="10:15")  # 30 min: 09:00, 09:30 (10:00 would overrun)
    result = slots.slot_generate(weeks=2, now=SATURDAY)
    assert result.created == 4
    assert local_starts() == ["Mon 22 09:00", "Mon 22 09:30", "Mon 29 09:00", "Mon 29 09:30"]
    slot = Slot.objects.order_by("start").first()
    assert slot is not None
    assert slot.end - slot.start == dt.timedelta(minutes=30)


def test_generation_is_idempotent() -> None:
    rule(weekday=0)
    rule(weekday=2, start="13:00", end="15:00")
    first = slots.slot_generate(weeks=4, now=SATURDAY)
    ids = set(Slot.objects.values_list("pk", flat=True))
    again = slots.slot_generate(weeks=4, now=SATURDAY)
    assert first.created == 4 * 2 + 4 * 4
    assert (again.created, again.removed, again.clashes) == (0, 0, 0)
    assert set(Slot.objects.values_list("pk", flat=True)) == ids


def test_slots_keep_their_wall_clock_time_across_the_clocks_going_forward() -> None:
    rule(weekday=0, start="09:00", end="09:30")
    slots.slot_generate(weeks=2, now=SATURDAY)
    before, after = Slot.objects.order_by("start")
    # 09:00 in London both weeks: GMT (UTC+0) before the change, BST (UTC+1) after.
    assert before.start == dt.datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert after.start == dt.datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert local_starts() == ["Mon 22 09:00", "Mon 29 09:00"]


def test_slots_keep_their_wall_clock_time_when_the_clocks_go_back() -> None:
    rule(weekday=0, start="09:00", end="09:30")
    slots.slot_generate(weeks=2, now=dt.datetime(2027, 10, 23, 12, tzinfo=UTC))
    starts = [s.start for s in Slot.objects.order_by("start")]
    assert starts == [
        dt.datetime(2027, 10, 25, 8, 0, tzinfo=UTC),  # BST until Sunday 31 October
        dt.datetime(2027, 11, 1, 9, 0, tzinfo=UTC),  # GMT from then on
    ]
    assert local_starts() == ["Mon 25 09:00", "Mon 01 09:00"]


def test_a_session_in_the_hour_that_does_not_exist_skips_it() -> None:
    # Sunday 28 March 2027: 01:00-02:00 London time never happens.
    rule(weekday=6, start="00:30", end="03:00")
    slots.slot_generate(weeks=1, now=SATURDAY + dt.timedelta(days=7))
    assert local_starts() == ["Sun 28 00:30", "Sun 28 02:00", "Sun 28 02:30"]
    assert windows.wall_clock(dt.date(2027, 3, 28), dt.time(1, 30), LONDON) is None


@override_settings(TIME_ZONE="America/New_York")
def test_the_clinic_time_zone_is_a_setting() -> None:
    rule(weekday=0, start="09:00", end="09:30")
    slots.slot_generate(weeks=1, now=dt.datetime(2027, 1, 9, 12, tzinfo=UTC))
    slot = Slot.objects.get()
    assert slot.start == dt.datetime(2027, 1, 11, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_leave_and_closures_block_slots() -> None:
    alice, bob = ClinicianFactory(), ClinicianFactory()
    rule(alice, weekday=0, start="09:00", end="11:00")
    rule(bob, weekday=0, start="09:00", end="11:00")
    # Alice is away on the morning of Monday 22nd from 09:45; the clinic is shut on the 29th.
    AvailabilityException.objects.create(
        clinician=alice,
        starts_at=dt.datetime(2027, 3, 22, 9, 45, tzinfo=UTC),
        ends_at=dt.datetime(2027, 3, 22, 13, 0, tzinfo=UTC),
    )
    AvailabilityException.objects.create(
        clinician=None,
        kind=AvailabilityException.Kind.CLOSURE,
        starts_at=dt.datetime(2027, 3, 29, 0, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2027, 3, 30, 0, 0, tzinfo=LONDON),
    )
    slots.slot_generate(weeks=2, now=SATURDAY)
    assert local_starts(clinician=alice) == ["Mon 22 09:00"]  # 09:30 overlaps the leave
    assert local_starts(clinician=bob) == [
        "Mon 22 09:00",
        "Mon 22 09:30",
        "Mon 22 10:00",
        "Mon 22 10:30",
    ]


def test_leave_added_later_removes_free_slots_and_never_a_booked_one(receptionist: User) -> None:
    clinician = ClinicianFactory()
    rule(clinician, weekday=0, start="09:00", end="10:30")
    now = dt.datetime.now(UTC)
    slots.slot_generate(weeks=2, now=now)
    booked_slot = Slot.objects.order_by("start")[0]
    submission = SubmissionFactory(status=Submission.Status.TRIAGED, tier="ROUTINE")
    booking.appointment_book(submission=submission, slot=booked_slot, actor=receptionist)
    AvailabilityException.objects.create(
        clinician=clinician,
        starts_at=booked_slot.start - dt.timedelta(hours=1),
        ends_at=booked_slot.start + dt.timedelta(hours=3),
    )
    result = slots.slot_generate(weeks=2, now=now)
    assert result.removed == 2  # the two free slots of that morning
    assert result.clashes == 1  # the booked one stays, for reception to move
    assert Slot.objects.filter(pk=booked_slot.pk).exists()
    assert Appointment.objects.get().slot_id == booked_slot.pk
    out = io.StringIO()
    call_command("generate_slots", "--weeks", "2", stdout=out)
    assert "1 booked slots clash" in out.getvalue()


def test_rules_outside_their_dates_or_for_the_wrong_role_make_nothing() -> None:
    scan = AppointmentTypeFactory(name="Same-day duplex scan", roles=["sonographer"])
    rule(weekday=0, appointment_type=scan)  # a surgeon cannot take a scan slot
    rule(weekday=1, valid_from=dt.date(2027, 3, 1), valid_to=dt.date(2027, 3, 22))
    rule(weekday=2, valid_from=dt.date(2027, 3, 25))  # starts after Wednesday the 24th
    rule(ClinicianFactory(active=False), weekday=3)
    slots.slot_generate(weeks=1, now=SATURDAY)
    assert local_starts() == []


def test_overlapping_rules_of_one_clinician_do_not_make_overlapping_slots() -> None:
    clinician = ClinicianFactory()
    rule(clinician, weekday=0, start="09:00", end="10:00")
    rule(
        clinician,
        weekday=0,
        start="09:15",
        end="10:15",
        appointment_type=AppointmentTypeFactory(name="Vein clinic", duration_minutes=60),
    )
    slots.slot_generate(weeks=1, now=SATURDAY)
    assert local_starts() == ["Mon 22 09:00", "Mon 22 09:30"]


def test_the_command_and_the_nightly_beat_job() -> None:
    rule(weekday=0)
    out = io.StringIO()
    call_command("generate_slots", "--weeks", str(settings.CLINIC_SLOT_WEEKS), stdout=out)
    assert f"{settings.CLINIC_SLOT_WEEKS * 2} created" in out.getvalue()
    entry = settings.CELERY_BEAT_SCHEDULE["generate-slots"]
    # The name it had in the core's tasks module: beat and queued messages still find it.
    assert entry["task"] == "intake.tasks.generate_slots" == tasks.generate_slots.name
    assert entry["task"] in celery_app.tasks
    assert tasks.generate_slots() == 0  # already there: idempotent


def test_the_beat_entry_is_daily() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["generate-slots"]["schedule"] == 24 * 3600


def test_a_slot_booked_while_the_job_runs_is_kept_and_the_run_goes_on(receptionist: User) -> None:
    # The job read these three as unused; one was booked before it got to deleting them.
    unused = [SlotFactory(), SlotFactory()]
    booked = SlotFactory()
    submission = SubmissionFactory(status=Submission.Status.TRIAGED, tier="ROUTINE")
    booking.appointment_book(submission=submission, slot=booked, actor=receptionist)
    removed = slots._delete_unused_slots([s.pk for s in [*unused, booked]])
    assert removed == 2
    assert list(Slot.objects.all()) == [booked]


@pytest.mark.parametrize("weeks", ["0", "-2", "500"])
def test_generate_slots_refuses_a_horizon_that_would_empty_or_flood_the_diary(weeks: str) -> None:
    from django.core.management.base import CommandError

    rule(weekday=0, start="09:00", end="10:00")
    slots.slot_generate(weeks=2)
    before = Slot.objects.count()
    with pytest.raises(CommandError, match="--weeks: Slots are made 1 to 104 weeks ahead"):
        call_command("generate_slots", "--weeks", weeks)
    assert Slot.objects.count() == before
    # The nightly job reads CLINIC_SLOT_WEEKS: a 0 there is refused the same way.
    with pytest.raises(ValidationError):
        slots.slot_generate(weeks=0)
    assert Slot.objects.count() == before
