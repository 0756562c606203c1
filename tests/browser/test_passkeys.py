"""A passkey registered and used in Chromium, with its virtual authenticator (issue 17).

Chromium's DevTools protocol gives the page a platform authenticator that answers WebAuthn as
a fingerprint reader would, so the real scripts of django-otp-webauthn, the real browser API
and the real server checks all run. Served at http://localhost:<port>: browsers refuse an
address such as 127.0.0.1 as a passkey's host.
"""

from __future__ import annotations

import re

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import CDPSession, Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.models import AuditEvent
from tests.browser.staff import type_password
from tests.factories import STAFF_PASSWORD, ensure_role_groups, staff_user

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator with user verification (a fingerprint reader, say)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


def test_a_member_of_staff_registers_a_passkey_then_signs_in_with_it(
    page: Page, live_server: LiveServer, settings: Settings
) -> None:
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    ensure_role_groups()  # flushed away by the previous transactional test
    staff_user("tess", roles.TRIAGE_CLINICIAN)
    cdp, authenticator = virtual_authenticator(page)

    # First day: the password, then setting up a passkey (there is no other way in).
    type_password(page, live_server.url, "tess", STAFF_PASSWORD)
    expect(page.get_by_role("heading", name="Set up your sign-in method")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Register a passkey").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    with page.expect_navigation():
        page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("link", name="Sign-in methods")).to_be_visible()
    credential = WebAuthnCredential.objects.get(user__username="tess")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1

    # Signing out ends the session; the next sign-in asks for the passkey.
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()
    type_password(page, live_server.url, "tess", STAFF_PASSWORD)
    expect(page.get_by_role("heading", name="Second step: confirm it is you")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Use my passkey").click()
    expect(page.get_by_role("link", name="Sign-in methods")).to_be_visible()
    assert page.url == f"{live_server.url}/admin/"

    credential.refresh_from_db()
    assert credential.sign_count >= 1 or credential.last_used_at is not None
    assert AuditEvent.objects.filter(action="second_factor", details__method="passkey").exists()
