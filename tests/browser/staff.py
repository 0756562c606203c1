"""A member of staff's hands on the sign-in pages: shared by the browser tests and
`screenshots.py`. Both steps, as a person takes them (issue 17)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from tests.browser.patient import axe_violations
from tests.factories import STAFF_PASSWORD


def type_password(page: Page, base_url: str, username: str, password: str) -> None:
    """Step 1: the password, on the admin's sign-in page."""
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def sign_in(page: Page, base_url: str, username: str, password: str = STAFF_PASSWORD) -> None:
    """Both steps: the password, then a code from an authenticator app set up for the test."""
    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="Browser test", confirmed=True)
    type_password(page, base_url, username, password)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_role("textbox", name="Code").fill(f"{totp.token():06d}")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def assert_admin_accessible(page: Page, what: str) -> None:
    """Zero axe-core violations on an admin page as it is now, at the window's own width (issue
    20: the admin is checked at 1366 px, a clinic's laptop; `patient.assert_accessible` checks
    at 1280 px). axe runs as `patient.axe_violations` runs it: without preloading the style
    sheets, which the content security policy would refuse (see there)."""
    count, report = axe_violations(page)
    assert count == 0, f"axe-core on {what} ({page.url}):\n{report}"
