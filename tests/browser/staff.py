"""A member of staff's hands on the sign-in pages: shared by the browser tests and
`screenshots.py`. Both steps, as a person takes them (issue 17)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page

from tests.factories import STAFF_PASSWORD

_axe = Axe()


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
    """Zero axe-core violations on an admin page as it is now (issue 20).

    As `patient.assert_accessible`, but without axe's preloading of the page's style sheets:
    to read a sheet that `@import`s another (the admin's forms.css imports widgets.css, so on
    every change form) axe puts its text into a <style> element of its own, which the content
    security policy refuses, and the browser tests count that console error as the page's. The
    only rule that needs the preloaded sheets is css-orientation-lock (a page locked to portrait
    or landscape by CSS), which axe then reports as not checked rather than passed.
    """
    results = _axe.run(page, options={"preload": False})
    assert results.violations_count == 0, f"axe-core on {what} ({page.url}):\n" + (
        results.generate_report()
    )
