"""Staff session limits (intake/backoffice/middleware.py): idle, absolute, signed out
everywhere, deactivation; patients untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from intake.models import AuditEvent, Submission
from intake.questionnaire.views import DRAFTS_COOKIE
from tests.factories import logged_in
from tests.intake.backoffice.signin import Clock, authenticator, code_now, password, second_factor

pytestmark = pytest.mark.django_db


def signed_out(response: object) -> bool:
    location = getattr(response, "headers", {}).get("Location", "")
    return getattr(response, "status_code", 0) == 302 and location.startswith("/admin/login/")


def test_thirty_one_idle_minutes_need_a_new_sign_in(triage_nurse: User, clock: Clock) -> None:
    client = logged_in(triage_nurse)
    clock.advance(minutes=29)
    assert client.get("/admin/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/admin/intake/submission/")
    assert signed_out(response)
    assert response["Location"] == "/admin/login/?next=/admin/intake/submission/"
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in page
    # The session is gone, not just refused once: the page after is the sign-in too.
    assert signed_out(client.get("/admin/"))
    logout = AuditEvent.objects.filter(action="logout").get()
    assert logout.details == {"reason": "idle"}


def test_thirteen_hours_of_constant_activity_need_a_new_sign_in(
    triage_nurse: User, clock: Clock
) -> None:
    client = logged_in(triage_nurse)
    answered = []
    for _ in range(13 * 3):  # a page every 20 minutes for 13 hours
        clock.advance(minutes=20)
        answered.append(client.get("/admin/").status_code)
    # 12 hours after the sign-in (the 36th page, at 12:00 exactly, still in), then signed out.
    assert answered[:36] == [200] * 36
    assert answered[36] == 302
    assert AuditEvent.objects.get(action="logout").details == {"reason": "absolute"}


def test_stay_signed_in_starts_the_idle_time_again(triage_nurse: User, clock: Clock) -> None:
    client = logged_in(triage_nurse)
    clock.advance(minutes=28)
    response = client.post("/admin/account/keep-alive/")
    assert response.json() == {"idle_seconds": 30 * 60}
    clock.advance(minutes=28)
    assert client.get("/admin/").status_code == 200


def test_keep_alive_is_post_only_and_for_verified_sessions(
    triage_nurse: User, clock: Clock
) -> None:
    assert logged_in(triage_nurse).get("/admin/account/keep-alive/").status_code == 405
    assert signed_out(Client().post("/admin/account/keep-alive/"))
    authenticator(triage_nurse)
    unverified = Client()
    password(unverified, "tess")
    assert signed_out(unverified.post("/admin/account/keep-alive/"))


def test_admin_pages_carry_the_idle_warning_as_a_static_script(triage_nurse: User) -> None:
    page = logged_in(triage_nurse).get("/admin/").content.decode()
    assert 'data-idle-seconds="1800"' in page
    assert 'data-warn-seconds="120"' in page
    assert "/static/intake/js/staff_idle.js" in page
    assert "Stay signed in" in page
    # Not on the sign-in pages: nothing to keep alive there.
    assert "staff_idle.js" not in Client().get("/admin/login/").content.decode()


def test_signing_out_ends_every_session_of_that_user(triage_nurse: User) -> None:
    device = authenticator(triage_nurse)
    desk, ward = logged_in(triage_nurse), logged_in(triage_nurse)
    other = logged_in(User.objects.create_user("ola", password="x" * 12, is_staff=True))
    response = desk.post("/admin/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/"
    assert signed_out(ward.get("/admin/"))
    assert signed_out(desk.get("/admin/"))
    assert other.get("/admin/").status_code == 200  # another person is not affected
    # A new sign-in after it works.
    password(ward, "tess")
    assert second_factor(ward, code_now(device)).status_code == 302
    assert ward.get("/admin/").status_code == 200


def test_sign_out_is_post_only(triage_nurse: User) -> None:
    client = logged_in(triage_nurse)
    assert client.get("/admin/logout/").status_code == 405
    assert client.get("/admin/").status_code == 200


def test_deactivating_an_account_ends_its_sessions_even_if_it_is_made_active_again(
    triage_nurse: User,
) -> None:
    client = logged_in(triage_nurse)
    triage_nurse.is_active = False
    triage_nurse.save()
    assert signed_out(client.get("/admin/"))
    triage_nurse.is_active = True
    triage_nurse.save()
    assert signed_out(client.get("/admin/"))


def test_the_idle_limit_is_a_setting(triage_nurse: User, clock: Clock, settings: Settings) -> None:
    settings.CLINIC_STAFF_IDLE_MINUTES = 10
    client = logged_in(triage_nurse)
    clock.advance(minutes=11)
    assert signed_out(client.get("/admin/"))


def test_sessions_end_when_the_browser_closes_and_last_twelve_hours_at_most() -> None:
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert django_settings.SESSION_COOKIE_AGE == 12 * 60 * 60


# --- Patients are not affected -----------------------------------------------------------------


def test_a_patient_journey_works_and_never_gets_a_session_cookie(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey(send=True)
    assert submission.status == Submission.Status.SUBMITTED
    assert django_settings.SESSION_COOKIE_NAME not in patient.cookies
    # Their drafts live in a signed cookie of their own, as before.
    assert DRAFTS_COOKIE in patient.cookies
