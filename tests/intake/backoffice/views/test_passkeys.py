"""Passkeys as the second factor (intake/backoffice/views/passkeys.py), driven with a software
authenticator against the real WebAuthn verification (tests/support/softauthn.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from intake.models import AuditEvent
from intake.services import staff
from tests.factories import logged_in
from tests.intake.backoffice.signin import (
    HERE,
    SECOND_FACTOR,
    authenticator,
    is_verified,
    password,
)
from tests.support.softauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

PASSKEYS = "/admin/passkeys/"


def post_json(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        PASSKEYS + path, json.dumps(body or {}), content_type="application/json", REMOTE_ADDR=HERE
    )


def register(client: Client, key: SoftAuthenticator) -> Any:
    begin = post_json(client, "registration/begin/")
    assert begin.status_code == 200, begin.content
    return post_json(client, "registration/complete/", key.create(begin.json()))


def authenticate(client: Client, key: SoftAuthenticator, next_url: str = "") -> Any:
    begin = post_json(client, "authentication/begin/")
    assert begin.status_code == 200, begin.content
    query = f"?next={next_url}" if next_url else ""
    return post_json(client, "authentication/complete/" + query, key.get(begin.json()))


def test_a_new_member_of_staff_registers_a_passkey_then_signs_in_with_it(
    triage_nurse: User,
) -> None:
    key = SoftAuthenticator()
    client = Client()
    password(client, "tess")
    response = register(client, key)
    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=triage_nurse)
    assert credential.confirmed
    # The first method verifies the session; backup codes come with it, shown once.
    assert is_verified(client)
    assert staff.backup_codes_left(triage_nurse) == 10
    assert client.get("/admin/account/backup-codes/").status_code == 200
    assert AuditEvent.objects.get(action="device_added").details["method"] == "passkey"
    client.post("/admin/logout/")

    # Next day: the password, then the passkey.
    again = Client()
    password(again, "tess")
    assert "passkey-verification-placeholder" in again.get(SECOND_FACTOR).content.decode()
    password(Client(), "tess", "wrong-password")  # a failure to be cleared
    response = authenticate(again, key, next_url="/admin/intake/submission/")
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/admin/intake/submission/"
    assert is_verified(again)
    assert again.get("/admin/").status_code == 200
    signed_in = AuditEvent.objects.filter(action="second_factor").get()
    assert signed_in.details == {"method": "passkey"}
    assert not AccessAttempt.objects.filter(username="tess").exists()


def test_a_passkey_assertion_cannot_be_replayed(triage_nurse: User) -> None:
    key = SoftAuthenticator()
    client = logged_in(triage_nurse)
    register(client, key)
    other = Client()
    password(other, "tess")
    begin = post_json(other, "authentication/begin/")
    assertion = key.get(begin.json())
    assert post_json(other, "authentication/complete/", assertion).status_code == 200
    third = Client()
    password(third, "tess")
    post_json(third, "authentication/begin/")
    replay = post_json(third, "authentication/complete/", assertion)
    assert replay.status_code in (400, 422)
    assert not is_verified(third)


def test_another_persons_passkey_does_not_verify_this_session(
    triage_nurse: User, receptionist: User
) -> None:
    key = SoftAuthenticator()
    register(logged_in(receptionist), key)
    authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    response = authenticate(client, key)
    assert response.status_code in (403, 404)
    assert not is_verified(client)


def test_a_password_only_session_cannot_register_a_passkey_once_a_method_exists(
    triage_nurse: User,
) -> None:
    authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    begin = post_json(client, "registration/begin/")
    assert begin.status_code == 403
    assert begin.json()["code"] == "user_not_verified"
    # Nor by skipping to the end with a registration made elsewhere.
    complete = post_json(
        client,
        "registration/complete/",
        SoftAuthenticator().create({"user": {"id": "x"}, "challenge": "y"}),
    )
    assert complete.status_code == 403
    assert not WebAuthnCredential.objects.exists()
    assert not is_verified(client)


def test_passkeys_are_a_second_factor_only(db: None) -> None:
    # Without the password first, there is no passkey sign-in at all.
    response = post_json(Client(), "authentication/begin/")
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"
    assert post_json(Client(), "registration/begin/").status_code == 403


def test_passkeys_are_for_staff_accounts_only(db: None) -> None:
    user = User.objects.create_user("pat", password="x" * 12)  # not staff
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = post_json(client, "registration/begin/")
    assert response.status_code == 403
    assert response.json()["code"] == "not_staff"


def test_a_verified_member_of_staff_adds_a_second_passkey(triage_nurse: User) -> None:
    client = logged_in(triage_nurse)
    assert register(client, SoftAuthenticator()).status_code == 200
    assert register(client, SoftAuthenticator()).status_code == 200
    assert WebAuthnCredential.objects.filter(user=triage_nurse).count() == 2
    page = client.get("/admin/account/sign-in-methods/").content.decode()
    assert page.count("Passkey</td>") == 2
