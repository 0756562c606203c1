"""The idle warning on the staff pages (static/intake/js/staff_idle.js), in Chromium with the
page's clock moved forward: two minutes before the idle sign-out it offers "Stay signed in",
which tells the server (intake/backoffice/middleware.py does the signing out itself)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from tests.browser.staff import sign_in
from tests.factories import ensure_role_groups, staff_user

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def test_two_minutes_before_the_idle_sign_out_the_page_offers_to_stay_signed_in(
    page: Page, live_server: LiveServer
) -> None:
    ensure_role_groups()  # flushed away by the previous transactional test
    staff_user("tess", roles.TRIAGE_CLINICIAN)
    page.clock.install()
    sign_in(page, live_server.url, "tess")
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:01")  # 28 minutes: 2 before the 30-minute sign-out
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be signed out in 2 minutes")
    with page.expect_response("**/admin/account/keep-alive/") as kept:
        page.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 200
    expect(warning).to_be_hidden()
    # The idle time starts again from now.
    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
