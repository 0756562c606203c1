"""Sign-in methods (intake/backoffice/views/methods.py): setting up the first one, backup codes
shown once, "Your sign-in methods", and a clinic admin's reset of a colleague's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import AuditEvent, StaffSessionCutoff
from intake.services import staff
from tests.factories import logged_in
from tests.intake.backoffice.signin import (
    SECOND_FACTOR,
    SET_UP,
    authenticator,
    code_now,
    is_verified,
    password,
    second_factor,
    unthrottle,
)

pytestmark = pytest.mark.django_db

METHODS = "/admin/account/sign-in-methods/"
BACKUP_CODES = "/admin/account/backup-codes/"


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)


# --- The first method, right after the password ----------------------------------------------


def test_a_new_member_of_staff_sets_up_an_authenticator_app_confirmed_by_its_first_code(
    triage_nurse: User,
) -> None:
    client = Client()
    password(client, "tess")
    page = client.get(SET_UP).content.decode()
    assert "Set up your sign-in method" in page
    assert "<svg" in page  # the QR code, drawn inline (no style attribute: CSP)
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    pending = TOTPDevice.objects.get(user=triage_nurse)
    assert not pending.confirmed  # nothing counts until the first code
    # A wrong code: still not set up, the session still not verified.
    response = client.post(
        SET_UP, {"otp_token": "000000" if code_now(pending) != "000000" else "1"}
    )
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    pending.refresh_from_db()
    assert not pending.confirmed
    assert not is_verified(client)
    unthrottle(triage_nurse)
    # The right one: set up, and this session verified with a new key.
    before = client.session.session_key
    response = client.post(
        SET_UP + "?next=/admin/intake/submission/", {"otp_token": code_now(pending)}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BACKUP_CODES}?next=%2Fadmin%2Fintake%2Fsubmission%2F"
    pending.refresh_from_db()
    assert pending.confirmed
    assert is_verified(client)
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(action="device_added", actor=triage_nurse).exists()


def test_ten_backup_codes_come_with_the_first_method_and_are_shown_once(
    triage_nurse: User,
) -> None:
    client = Client()
    password(client, "tess")
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=triage_nurse)
    client.post(SET_UP, {"otp_token": code_now(device)})
    page = client.get(BACKUP_CODES + "?next=/admin/").content.decode()
    codes = shown_codes(page)
    assert len(codes) == 10
    assert staff.backup_codes_left(triage_nurse) == 10
    # Shown once: the page does not show them again.
    again = client.get(BACKUP_CODES + "?next=/admin/")
    assert again.status_code == 302
    assert again["Location"] == "/admin/"
    # And they work.
    other = Client()
    password(other, "tess")
    assert second_factor(other, codes[3]).status_code == 302


def test_a_session_that_has_a_method_but_did_not_use_it_cannot_add_one(
    triage_nurse: User,
) -> None:
    # The password alone must never be enough to add a way in (an attacker's own app).
    device = authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    response = client.get(SET_UP)
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR)
    response = client.post(SET_UP, {"otp_token": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=triage_nurse).count() == 1
    assert TOTPDevice.objects.get(user=triage_nurse) == device


def test_setting_up_needs_a_signed_in_member_of_staff(db: None) -> None:
    response = Client().get(SET_UP)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Your sign-in methods ------------------------------------------------------------------------


def test_a_user_who_lost_their_phone_signs_in_with_a_backup_code_and_replaces_the_app(
    triage_nurse: User,
) -> None:
    lost = authenticator(triage_nurse)
    codes = staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    client = Client()
    password(client, "tess")
    assert second_factor(client, codes[0]).status_code == 302
    page = client.get(METHODS).content.decode()
    assert "Your sign-in methods" in page
    assert "You have 9 unused backup codes." in page
    # A new app: set up from a verified session, it replaces the lost one once confirmed.
    client.get(SET_UP + "?next=" + METHODS)
    new = TOTPDevice.objects.get(user=triage_nurse, confirmed=False)
    response = client.post(SET_UP + "?next=" + METHODS, {"otp_token": code_now(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=triage_nurse)) == [new]
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    added = AuditEvent.objects.get(action="device_added")
    assert added.details["replaced"] == 1
    # No new backup codes: the 9 left still work.
    assert staff.backup_codes_left(triage_nurse) == 9


def test_the_last_passkey_or_app_cannot_be_removed_but_another_can(triage_nurse: User) -> None:
    phone = authenticator(triage_nurse)
    client = logged_in(triage_nurse)
    response = client.post(
        "/admin/account/sign-in-methods/remove/", {"device": phone.persistent_id}, follow=True
    )
    assert "This is your only passkey or authenticator app" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=phone.pk).exists()
    other = TOTPDevice.objects.create(user=triage_nurse, name="Tablet", confirmed=True)
    response = client.post(
        "/admin/account/sign-in-methods/remove/", {"device": other.persistent_id}, follow=True
    )
    assert "“Tablet” was removed." in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="device_removed").count() == 1


def test_nobody_removes_somebody_elses_method(triage_nurse: User, receptionist: User) -> None:
    theirs = authenticator(triage_nurse)
    authenticator(receptionist)
    TOTPDevice.objects.create(user=receptionist, name="Second", confirmed=True)
    logged_in(receptionist).post(
        "/admin/account/sign-in-methods/remove/", {"device": theirs.persistent_id}
    )
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_new_backup_codes_replace_the_old_ones(triage_nurse: User) -> None:
    old = staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    client = logged_in(triage_nurse)
    response = client.post("/admin/account/backup-codes/renew/")
    assert response.status_code == 302
    new = shown_codes(client.get(response["Location"]).content.decode())
    assert len(new) == 10
    assert not set(old) & set(new)
    assert staff.backup_codes_left(triage_nurse) == 10
    assert AuditEvent.objects.filter(action="backup_codes").count() == 2


def test_the_methods_pages_need_a_verified_session(triage_nurse: User) -> None:
    authenticator(triage_nurse)
    unverified = Client()
    password(unverified, "tess")
    for url in (METHODS, BACKUP_CODES):
        response = unverified.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/"), url
    for url in ("/admin/account/backup-codes/renew/", "/admin/account/sign-in-methods/remove/"):
        assert unverified.post(url).status_code == 302
    assert staff.backup_codes_left(triage_nurse) == 0


def test_every_admin_page_links_to_your_sign_in_methods(triage_nurse: User) -> None:
    assert METHODS in logged_in(triage_nurse).get("/admin/").content.decode()


# --- A clinic admin resets a colleague's methods ------------------------------------------------


def reset_url(user: User) -> str:
    return f"/admin/auth/user/{user.pk}/reset-sign-in/"


def test_a_clinic_admin_resets_a_colleagues_methods_with_a_reason(
    clinic_admin: User, triage_nurse: User
) -> None:
    authenticator(triage_nurse)
    staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    theirs = logged_in(triage_nurse)
    admin = logged_in(clinic_admin)
    user_page = admin.get(f"/admin/auth/user/{triage_nurse.pk}/change/").content.decode()
    assert reset_url(triage_nurse) in user_page
    form = admin.get(reset_url(triage_nurse))
    assert form.status_code == 200
    refused = admin.post(reset_url(triage_nurse), {"reason": " "})
    assert refused.status_code == 200  # a reason is required
    assert TOTPDevice.objects.filter(user=triage_nurse).exists()
    response = admin.post(
        reset_url(triage_nurse), {"reason": "Lost phone and codes; seen in person."}
    )
    assert response.status_code == 302
    assert not list(staff.confirmed_or_not(triage_nurse))
    event = AuditEvent.objects.get(action="devices_reset")
    assert event.actor == clinic_admin
    assert event.object_repr == "tess"
    assert event.details["reason"] == "Lost phone and codes; seen in person."
    assert event.details["removed"] == 3  # the app, the backup codes, the test's device
    # Their sessions end; at the next sign-in the password leads to setting up a new method.
    assert StaffSessionCutoff.objects.filter(user=triage_nurse).exists()
    assert theirs.get("/admin/").status_code == 302
    client = Client()
    assert password(client, "tess")["Location"].startswith(SET_UP)


def test_nobody_resets_their_own_methods_this_way(clinic_admin: User) -> None:
    authenticator(clinic_admin)
    client = logged_in(clinic_admin)
    assert (
        reset_url(clinic_admin)
        not in client.get(f"/admin/auth/user/{clinic_admin.pk}/change/").content.decode()
    )
    assert client.get(reset_url(clinic_admin)).status_code == 403
    assert client.post(reset_url(clinic_admin), {"reason": "Mine"}).status_code == 403
    assert TOTPDevice.objects.filter(user=clinic_admin).exists()


@pytest.mark.parametrize("persona", ["triage_nurse", "receptionist"])
def test_only_clinic_admins_reset_methods(
    persona: str, request: pytest.FixtureRequest, clinic_admin: User
) -> None:
    authenticator(clinic_admin)
    user: User = request.getfixturevalue(persona)
    client = logged_in(user)
    assert client.get(reset_url(clinic_admin)).status_code == 403
    assert client.post(reset_url(clinic_admin), {"reason": "x"}).status_code == 403
    assert TOTPDevice.objects.filter(user=clinic_admin).exists()
    assert not AuditEvent.objects.filter(action="devices_reset").exists()


def test_the_reset_page_needs_a_verified_session(clinic_admin: User, triage_nurse: User) -> None:
    authenticator(clinic_admin)
    client = Client()
    password(client, "cleo")
    response = client.post(reset_url(triage_nurse), {"reason": "x"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="devices_reset").exists()
