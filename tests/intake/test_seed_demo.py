"""seed_demo: demo staff accounts for `make run`, never in production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from intake.demo import demo_cases
from intake.management.commands.seed_demo import DEMO_PASSWORD
from intake.models import AuditEvent, Submission
from intake.scheduling.models import Appointment, AppointmentType, Clinician, Slot
from intake.services import staff

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_with_debug_off() -> None:
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG=1"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent_and_the_accounts_can_log_in(client: Client) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = get_user_model().objects.order_by("username")
    assert [u.username for u in users] == ["admin", "reception", "triage"]
    assert all(u.is_staff for u in users)
    assert [u.username for u in users if u.is_superuser] == ["admin"]
    assert DEMO_PASSWORD in out.getvalue()
    assert staff.DEMO_TOTP_SECRET in out.getvalue()
    # The two steps of the sign-in, as the README tells a newcomer: the password, then the
    # code the demo authenticator shows now (`manage.py demo_codes` prints it).
    client.post("/admin/login/", {"username": "triage", "password": DEMO_PASSWORD})
    codes = io.StringIO()
    call_command("demo_codes", stdout=codes)
    response = client.post("/admin/login/second-factor/", {"otp_token": codes.getvalue()[:6]})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    # Each account is in its role's group.
    groups = {u.username: [g.name for g in u.groups.all()] for u in users}
    assert groups == {
        "admin": ["Clinic admin"],
        "reception": ["Receptionist"],
        "triage": ["Triage clinician"],
    }


@override_settings(DEBUG=True)
def test_the_demo_password_meets_the_password_rules_for_every_demo_account() -> None:
    # Published, so not a secret; but an account the demo makes must be one a clinic admin
    # could have made (at least 12 characters, not common, not like the account's name).
    call_command("seed_demo", stdout=io.StringIO())
    for user in get_user_model().objects.all():
        validate_password(DEMO_PASSWORD, user)


@override_settings(DEBUG=True)
def test_seed_demo_fills_a_realistic_queue_once() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    sent = Submission.objects.exclude(status=Submission.Status.DRAFT)
    assert sent.count() == 50
    assert set(sent.values_list("tier", flat=True)) == {"EMERGENCY", "URGENT", "SOON", "ROUTINE"}
    # Newest first, the demo cases in their order, each with the tier the demo data gives it.
    cases = demo_cases()
    engine_tiers = list(sent.order_by("-submitted_at").values_list("engine_tier", flat=True))
    assert engine_tiers == [cases[i % len(cases)].tier for i in range(50)]
    statuses = set(sent.values_list("status", flat=True))
    assert {"submitted", "in_review", "triaged", "referred", "closed"} <= statuses
    # Built through the real services: the engine's result and an audit trail are there.
    assert all(s.fired_rules and s.reference for s in sent)
    assert AuditEvent.objects.filter(action="status").exists()
    drafts = Submission.objects.filter(status=Submission.Status.DRAFT)
    assert drafts.count() == 3
    # One of them was left after the emergency advice: an open case in the queue.
    [abandoned] = [d for d in drafts if d.is_open_emergency]
    assert abandoned.tier == "EMERGENCY" and abandoned.interrupted_rules == ["EMG_ALI"]
    assert abandoned.identity["phone"]


@override_settings(DEBUG=True)
def test_seed_demo_fills_a_diary_once_through_the_services() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    slots = Slot.objects.count()
    appointments = list(Appointment.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 slots created" in out.getvalue()
    assert Slot.objects.count() == slots
    assert list(Appointment.objects.values_list("pk", flat=True)) == appointments
    assert Clinician.objects.count() == 4
    assert set(AppointmentType.objects.values_list("name", flat=True)) == {
        "Same-day duplex scan",
        "Vascular clinic new patient",
        "Vein clinic",
        "Diabetic foot review",
    }
    assert slots > 100
    # A few bookings, made through the services: booked status, audit events, a reminder due.
    assert len(appointments) >= 1
    booked = Submission.objects.filter(status=Submission.Status.BOOKED)
    assert booked.count() == len(appointments)
    assert AuditEvent.objects.filter(action="book").count() == len(appointments)
    assert not Appointment.objects.filter(submission__tier="EMERGENCY").exists()
    # The most urgent bookable forms are left for a person to book.
    left = Submission.objects.filter(status=Submission.Status.TRIAGED).exclude(tier="EMERGENCY")
    assert left.count() == 2


def test_demo_codes_refuses_to_run_with_debug_off() -> None:
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo_codes", stdout=io.StringIO())


def test_the_demo_authenticator_signs_nobody_in_with_debug_off(client: Client) -> None:
    # A database seeded for the demo and then served with DEBUG off: the published secret must
    # not be a second factor there. (seed_demo itself refuses to run with DEBUG off.)
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
        code = io.StringIO()
        call_command("demo_codes", stdout=code)
    client.post("/admin/login/", {"username": "triage", "password": DEMO_PASSWORD})
    response = client.post("/admin/login/second-factor/", {"otp_token": code.getvalue()[:6]})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302
