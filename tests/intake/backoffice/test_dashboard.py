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
from intake.models import AuditEvent, Notification, Submission
from intake.scheduling import windows
from intake.scheduling.models import Appointment, BookingRequest
from intake.scheduling.services import requests
from tests.factories import SlotFactory, SubmissionFactory, TriagedSubmissionFactory, logged_in
from tests.intake.backoffice.signin import Clock
from tests.intake.backoffice.staff import queue_references, waited
from tests.intake.clinic_clock import TUESDAY, WEDNESDAY, at
from tests.intake.services.helpers import receipt

pytestmark = pytest.mark.django_db

HOME = "/admin/"
TO_BOOK = "/admin/scheduling/casetobook/"


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
    triage_nurse: User, clinic_clock: Clock
) -> None:
    # Wednesday 10:00, the clinic open. URGENT's target is the call-back the patient was told
    # (clinical.is_past_review_target), the one the queue marks in red: sent Tuesday 11:00,
    # due by 15:00 that day, past; sent Tuesday 17:00, in the last hour (the patient was told to
    # ring NHS 111), due 4 hours after Wednesday's opening, not past although 17 hours waiting.
    late = SubmissionFactory(tier="URGENT", awaiting_since=at(TUESDAY, "11:00"))
    overnight = SubmissionFactory(tier="URGENT", awaiting_since=at(TUESDAY, "17:00"))
    assert not clinical.is_past_review_target(
        "URGENT", overnight.awaiting_since, at(WEDNESDAY, "10:00")
    )
    SubmissionFactory(tier="URGENT", awaiting_since=waited(0.5))
    SubmissionFactory(tier="URGENT", status=Submission.Status.IN_REVIEW)
    SubmissionFactory(tier="ROUTINE")
    SubmissionFactory(tier="URGENT", status=Submission.Status.TRIAGED)  # not awaiting
    _open_emergency(minutes_ago=5)

    client = logged_in(triage_nurse)
    html = _home(client)
    assert _count(html, "awaiting", "URGENT")[0] == "4"
    shown, url = _count(html, "past-target", "URGENT")
    assert shown == "1"
    # The link opens the tier's queue, longest waiting first: the late case is on top, and the
    # only one the queue marks past target.
    query = url[len("/admin/intake/submission/") :]
    assert queue_references(client, query)[0] == late.reference
    queue = client.get("/admin/intake/submission/" + query).content.decode()
    assert queue.count('class="waiting-late"') == 1
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


def _to_book_listed(client: Client, url: str) -> list[str]:
    """The references on reception's To book list at `url`, in order."""
    assert url.startswith(TO_BOOK), url
    html = client.get(url).content.decode()
    return re.findall(r'href="/admin/intake/submission/\d+/change/">(LEG-[A-Z0-9-]+)<', html)


def test_cases_past_their_booking_deadline_are_counted_and_listed(
    receptionist: User, triage_nurse: User, clinic_clock: Clock
) -> None:
    """Past the deadline is the case's own deadline (its booking request's `book_by`), as
    reception's To book list filters it and the overdue-booking job alerts it: a window that
    closed too soon after triage was extended, and is not past."""
    # Sent Tuesday 10:00 and triaged at 11:00: due by Tuesday's close.
    late = SubmissionFactory(tier="URGENT", submitted_at=at(TUESDAY, "10:00"))
    requests.submission_triage(submission=late, actor=triage_nurse, now=at(TUESDAY, "11:00"))
    # Sent Wednesday 10:00, triaged at 17:27: the window closing at 17:30 runs to Thursday's
    # close instead.
    clinic_clock.moment = at(WEDNESDAY, "17:27")
    extended = SubmissionFactory(tier="URGENT", submitted_at=at(WEDNESDAY, "10:00"))
    requests.submission_triage(submission=extended, actor=triage_nurse)
    request = BookingRequest.objects.get(submission=extended)
    assert request.window_closed_at is not None
    assert request.book_by is not None and request.book_by > at(WEDNESDAY, "17:45")
    # Triaged before booking requests existed: to book, with no deadline stored yet.
    legacy = TriagedSubmissionFactory(tier="URGENT", submitted_at=at(TUESDAY, "09:00"))
    TriagedSubmissionFactory(tier="URGENT", status=Submission.Status.BOOKED)  # not counted
    clinic_clock.moment = at(WEDNESDAY, "17:45")

    client = logged_in(receptionist)
    html = _home(client)
    shown, url = _count(html, "to-book", "URGENT")
    assert shown == "3"
    assert sorted(_to_book_listed(client, url)) == sorted(
        str(case.reference) for case in (late, extended, legacy)
    )
    shown, url = _count(html, "past-deadline", "URGENT")
    assert shown == "1"
    assert _to_book_listed(client, url) == [late.reference]
    assert 'class="home-count home-late" data-count="past-deadline"' in html

    # The overdue-booking job alerts the same case, and the one triaged before requests, whose
    # deadline it now stores: both are counted from then on.
    assert requests.bookingrequest_alert_overdue(now=clinic_clock.moment) == 2
    alerted = Notification.objects.filter(kind=Notification.Kind.BOOKING_OVERDUE)
    assert set(alerted.values_list("submission__reference", flat=True)) == {
        late.reference,
        legacy.reference,
    }
    html = _home(client)
    shown, url = _count(html, "past-deadline", "URGENT")
    assert shown == "2"
    assert sorted(_to_book_listed(client, url)) == sorted(
        str(case.reference) for case in (late, legacy)
    )


# --- Capped counts and a constant query count ---------------------------------------------------


def test_counts_stop_at_the_cap(triage_nurse: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("intake.selectors.dashboard.COUNT_CAP", 2)
    for _ in range(3):
        SubmissionFactory(tier="SOON", awaiting_since=waited(24 * 4))  # SOON's target: 3 days
    SubmissionFactory(tier="SOON")
    html = _home(logged_in(triage_nurse))
    assert _count(html, "awaiting", "SOON")[0] == "2+"
    assert _count(html, "past-target", "SOON")[0] == "2+"


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
    # A case whose deadline was extended after a late triage (its booking request's): booked
    # after the tier's window from sending, before its own deadline, as the booking page showed.
    extended = TriagedSubmissionFactory(tier="SOON", submitted_at=sent)
    BookingRequest.objects.create(
        submission=extended,
        triaged_at=deadline - dt.timedelta(minutes=3),
        book_by=deadline + dt.timedelta(days=1),
        window_closed_at=deadline,
    )
    slot = SlotFactory(start=deadline + dt.timedelta(hours=12))
    Appointment.objects.create(
        submission=extended,
        slot=slot,
        clinician=slot.clinician,
        starts_at=slot.start,
        ends_at=slot.end,
        status="booked",
    )
    figure = dashboard.booked_in_window(now)
    assert next(row for row in figure.rows if row[0] == "Soon") == ["Soon", "4", "3", "75 %"]
    assert figure.series[0].values[1] == pytest.approx(75.0)
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
