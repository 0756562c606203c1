"""The staff sign-in's two steps (intake/backoffice/views/account.py): the password, then a
second factor, required by the admin and every workflow view; the lockout (django-axes) and the
per-address throttle; every attempt in the audit log."""

from __future__ import annotations

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from pytest_django import Settings

from intake.models import AuditEvent, Submission
from intake.services import staff
from tests.factories import STAFF_PASSWORD, SubmissionFactory, staff_user
from tests.intake.backoffice.signin import (
    ELSEWHERE,
    HERE,
    SECOND_FACTOR,
    SET_UP,
    SIGN_IN,
    Clock,
    authenticator,
    code_now,
    is_verified,
    password,
    second_factor,
    unthrottle,
)

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- Two steps ---------------------------------------------------------------------------------


def test_the_password_alone_leads_to_the_second_step_not_in(triage_nurse: User) -> None:
    authenticator(triage_nurse)
    client = Client()
    response = password(client, "tess")
    assert response.status_code == 302
    assert response["Location"] == f"{SECOND_FACTOR}?next=%2Fadmin%2F"
    assert not is_verified(client)


def test_the_admin_refuses_a_password_only_session_and_sends_it_to_the_second_step(
    triage_nurse: User,
) -> None:
    authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        (f"{SECOND_FACTOR}?next=%2Fadmin%2F", 302),
    ]
    assert response.status_code == 200
    assert "Step 2 of 2" in response.content.decode()


def test_workflow_views_refuse_a_password_only_session(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    case = f"/admin/intake/submission/{submission.pk}/"
    for url in (case + "change/", "/admin/scheduling/appointment/day-sheet/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url
    response = client.post(case + "workflow/assign-to-me/")
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.assigned_to is None
    assert submission.status == Submission.Status.SUBMITTED


def test_the_authenticator_code_completes_the_sign_in_with_a_new_session_key(
    triage_nurse: User,
) -> None:
    device = authenticator(triage_nurse)
    client = Client()
    password(client, "tess", HTTP_HOST="testserver")
    before = client.session.session_key
    response = client.post(
        SECOND_FACTOR + "?next=/admin/intake/submission/", {"otp_token": code_now(device)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/intake/submission/"
    assert is_verified(client)
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


def test_the_second_step_never_sends_anyone_off_the_site(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    response = client.post(
        SECOND_FACTOR + "?next=https://evil.example/", {"otp_token": code_now(device)}
    )
    assert response["Location"] == "/admin/"


def test_a_used_authenticator_code_is_refused_when_replayed(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    code = code_now(device)
    first = Client()
    password(first, "tess")
    assert second_factor(first, code).status_code == 302
    # Someone who saw the code (over a shoulder, on the wire) tries it at once with the password.
    second = Client()
    password(second, "tess")
    response = second_factor(second, code)
    assert response.status_code == 200
    assert "That code is not right, or was used already" in response.content.decode()
    assert not is_verified(second)
    # An older code is refused too: the app's codes only move forwards.
    unthrottle(triage_nurse)
    assert second_factor(second, code_now(device, steps=-1)).status_code == 200
    assert not is_verified(second)


def test_a_backup_code_signs_in_once(triage_nurse: User) -> None:
    authenticator(triage_nurse)
    codes = staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    first = Client()
    password(first, "tess")
    # Typed as people type them: spaces and capitals do not matter.
    typed = f"{codes[0][:4]} {codes[0][4:]}".upper()
    assert second_factor(first, typed).status_code == 302
    assert is_verified(first)
    assert staff.backup_codes_left(triage_nurse) == 9
    second = Client()
    password(second, "tess")
    assert second_factor(second, codes[0]).status_code == 200
    assert not is_verified(second)
    unthrottle(triage_nurse)
    assert second_factor(second, codes[1]).status_code == 302


def test_a_staff_member_without_a_method_is_taken_to_set_one_up_and_nowhere_else(
    triage_nurse: User,
) -> None:
    submission = SubmissionFactory()
    client = Client()
    response = password(client, "tess")
    assert response["Location"] == f"{SET_UP}?next=%2Fadmin%2F"
    urls = [
        "/admin/",
        f"/admin/intake/submission/{submission.pk}/change/",
        "/admin/scheduling/appointment/day-sheet/",
        SECOND_FACTOR,
        reverse("admin:staff_sign_in_methods"),
        reverse("admin:staff_backup_codes"),
        reverse("admin:password_change"),
    ]
    for url in urls:
        page = client.get(url, follow=True)
        assert page.redirect_chain[-1][0].startswith(SET_UP), url
        assert "Set up your sign-in method" in page.content.decode(), url
    assert not is_verified(client)


def test_only_staff_accounts_get_past_the_password(db: None) -> None:
    User.objects.create_user("pat", password=STAFF_PASSWORD)  # not staff
    response = password(Client(), "pat")
    assert response.status_code == 200
    assert "That user name and password do not match a staff account" in (response.content.decode())


def test_the_second_step_without_a_password_goes_back_to_the_first(db: None) -> None:
    response = Client().get(SECOND_FACTOR)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_the_sign_in_pages_offer_what_the_user_has(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    staff.backup_codes_issue(user=triage_nurse, ip_address=None)
    client = Client()
    sign_in_page = client.get(SIGN_IN).content.decode()
    assert "Step 1 of 2" in sign_in_page
    password(client, "tess")
    page = client.get(SECOND_FACTOR).content.decode()
    assert 'name="otp_token"' in page
    assert 'autocomplete="one-time-code"' in page
    assert "You have 10 backup codes left." in page
    assert "passkey-verification-placeholder" not in page  # no passkey registered
    assert code_now(device) not in page


# --- Lockout: user name and address together (django-axes) ------------------------------------


def test_five_wrong_passwords_lock_that_user_name_at_that_address_until_the_cool_off(
    triage_nurse: User, receptionist: User, clock: Clock
) -> None:
    authenticator(triage_nurse)
    client = Client()
    statuses = [password(client, "tess", "wrong-password", ip=HERE).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # The right password now is refused too, with when to try again (15 minutes after the
    # last failure, in the clinic's time zone).
    response = password(client, "tess", ip=HERE)
    assert response.status_code == 429
    assert "Try again after 14:37." in response.content.decode()
    # Nobody can lock a colleague out from elsewhere, nor one person the others at the clinic.
    assert password(Client(), "tess", ip=ELSEWHERE).status_code == 302
    assert password(Client(), "rita", ip=HERE).status_code == 302
    clock.advance(minutes=14, seconds=59)
    assert password(Client(), "tess", ip=HERE).status_code == 429
    clock.advance(seconds=2)
    assert password(Client(), "tess", ip=HERE).status_code == 302


def test_wrong_second_factor_codes_count_towards_the_lockout(
    triage_nurse: User, clock: Clock
) -> None:
    authenticator(triage_nurse)
    client = Client()
    password(client, "tess")
    statuses = []
    for _ in range(5):
        # Past django-otp's own per-device back-off, which would refuse even a right code.
        clock.advance(seconds=20)
        unthrottle(triage_nurse)
        statuses.append(second_factor(client, "000000").status_code)
    assert statuses == [200, 200, 200, 200, 429]
    assert not client.session.get("_auth_user_id")  # signed out
    # The password from that address is locked out too, right code or not.
    again = Client()
    assert password(again, "tess").status_code == 429


def test_a_right_password_alone_does_not_clear_the_failures(
    triage_nurse: User, clock: Clock
) -> None:
    # Otherwise whoever knows the password gets four guesses at the code, again and again.
    authenticator(triage_nurse)
    for _ in range(4):
        client = Client()
        password(client, "tess")
        clock.advance(seconds=20)
        unthrottle(triage_nurse)
        second_factor(client, "000000")
    client = Client()
    assert password(client, "tess").status_code == 302
    clock.advance(seconds=20)
    unthrottle(triage_nurse)
    assert second_factor(client, "000000").status_code == 429


def test_the_second_factor_clears_the_failures_of_that_name_at_that_address(
    triage_nurse: User,
) -> None:
    device = authenticator(triage_nurse)
    for _ in range(3):
        password(Client(), "tess", "wrong-password")
    assert AccessAttempt.objects.filter(username="tess").exists()
    client = Client()
    password(client, "tess")
    assert AccessAttempt.objects.filter(username="tess").exists()  # the password alone: kept
    second_factor(client, code_now(device))
    assert not AccessAttempt.objects.filter(username="tess").exists()


def test_a_lockout_is_reset_by_the_documented_command(triage_nurse: User) -> None:
    from django.core.management import call_command

    for _ in range(5):
        password(Client(), "tess", "wrong-password")
    assert password(Client(), "tess").status_code == 429
    call_command("axes_reset_username", "tess")
    assert password(Client(), "tess").status_code == 302


# --- The per-address throttle (spraying) -------------------------------------------------------


def spray(count: int, *, ip: str = HERE) -> list[int]:
    """One wrong password for each of `count` different user names, from `ip`."""
    return [password(Client(), f"name{n}", "Winter2026!", ip=ip).status_code for n in range(count)]


def test_thirty_failures_from_one_address_slow_that_address_but_lock_no_account(
    triage_nurse: User, clock: Clock
) -> None:
    authenticator(triage_nurse)
    assert spray(30) == [200] * 30
    response = password(Client(), "tess", ip=HERE)
    assert response.status_code == 429
    page = response.content.decode()
    assert "too many failed sign-ins from your network" in page
    assert "Try again in 8 minutes." in page  # the window: 14:15 to 14:30, now 14:22
    # Other addresses are not slowed, and tess's account is not locked.
    assert password(Client(), "tess", ip=ELSEWHERE).status_code == 302
    assert AuditEvent.objects.filter(action="signin_throttled", object_repr="tess").count() == 1
    clock.advance(minutes=8)
    assert password(Client(), "tess", ip=HERE).status_code == 302


def test_the_throttle_limit_is_a_setting(triage_nurse: User, settings: Settings) -> None:
    settings.CLINIC_STAFF_SIGNIN_FAILURES_PER_ADDRESS = 3
    assert spray(3) == [200, 200, 200]
    assert password(Client(), "tess").status_code == 429


def test_the_throttle_lets_sign_ins_through_when_the_cache_is_down(
    triage_nurse: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from intake.backoffice import throttle

    class DeadCache:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object, **kwargs: object) -> None:
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(throttle, "cache", DeadCache())
    authenticator(triage_nurse)
    with caplog.at_level(logging.WARNING, logger="intake.backoffice.throttle"):
        assert set(spray(35)) == {200}
        assert password(Client(), "tess").status_code == 302
    assert "the cache is unavailable" in caplog.text


# --- The audit log: every attempt, never a secret --------------------------------------------


def test_every_step_of_a_sign_in_is_audited_without_any_secret(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    client = Client()
    password(client, "tess", "wrong-password")
    password(client, "tess")
    wrong = "123456" if code_now(device) != "123456" else "654321"
    second_factor(client, wrong)
    unthrottle(triage_nurse)
    right = code_now(device)
    second_factor(client, right)
    client.post("/admin/logout/")
    assert actions() == ["login_failed", "login", "second_factor_fail", "second_factor", "logout"]
    events = AuditEvent.objects.order_by("id")
    assert all(event.ip_address == HERE for event in events[:4])
    assert events[3].details == {"method": "authenticator"}
    assert events[3].actor == triage_nurse
    logged = str(list(events.values_list("details", "object_repr")))
    for secret in ("wrong-password", STAFF_PASSWORD, wrong, right):
        assert secret not in logged


def test_a_lockout_and_the_attempts_refused_during_it_are_audited(triage_nurse: User) -> None:
    for _ in range(6):
        password(Client(), "tess", "wrong-password")
    # The fifth failure locks (django-axes says so first), the sixth is refused unchecked.
    assert actions() == ["login_failed"] * 4 + ["locked_out", "login_failed"] * 2
    fifth, sixth = AuditEvent.objects.filter(action="login_failed").order_by("id")[4:]
    assert fifth.details == sixth.details == {"username": "tess", "locked_out": True}
    assert AuditEvent.objects.filter(action="locked_out").first().ip_address == HERE  # type: ignore[union-attr]


def test_the_staff_test_device_is_not_a_backup_code(triage_nurse: User) -> None:
    # tests.factories.logged_in verifies sessions with a StaticDevice without codes; it must
    # not be offered or counted as backup codes.
    from tests.factories import logged_in

    logged_in(triage_nurse)
    assert StaticDevice.objects.filter(user=triage_nurse).count() == 1
    assert staff.backup_codes_left(triage_nurse) == 0


def test_a_user_made_in_a_test_signs_in_through_the_pages(db: None) -> None:
    user = staff_user("vera")
    device = authenticator(user)
    client = Client()
    password(client, "vera")
    assert second_factor(client, code_now(device)).status_code == 302
