"""Staff sign-in methods and sessions (intake/services/staff.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import AuditEvent, StaffSessionCutoff
from intake.services import staff
from tests.intake.backoffice.signin import authenticator, code_now

pytestmark = pytest.mark.django_db


def test_an_authenticator_code_verifies_once_and_is_audited(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    code = code_now(device)
    verified = staff.second_factor_verify(user=triage_nurse, token=code, ip_address="10.0.0.1")
    assert verified == device
    assert staff.second_factor_verify(user=triage_nurse, token=code, ip_address=None) is None
    event = AuditEvent.objects.get(action="second_factor")
    assert (event.actor, event.ip_address, event.details) == (
        triage_nurse,
        "10.0.0.1",
        {"method": "authenticator"},
    )


def test_a_code_for_somebody_else_verifies_nothing(triage_nurse: User, receptionist: User) -> None:
    theirs = authenticator(receptionist)
    authenticator(triage_nurse)
    assert (
        staff.second_factor_verify(user=triage_nurse, token=code_now(theirs), ip_address=None)
        is None
    )


def test_an_unconfirmed_app_is_not_a_second_factor(triage_nurse: User) -> None:
    pending = staff.authenticator_start(user=triage_nurse)
    assert not pending.confirmed
    assert staff.authenticator_start(user=triage_nurse) == pending  # one pending at a time
    assert (
        staff.second_factor_verify(user=triage_nurse, token=code_now(pending), ip_address=None)
        is None
    )


def test_the_demo_authenticator_works_only_with_debug_on(triage_nurse: User) -> None:
    with pytest.raises(PermissionDenied):
        staff.demo_authenticator_set(user=triage_nurse)
    with override_settings(DEBUG=True):
        device = staff.demo_authenticator_set(user=triage_nurse)
        code = code_now(device)
    assert staff.second_factor_verify(user=triage_nurse, token=code, ip_address=None) is None
    with override_settings(DEBUG=True):
        assert staff.second_factor_verify(user=triage_nurse, token=code, ip_address=None)


def test_backup_codes_are_ten_new_ones_each_time(triage_nurse: User) -> None:
    first = staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    second = staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    assert len(first) == len(second) == 10
    assert not set(first) & set(second)
    assert staff.backup_codes_left(triage_nurse) == 10
    assert staff.second_factor_verify(user=triage_nurse, token=first[0], ip_address=None) is None


def test_may_enrol_only_without_any_method_or_when_verified(triage_nurse: User) -> None:
    assert staff.may_enrol(triage_nurse)  # no method at all: the first one
    authenticator(triage_nurse)
    assert not staff.may_enrol(triage_nurse)  # no verified session here
    triage_nurse.is_verified = lambda: True  # type: ignore[attr-defined]
    assert staff.may_enrol(triage_nurse)


def test_a_reset_removes_every_method_ends_the_sessions_and_keeps_the_reason(
    clinic_admin: User, triage_nurse: User
) -> None:
    authenticator(triage_nurse)
    staff.authenticator_start(user=triage_nurse)  # a pending one goes too
    staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    removed = staff.staff_devices_reset(
        actor=clinic_admin, user=triage_nurse, reason="  Lost phone.  ", ip_address="10.0.0.9"
    )
    assert removed == 3
    assert not staff.confirmed_or_not(triage_nurse)
    assert StaffSessionCutoff.objects.filter(user=triage_nurse).exists()
    event = AuditEvent.objects.get(action="devices_reset")
    assert event.actor == clinic_admin
    assert event.details == {"user_id": triage_nurse.pk, "removed": 3, "reason": "Lost phone."}


def test_a_reset_is_refused_for_oneself_for_non_admins_and_without_a_reason(
    clinic_admin: User, triage_nurse: User, receptionist: User
) -> None:
    authenticator(clinic_admin)
    authenticator(triage_nurse)
    with pytest.raises(PermissionDenied):
        staff.staff_devices_reset(actor=clinic_admin, user=clinic_admin, reason="Mine")
    for actor in (triage_nurse, receptionist):
        with pytest.raises(PermissionDenied):
            staff.staff_devices_reset(actor=actor, user=clinic_admin, reason="x")
    with pytest.raises(ValidationError):
        staff.staff_devices_reset(actor=clinic_admin, user=triage_nurse, reason="   ")
    assert TOTPDevice.objects.count() == 2
    assert not AuditEvent.objects.filter(action="devices_reset").exists()


def test_ending_sessions_moves_the_cut_off_forward(triage_nurse: User) -> None:
    staff.staff_sessions_end(user=triage_nurse)
    first = StaffSessionCutoff.objects.get(user=triage_nurse).not_before
    staff.staff_sessions_end(user=triage_nurse)
    assert StaffSessionCutoff.objects.get(user=triage_nurse).not_before >= first
    assert StaffSessionCutoff.objects.count() == 1
