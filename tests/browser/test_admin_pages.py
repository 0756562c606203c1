"""Every staff page, in a real browser, on the demo's data (issue 20): zero axe-core violations
on each page state for each role that sees it; the queue usable at 1366 px without cut columns;
the home page's counts and charts; the diary's date picker.

The demo (`seed_demo`) is what the issue was found on: its queue, diary and accounts (admin, a
superuser; triage; reception), plus Cleo, a clinic admin who is not a superuser, who sees the
group pages read-only. Each test seeds it afresh (the database is flushed between browser tests).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.management.commands.seed_demo import DEMO_PASSWORD
from intake.models import AuditEvent, Submission
from intake.scheduling.models import Appointment
from tests.browser.conftest import NewPage
from tests.browser.staff import assert_admin_accessible, sign_in, type_password
from tests.factories import STAFF_PASSWORD, ensure_role_groups, staff_user
from tests.intake.services.helpers import receipt

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "/admin/intake/submission/"


@dataclass(frozen=True)
class Demo:
    awaiting: Submission  # the most urgent case awaiting review
    triaged: Submission  # a case to book
    emergency: Submission  # the patient who left after the emergency advice
    appointment: Appointment
    event: AuditEvent
    colleague: User


def seed() -> Demo:
    ensure_role_groups()  # flushed away by the previous transactional test
    with override_settings(DEBUG=True):  # seed_demo refuses to run in production
        call_command("seed_demo", stdout=io.StringIO())
    staff_user("cleo", roles.CLINIC_ADMIN)
    receipt(status="failed", last_error="SMTPServerDisconnected")
    awaiting = Submission.objects.filter(status__in=["submitted", "in_review"])
    triaged = Submission.objects.filter(status="triaged").exclude(tier="EMERGENCY")
    emergency = Submission.objects.filter(status="draft", interruption_shown_at__isnull=False)
    appointment = Appointment.objects.order_by("starts_at").first()
    event = AuditEvent.objects.filter(submission__isnull=False).first()
    found = (
        awaiting.order_by("-tier_rank", "awaiting_since").first(),
        triaged.order_by("-tier_rank").first(),
        emergency.first(),
        appointment,
        event,
    )
    assert all(found), "seed_demo made no such case"
    return Demo(*found, colleague=User.objects.get(username="reception"))  # type: ignore[arg-type]


def sign_in_as(page: Page, base_url: str, username: str) -> None:
    sign_in(page, base_url, username, STAFF_PASSWORD if username == "cleo" else DEMO_PASSWORD)


def states(role: str, demo: Demo) -> dict[str, str]:
    """Each page (state) a role works with: what it is called, and its address."""
    case = f"{QUEUE}{{}}/change/"
    day = timezone.localdate(demo.appointment.starts_at).isoformat()
    reception_group = Group.objects.get(name=roles.RECEPTIONIST)
    common = {
        "the home page": "/admin/",
        "the queue": QUEUE,
        "the diary's day view": f"/admin/scheduling/appointment/?day={day}",
    }
    by_role = {
        "triage": {
            "the queue, one tier": f"{QUEUE}?queue=awaiting&tier=URGENT",
            "a case page": case.format(demo.awaiting.pk),
            "a case's history": f"{QUEUE}{demo.awaiting.pk}/history/",
            "a mid-form emergency's page": case.format(demo.emergency.pk),
            "a triaged case's page": case.format(demo.triaged.pk),
            "the outbox": "/admin/intake/notification/",
        },
        "reception": {
            "the queue, to book": f"{QUEUE}?queue=triaged",
            "a case page": case.format(demo.triaged.pk),
            "the booking page": f"/admin/scheduling/appointment/book/{demo.triaged.pk}/",
            "an appointment's page": f"/admin/scheduling/appointment/{demo.appointment.pk}/change/",
        },
        "cleo": {
            "a case page": case.format(demo.awaiting.pk),
            "the audit log": "/admin/intake/auditevent/",
            "an audit event": f"/admin/intake/auditevent/{demo.event.pk}/change/",
            "the outbox": "/admin/intake/notification/",
            "the user list": "/admin/auth/user/",
            "a user's page": f"/admin/auth/user/{demo.colleague.pk}/change/",
            "the group list": "/admin/auth/group/",
            "a role's group page (read-only)": f"/admin/auth/group/{reception_group.pk}/change/",
            "the clinicians": "/admin/scheduling/clinician/",
        },
        "admin": {
            "a role's group page (editable)": f"/admin/auth/group/{reception_group.pk}/change/",
            "a user's page (editable)": f"/admin/auth/user/{demo.colleague.pk}/change/",
            "adding a user": "/admin/auth/user/add/",
        },
    }
    return {**common, **by_role[role]}


def test_the_sign_in_steps_pass_axe(page: Page, live_server: LiveServer) -> None:
    seed()
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_admin_accessible(page, "the sign-in page")
    type_password(page, live_server.url, "triage", DEMO_PASSWORD)
    expect(page.get_by_role("textbox", name="Code")).to_be_visible()
    assert_admin_accessible(page, "the second step of the sign-in")


@pytest.mark.parametrize("role", ["triage", "reception", "cleo", "admin"])
def test_every_admin_page_state_passes_axe(page: Page, live_server: LiveServer, role: str) -> None:
    demo = seed()
    sign_in_as(page, live_server.url, role)
    for what, url in states(role, demo).items():
        response = page.goto(live_server.url + url)
        assert response is not None and response.status == 200, (what, url)
        assert_admin_accessible(page, f"{what}, as {role}")


@pytest.mark.parametrize("role", ["triage", "cleo", "reception"])
def test_the_queue_fits_at_1366_px(new_page: NewPage, live_server: LiveServer, role: str) -> None:
    seed()
    page = new_page(viewport={"width": 1366, "height": 768})
    sign_in_as(page, live_server.url, role)
    for query in ("", "?queue=all"):
        page.goto(f"{live_server.url}{QUEUE}{query}")
        fit = page.evaluate(
            """() => {
                const table = document.querySelector("#result_list");
                const box = table.closest(".results");
                const lines = [...table.querySelectorAll("tbody .field-case a")]
                    .map((link) => link.getClientRects().length);
                const cut = [...table.querySelectorAll("thead th")].filter((th) =>
                    th.getBoundingClientRect().right > box.getBoundingClientRect().right + 1
                ).map((th) => th.textContent.trim());
                return {table: table.scrollWidth, box: box.clientWidth,
                        lines: Math.max(...lines), cut,
                        page: document.documentElement.scrollWidth};
            }"""
        )
        assert fit["table"] <= fit["box"], fit
        assert fit["cut"] == [], fit
        assert fit["lines"] == 1, fit  # a reference never wraps
        assert fit["page"] <= 1366, fit


def test_the_home_page_shows_the_work_and_its_charts(page: Page, live_server: LiveServer) -> None:
    seed()
    sign_in_as(page, live_server.url, "cleo")
    page.goto(f"{live_server.url}/admin/")
    charts = page.locator("img.home-chart")
    expect(charts).to_have_count(4)
    for index in range(4):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        # Drawn: the SVG loaded as an image (a refused or broken one has no natural width).
        drawn = "(img) => img.complete && img.naturalWidth > 0"
        page.wait_for_function(drawn, arg=chart.element_handle())
    table = page.locator("details.home-figure-table").first
    expect(table.locator("table")).to_be_hidden()
    table.locator("summary").click()
    expect(table.locator("table")).to_be_visible()
    assert_admin_accessible(page, "the home page with a chart's table open")
    # A count is a link to the list it counts.
    urgent = page.locator('tr[data-tier="URGENT"] a[data-count="awaiting"]')
    shown = int(re.sub(r"\D", "", urgent.inner_text().split(" ")[0]))
    with page.expect_navigation():
        urgent.click()
    assert "queue=awaiting" in page.url and "tier=URGENT" in page.url
    expect(page.locator('[data-tier-count="URGENT"]')).to_have_text(str(shown))


def test_reception_s_home_page_shows_only_what_is_to_book(
    page: Page, live_server: LiveServer
) -> None:
    seed()
    sign_in_as(page, live_server.url, "reception")
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="To book")).to_be_visible()
    expect(page.get_by_role("heading", name="Awaiting review")).to_have_count(0)
    expect(page.locator("img.home-chart")).to_have_count(0)
    # Each count opens reception's own list, To book, filtered to what it counts.
    to_book = page.locator('tr[data-tier="URGENT"] a[data-count="to-book"]')
    shown = int(re.sub(r"\D", "", to_book.inner_text().split(" ")[0]))
    assert shown > 0  # the demo has urgent cases to book
    with page.expect_navigation():
        to_book.click()
    assert "/admin/scheduling/casetobook/" in page.url and "tier=URGENT" in page.url
    expect(page.locator("#result_list tbody tr")).to_have_count(shown)
    assert_admin_accessible(page, "To book, from the home page's count")


def test_the_diary_jumps_to_any_day_and_by_weeks(page: Page, live_server: LiveServer) -> None:
    demo = seed()
    sign_in_as(page, live_server.url, "reception")
    page.goto(f"{live_server.url}/admin/scheduling/appointment/")
    far = timezone.localdate() + dt.timedelta(days=50)
    page.get_by_label("Go to day").fill(far.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    heading = page.locator(".day-navigation h2")
    expect(heading).to_have_text(f"{far:%A} {far.day} {far:%B %Y}")
    with page.expect_navigation():
        page.get_by_role("link", name="Next week").click()
    week_on = far + dt.timedelta(days=7)
    expect(heading).to_have_text(f"{week_on:%A} {week_on.day} {week_on:%B %Y}")
    # The first day with bookings, in time order.
    day = timezone.localdate(demo.appointment.starts_at)
    page.get_by_label("Go to day").fill(day.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    times = page.locator("#result_list tbody td.field-time, #result_list tbody th.field-time")
    shown = [text[:5] for text in times.all_inner_texts()]
    assert shown and shown == sorted(shown)
