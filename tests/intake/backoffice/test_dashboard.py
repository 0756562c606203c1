"""The staff home page shows the work (issue 20): per role, counts of what awaits review and is
past target, mid-form emergencies, what is to book and past its booking deadline, and failed
messages, each a link to the list it counts; for clinic admins the clinic's last 30 days as
charts (SVG images drawn on the server) with their numbers as tables. Counts are capped and the
page's query count does not grow with the data."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake import clinical
from intake.backoffice import dashboard
from intake.models import AuditEvent, Submission
from intake.scheduling import windows
from intake.scheduling.models import Appointment
from intake.scheduling.selectors import sent_before_for_deadline
from tests.factories import SlotFactory, SubmissionFactory, TriagedSubmissionFactory, logged_in
from tests.intake.backoffice.staff import queue_references, waited
from tests.intake.services.helpers import receipt

pytestmark = pytest.mark.django_db

HOME = "/admin/"


def _home(client: Client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def _count(html: str, kind: str, tier: str | None = None) -> tuple[str, str]:
    """(the count shown, the link's URL) for `data-count="kind"` (in the tier's row)."""
    if tier is not None:
        row = re.search(rf'<tr data-tier="{tier}">(.*?)</tr>', html, re.S)
        assert row is not None, tier
        html = row.group(1)
    link = re.search(rf'<a[^>]*data-count="{kind}" href="([^"]+)">([^<]+)<', html)
    assert link is not None, (kind, tier)
    return link.group(2).strip().split(" ")[0], html_module.unescape(link.group(1))


def _open_emergency(minutes_ago: float) -> Submission:
    shown = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return SubmissionFactory(
        status=Submission.Status.DRAFT,
        reference=None,
        submitted_at=None,
        patient=None,
        tier="EMERGENCY",
        interruption_shown_at=shown,
        awaiting_since=shown,
        identity={"full_name": "Mo Left", "phone": "07700 900111"},
    )


# --- Who sees what -------------------------------------------------------------------------------


def test_a_triage_clinician_sees_what_awaits_review_per_tier_and_what_is_past_target(
    triage_nurse: User,
) -> None:
    urgent_target = clinical.review_target("URGENT")
    assert urgent_target is not None
    late_hours = urgent_target.total_seconds() / 3600 + 1
    late = SubmissionFactory(tier="URGENT", awaiting_since=waited(late_hours))
    SubmissionFactory(tier="URGENT", awaiting_since=waited(0.5))
    SubmissionFactory(tier="URGENT", status=Submission.Status.IN_REVIEW)
    SubmissionFactory(tier="ROUTINE")
    SubmissionFactory(tier="URGENT", status=Submission.Status.TRIAGED)  # not awaiting
    _open_emergency(minutes_ago=5)

    client = logged_in(triage_nurse)
    html = _home(client)
    assert _count(html, "awaiting", "URGENT")[0] == "3"
    shown, url = _count(html, "past-target", "URGENT")
    assert shown == "1"
    # The link opens the tier's queue, longest waiting first: the late case is on top, marked.
    assert queue_references(client, url[len("/admin/intake/submission/") :])[0] == late.reference
    assert _count(html, "awaiting", "ROUTINE")[0] == "1"
    assert 'data-count="past-target"' not in re.search(
        r'<tr data-tier="ROUTINE">(.*?)</tr>', html, re.S
    ).group(1)  # type: ignore[union-attr]  # ROUTINE has no target
    assert _count(html, "awaiting", "EMERGENCY")[0] == "1"  # the open mid-form emergency
    shown, url = _count(html, "emergencies")
    assert shown == "1"
    listed = client.get(url).content.decode()
    assert "Mo Left" in listed and "Form not finished" in listed
    assert "home-figures" not in html  # charts are the clinic admins'


def test_a_receptionist_sees_only_what_is_to_book(receptionist: User) -> None:
    SubmissionFactory(tier="URGENT")
    TriagedSubmissionFactory(tier="URGENT")
    html = _home(logged_in(receptionist))
    assert _count(html, "to-book", "URGENT")[0] == "1"
    assert "Awaiting review" not in html and 'data-count="awaiting"' not in html
    assert 'data-count="emergencies"' not in html
    assert "home-figures" not in html
    assert "Messages to patients and staff" not in html  # the outbox is not reception's
    assert "Test reason for" not in html  # no clinical detail


def test_a_clinic_admin_sees_everything_and_the_figures(clinic_admin: User) -> None:
    receipt(status="failed")
    html = _home(logged_in(clinic_admin))
    for kind in ("awaiting", "to-book", "emergencies", "failed"):
        assert f'data-count="{kind}"' in html
    for name in dashboard.FIGURES:
        assert f'src="/admin/figures/{name}.svg"' in html
    # Each chart has its words (alt) and its numbers as a table.
    assert html.count('<img class="home-chart"') == len(dashboard.FIGURES)
    assert not re.search(r'<img class="home-chart"[^>]*alt=""', html)
    assert html.count('<details class="home-figure-table">') == len(dashboard.FIGURES)


# --- To book, and past the booking deadline -----------------------------------------------------


def test_cases_past_their_booking_deadline_are_counted_and_listed(receptionist: User) -> None:
    now = timezone.now()
    cutoff = sent_before_for_deadline("SOON", now)
    late = TriagedSubmissionFactory(tier="SOON", submitted_at=cutoff - dt.timedelta(hours=1))
    in_time = TriagedSubmissionFactory(tier="SOON", submitted_at=cutoff + dt.timedelta(hours=1))
    TriagedSubmissionFactory(tier="SOON", status=Submission.Status.BOOKED)  # booked: not counted
    client = logged_in(receptionist)
    html = _home(client)
    assert _count(html, "to-book", "SOON")[0] == "2"
    shown, url = _count(html, "past-deadline", "SOON")
    assert shown == "1"
    query = url[len("/admin/intake/submission/") :]
    assert queue_references(client, query) == [late.reference]
    assert in_time.reference in queue_references(client, _count(html, "to-book", "SOON")[1][25:])
    assert 'class="home-count home-late" data-count="past-deadline"' in html


@pytest.mark.parametrize("tier", ["URGENT", "SOON", "ROUTINE"])
def test_the_deadline_cutoff_agrees_with_the_booking_window(tier: str) -> None:
    """Forms sent before the cutoff have a deadline that has passed; from it, one still ahead."""
    zone = windows.clinic_zone()
    for now in (
        dt.datetime(2026, 12, 4, 16, 0, tzinfo=zone),  # a Friday afternoon
        dt.datetime(2026, 12, 7, 9, 0, tzinfo=zone),  # the Monday after
        dt.datetime(2026, 3, 30, 8, 0, tzinfo=zone),  # the day after the clocks went forward
    ):
        cutoff = sent_before_for_deadline(tier, now)
        before = windows.booking_deadline(tier, cutoff - dt.timedelta(minutes=1))
        after = windows.booking_deadline(tier, cutoff)
        assert before is not None and after is not None
        assert before <= now < after, (tier, now, cutoff)


# --- Capped counts and a constant query count ---------------------------------------------------


def test_counts_stop_at_the_cap(triage_nurse: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("intake.selectors.dashboard.COUNT_CAP", 2)
    for _ in range(3):
        SubmissionFactory(tier="SOON")
    html = _home(logged_in(triage_nurse))
    assert _count(html, "awaiting", "SOON")[0] == "2+"


def _everything(rows: int) -> None:
    """`rows` of each thing the home page counts or charts."""
    now = timezone.now()
    for number in range(rows):
        tier = ("URGENT", "SOON", "ROUTINE")[number % 3]
        SubmissionFactory(tier=tier, awaiting_since=waited(number * 5))
        triaged = TriagedSubmissionFactory(
            tier=tier, submitted_at=now - dt.timedelta(days=number % 25)
        )
        AuditEvent.objects.create(
            action=AuditEvent.Action.STATUS,
            submission=triaged,
            details={"from": "in_review", "to": "triaged"},
        )
        slot = SlotFactory(start=now - dt.timedelta(days=number % 20, hours=1))
        Appointment.objects.create(
            submission=triaged,
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
            status=("attended", "no_show", "booked")[number % 3],
        )
        _open_emergency(minutes_ago=number)
        receipt(status="failed")


CHARTS = [f"/admin/figures/{name}.svg" for name in dashboard.FIGURES]


@pytest.mark.parametrize("path", [HOME, *CHARTS])
def test_the_home_page_and_its_charts_cost_the_same_queries_at_any_size(
    clinic_admin: User, path: str
) -> None:
    client = logged_in(clinic_admin)
    _everything(2)
    client.get(path)  # warm: the session, content types, permissions
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _everything(25)
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


# --- The charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(dashboard.FIGURES))
def test_each_chart_is_an_svg_image_with_no_script_and_nothing_fetched(
    clinic_admin: User, name: str
) -> None:
    _everything(3)
    response = logged_in(clinic_admin).get(f"/admin/figures/{name}.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    # Nothing from elsewhere: the only addresses are XML namespaces and pygal's credit lines.
    addresses = set(re.findall(r'(?:href|src)="([^"]+)"', svg))
    assert all(address.startswith("#") for address in addresses), addresses
    # Opened on its own, it may use its inline styles and nothing else (no script-src: none).
    policy = response["Content-Security-Policy"]
    assert policy == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def test_the_charts_are_the_clinic_admins_only(triage_nurse: User, receptionist: User) -> None:
    for user in (triage_nurse, receptionist):
        assert logged_in(user).get("/admin/figures/sent.svg").status_code == 403


def test_an_unknown_chart_is_not_found(clinic_admin: User) -> None:
    assert logged_in(clinic_admin).get("/admin/figures/nope.svg").status_code == 404


def test_the_page_s_policy_is_unchanged_by_the_charts(clinic_admin: User) -> None:
    policy = logged_in(clinic_admin).get(HOME)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


# --- The figures' numbers -----------------------------------------------------------------------


def test_forms_sent_per_day_by_tier() -> None:
    now = timezone.now()
    SubmissionFactory(tier="URGENT", submitted_at=now)
    SubmissionFactory(tier="URGENT", submitted_at=now)
    SubmissionFactory(tier="SOON", submitted_at=now - dt.timedelta(days=1))
    SubmissionFactory(tier="SOON", submitted_at=now - dt.timedelta(days=45))  # before the period
    figure = dashboard.sent_per_day(now)
    assert len(figure.x_labels) == dashboard.FIGURE_DAYS
    urgent = next(s for s in figure.series if s.title == "Urgent")
    soon = next(s for s in figure.series if s.title == "Soon")
    assert urgent.values[-1] == 2 and sum(v or 0 for v in urgent.values) == 2
    assert soon.values[-2] == 1 and sum(v or 0 for v in soon.values) == 1
    assert figure.rows[-1][-1] == "2"  # today's total
    assert "3 forms sent" in figure.alt


def test_time_to_review_gives_the_median_and_90th_percentile_per_tier() -> None:
    now = timezone.now()
    for hours in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10):
        case = TriagedSubmissionFactory(
            tier="URGENT", awaiting_since=waited(hours), submitted_at=now
        )
        AuditEvent.objects.create(
            action=AuditEvent.Action.STATUS,
            submission=case,
            details={"from": "in_review", "to": "triaged"},
        )
        # Reopened and triaged again later: the first review counts, not this one.
        AuditEvent.objects.create(
            action=AuditEvent.Action.STATUS,
            submission=case,
            details={"from": "in_review", "to": "closed"},
        )
    SubmissionFactory(tier="URGENT", submitted_at=now)  # still waiting
    figure = dashboard.review_times(timezone.now())
    urgent = next(row for row in figure.rows if row[0] == "Urgent")
    reviewed, median, p90, target, waiting = urgent[1:]
    assert reviewed == "10" and waiting == "1"
    assert median.startswith("5 h 30 min") or median.startswith("5 h 29 min")
    assert p90.startswith("9 h")
    assert target == "4 h 0 min"
    medians = next(s for s in figure.series if s.title == "Median")
    assert medians.values[1] == pytest.approx(5.5, abs=0.05)
    assert figure.logarithmic


def test_percentile_is_the_nearest_rank() -> None:
    ordered = [dt.timedelta(minutes=m) for m in range(1, 11)]
    assert dashboard.percentile(ordered, 0.9) == dt.timedelta(minutes=9)
    assert dashboard.percentile(ordered[:1], 0.9) == dt.timedelta(minutes=1)
    assert dashboard.percentile(ordered, 0.5) == dt.timedelta(minutes=5)


def test_share_booked_inside_the_window() -> None:
    now = timezone.now()
    sent = now - dt.timedelta(days=1)
    deadline = windows.booking_deadline("SOON", sent)
    assert deadline is not None
    for start, status in (
        (deadline - dt.timedelta(days=1), "booked"),
        (deadline - dt.timedelta(days=2), "attended"),
        (deadline + dt.timedelta(days=3), "booked"),
        (deadline - dt.timedelta(days=3), "cancelled"),  # not counted
    ):
        case = TriagedSubmissionFactory(tier="SOON", submitted_at=sent)
        slot = SlotFactory(start=start)
        Appointment.objects.create(
            submission=case,
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
            status=status,
        )
    figure = dashboard.booked_in_window(now)
    assert next(row for row in figure.rows if row[0] == "Soon") == ["Soon", "3", "2", "67 %"]
    assert figure.series[0].values[1] == pytest.approx(66.7)
    assert "Emergency" not in figure.x_labels  # never booked


def test_no_shows_per_day() -> None:
    now = timezone.now()
    for status in ("attended", "attended", "no_show", "booked", "cancelled"):
        slot = SlotFactory(start=now - dt.timedelta(hours=2))
        Appointment.objects.create(
            submission=TriagedSubmissionFactory(),
            slot=slot,
            clinician=slot.clinician,
            starts_at=slot.start,
            ends_at=slot.end,
            status=status,
        )
    figure = dashboard.attendance(now)
    day = timezone.localdate(now - dt.timedelta(hours=2))
    (row,) = figure.rows
    assert row[0] == f"{day:%a} {day.day} {day:%b}"
    assert row[1:] == ["2", "1", "1"]
    assert "4 appointments" in figure.alt and "1 of them" in figure.alt
