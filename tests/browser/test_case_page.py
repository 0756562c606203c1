"""The case page built for the phone call, in a real browser (issue 20).

Tess (triage clinician) opens a suspected DVT that nobody has marked in review, triages it
straight away with the same-day scan the rules suggest and a note for reception, changes the
tier, adds a note and changes the booking guidance: after each, the page comes back at the
section she used, with the message that says what changed in view, never at the top of a
7,000-pixel page. Every state of the page has no axe-core violations.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.models import Submission
from intake.scheduling.models import BookingRequest
from tests.browser.patient import assert_accessible
from tests.browser.staff import sign_in
from tests.factories import (
    AppointmentTypeFactory,
    SubmissionFactory,
    ensure_role_groups,
    staff_user,
)

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def in_view(page: Page, selector: str) -> bool:
    """Whether the top of the element is inside the window."""
    top = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().top")
    height = page.evaluate("window.innerHeight")
    return bool(0 <= top < height)


def came_back_to(page: Page, section: str, message: str) -> None:
    """The page after a button: at `section` (its anchor), scrolled there, the message shown."""
    assert page.url.endswith(f"#{section}"), page.url
    expect(page.locator(".messagelist")).to_contain_text(message)
    assert in_view(page, f"#{section}"), f"#{section} is not in view"
    assert in_view(page, ".messagelist"), "the message is not in view"
    assert page.evaluate("window.scrollY") > 0  # not reloaded at the top


def test_a_clinician_works_a_case_from_the_top_and_stays_where_she_was(
    page: Page, live_server: LiveServer
) -> None:
    ensure_role_groups()  # flushed away by the previous transactional test
    staff_user("tess", roles.TRIAGE_CLINICIAN)
    scan = AppointmentTypeFactory(name="Same-day duplex scan", code="duplex_same_day")
    case = SubmissionFactory(
        tier="URGENT",
        fired_rules=["URG_DVT"],
        patient__full_name="Ada Brook",
        answers={"contact_phone": "07700 900222", "consent_contact": "yes"},
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, "tess")
    page.goto(f"{live_server.url}/admin/intake/submission/{case.pk}/change/")

    # The number to ring today, first.
    expect(page.locator(".ring-today")).to_contain_text("07700 900222")
    assert in_view(page, ".ring-today")
    assert_accessible(page, "the case page, submitted, for a triage clinician")

    # Triage straight from "submitted", with the suggested type already chosen.
    triage_form = page.locator("form.triage-form")
    expect(triage_form.get_by_label("Recommended appointment type")).to_have_value(str(scan.pk))
    triage_form.get_by_label("Booking note for reception (optional)").fill("Mornings only")
    with page.expect_navigation():
        triage_form.get_by_role("button", name="Mark triaged").click()
    came_back_to(page, "case-actions", "Status changed from Submitted to Triaged.")
    expect(page.locator(".messagelist")).to_contain_text("Reception will book: Same-day duplex")
    request = BookingRequest.objects.get(submission=case)
    assert (request.appointment_type, request.note) == (scan, "Mornings only")
    assert_accessible(page, "the case page, triaged, for a triage clinician")

    # Change the tier: the form unfolds, and the page comes back to the actions.
    page.get_by_text("Change the tier").click()
    page.get_by_label("New tier").select_option("SOON")
    page.get_by_label("Reason (required)").first.fill("Seen the scan result already")
    with page.expect_navigation():
        page.get_by_role("button", name="Change tier").click()
    came_back_to(page, "case-actions", "Tier changed from Urgent to Soon")

    # A note: back at the notes, the note in them.
    page.locator("#case-notes").get_by_label("Note").fill("Rang at 10:05, no answer")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").click()
    came_back_to(page, "case-notes", "Note added.")
    expect(page.locator("#case-notes")).to_contain_text("Rang at 10:05, no answer")

    # The booking guidance, changed later: back at the appointment section.
    page.get_by_text("Change the booking guidance for reception").click()
    page.locator("#case-booking").get_by_label("Booking note for reception (optional)").fill(
        "Afternoons now"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save the booking guidance").click()
    came_back_to(page, "case-booking", "Booking guidance saved.")
    expect(page.locator("#case-booking")).to_contain_text("Afternoons now")
    case.refresh_from_db()
    assert (case.status, case.tier) == (Submission.Status.TRIAGED, "SOON")
