"""factory_boy factories for staff-side tests: realistic rows without walking the whole form.

Tests of the patient journey use the real services instead (tests/intake/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from intake import roles
from intake.models import TIER_RANK, Patient, Submission
from intake.scheduling.models import AppointmentType, Clinician, ClinicianRole, Slot

STAFF_PASSWORD = "correct-horse-battery"  # test accounts only

M = TypeVar("M", bound=Model)


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """A factory of model `M` whose call, `XFactory(...)`, is typed as returning an `M`."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy's metaclass makes `XFactory(...)` return XFactory.create(...), the saved
        # model; its own __new__ is untyped, and mypy wants __new__ to return the class itself.
        def __new__(cls, **kwargs: Any) -> M: ...  # type: ignore[misc]


class PatientFactory(ModelFactory[Patient]):
    class Meta:
        model = Patient

    full_name = factory.Sequence(lambda n: f"Patient {n} Example")
    date_of_birth = dt.date(1960, 5, 17)
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    phone = factory.Sequence(lambda n: f"07700 900{n % 1000:03d}")
    preferred_contact = "email"


class SubmissionFactory(ModelFactory[Submission]):
    """A sent submission awaiting review, with one fired rule and its reason."""

    class Meta:
        model = Submission

    token = factory.Sequence(lambda n: f"test-token-{n:08d}")
    status = Submission.Status.SUBMITTED
    patient = factory.SubFactory(PatientFactory)
    reference = factory.Sequence(
        lambda n: f"LEG-T{n // 1000 % 10}{n // 100 % 10}{n // 10 % 10}-{n % 10}AAA"
    )
    submitted_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    awaiting_since = factory.LazyAttribute(lambda o: o.submitted_at)
    age_years = 60
    ruleset_version = "2026.1"
    tier = "ROUTINE"
    engine_tier = factory.SelfAttribute("tier")
    tier_rank = factory.LazyAttribute(lambda o: TIER_RANK[o.tier])
    fired_rules = factory.LazyAttribute(lambda o: [f"{o.tier[:3]}_TEST"])
    reasons = factory.LazyAttribute(
        lambda o: [
            {
                "code": f"{o.tier[:3]}_TEST",
                "tier": o.tier,
                "staff_reason": f"Test reason for {o.tier.lower()}",
                "source": "test",
                "patient_text": "",
            }
        ]
    )
    scores = factory.LazyFunction(lambda: {"p_wells": 0, "ecq_class": "not_applicable"})
    answers = factory.LazyFunction(lambda: {"main_problem_text": "Aching calves"})


def ensure_role_groups() -> None:
    """Put back the role groups of intake/roles.py with their permissions.

    For tests with real transactions: the database is flushed after each of them, which takes
    the migrations' groups with it (content types and permissions come back by themselves).
    Serialized rollback would restore them, but mixed with the suite's other transactional
    tests it re-inserts content types that the flush already re-created.
    """
    roles.sync_roles()


def staff_user(username: str, group: str | None = None, **extra: Any) -> User:
    """A staff account in one of the role groups (intake/roles.py, created by migrations)."""
    user = get_user_model().objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user: User, client: Client | None = None) -> Client:
    """A browser signed in as `user` (made by staff_user), with both factors done.

    The one helper every staff test signs in with: Django's own login (the `user_logged_in`
    signal and its receivers run, as for a real sign-in), then the session marked as verified
    by a second factor, the test's backup-code device (tests of the sign-in itself go through
    the real pages: tests/intake/backoffice/test_sign_in.py).
    """
    client = client or Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    verify_session(client, user)
    return client


def verify_session(client: Client, user: User) -> None:
    """Mark `client`'s signed-in session as having passed the second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Test device", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# --- Scheduling ----------------------------------------------------------------------------------


class ClinicianFactory(ModelFactory[Clinician]):
    class Meta:
        model = Clinician

    name = factory.Sequence(lambda n: f"Dr Clinician {n}")
    role = ClinicianRole.VASCULAR_SURGEON


class AppointmentTypeFactory(ModelFactory[AppointmentType]):
    class Meta:
        model = AppointmentType
        django_get_or_create = ("name",)

    name = "Vascular clinic new patient"
    duration_minutes = 30
    roles = factory.LazyFunction(
        lambda: [ClinicianRole.VASCULAR_SURGEON, ClinicianRole.VASCULAR_NURSE]
    )
    location = "Outpatients B, room 4"


def _next_hour(days: int = 2) -> dt.datetime:
    return (timezone.now() + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


class SlotFactory(ModelFactory[Slot]):
    """A free 30-minute slot two days ahead (each one an hour after the previous)."""

    class Meta:
        model = Slot

    clinician = factory.SubFactory(ClinicianFactory)
    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    start = factory.Sequence(lambda n: _next_hour() + dt.timedelta(hours=n))
    end = factory.LazyAttribute(
        lambda o: o.start + dt.timedelta(minutes=o.appointment_type.duration_minutes)
    )


class TriagedSubmissionFactory(SubmissionFactory):
    """A sent submission a clinician has triaged: ready to book."""

    status = Submission.Status.TRIAGED
    tier = "SOON"
