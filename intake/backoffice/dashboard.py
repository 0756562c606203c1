"""The staff home page: the work waiting, per role, and the clinic's figures of the last 30 days.

What each member of staff sees follows their permissions (intake/roles.py), never their group's
name: those who triage see what awaits review (per tier, past target, mid-form emergencies),
those who book see what is to book (per tier, past the booking deadline), those who may see the
outbox its failed and stuck messages (the `outbox_health` tag), and those who may see the
clinic's figures (clinic admins) four charts with their data as tables. Receptionists see
counts of cases, never clinical detail. Every count is a link to the list it counts.

Counts come from the selectors (capped, constant query count); the charts are drawn on the
server (intake/backoffice/charts.py) and served as SVG images (views/figures.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from intake import roles
from intake.backoffice.display import humanise
from intake.backoffice.permissions import can_book, can_triage
from intake.models import Tier
from intake.scheduling import windows
from intake.scheduling.models import Appointment
from intake.scheduling.selectors import (
    appointment_list_attendance_per_day,
    appointment_list_booked_since,
    submission_list_booking_counts,
)
from intake.selectors.dashboard import (
    CappedCount,
    submission_count_open_emergencies,
    submission_list_review_counts,
    submission_list_review_times,
    submission_list_sent_per_day,
    tiers_most_urgent_first,
)

# The charts cover this many days, today included.
FIGURE_DAYS = 30


def can_see_figures(request: HttpRequest) -> bool:
    """The clinic's figures (charts of the last 30 days): clinic admins."""
    return request.user.has_perm(roles.SEE_CLINIC_FIGURES)


def queue_url(**params: str) -> str:
    """The triage queue (the submission list) filtered by its list filters' parameters
    (intake/backoffice/admin/submissions.py: queue, tier, interrupted, submitted_at__lt...)."""
    return reverse("admin:intake_submission_changelist") + "?" + urlencode(params)


# --- The counts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountLink:
    """One count on the home page, and the list it counts."""

    count: CappedCount
    url: str


@dataclass(frozen=True)
class TierLine:
    tier: str
    label: str
    main: CountLink  # awaiting review, or to book
    late: CountLink | None  # past target, or past the booking deadline; None: no target
    target: str = ""  # the tier's review target in words, or its booking window's end


@dataclass(frozen=True)
class ReviewSection:
    tiers: list[TierLine]
    emergencies: CountLink


@dataclass(frozen=True)
class BookingSection:
    tiers: list[TierLine]


def review_section(now: dt.datetime) -> ReviewSection:
    tiers = []
    for line in submission_list_review_counts(now=now):
        tier_queue = queue_url(queue="awaiting", tier=line.tier)
        tiers.append(
            TierLine(
                tier=line.tier,
                label=line.label,
                main=CountLink(line.awaiting, tier_queue),
                # The queue lists a tier's cases longest waiting first, those past target
                # marked: they are the top of this list.
                late=CountLink(line.past_target, tier_queue) if line.past_target else None,
                target=humanise(line.target) if line.target else "",
            )
        )
    emergencies = CountLink(
        submission_count_open_emergencies(), queue_url(queue="draft", interrupted="yes")
    )
    return ReviewSection(tiers=tiers, emergencies=emergencies)


def to_book_url(**params: str) -> str:
    """Reception's To book list (intake/backoffice/admin/to_book.py) filtered by its list
    filters' parameters (tier, deadline=passed)."""
    url = reverse("admin:scheduling_casetobook_changelist")
    return url + "?" + urlencode(params) if params else url


def booking_section(now: dt.datetime) -> BookingSection:
    tiers = []
    for line in submission_list_booking_counts(now=now):
        tiers.append(
            TierLine(
                tier=line.tier,
                label=line.label,
                main=CountLink(line.to_book, to_book_url(tier=line.tier)),
                # To book's "Passed" filter: the same cases as the count.
                late=CountLink(line.past_deadline, to_book_url(tier=line.tier, deadline="passed")),
            )
        )
    return BookingSection(tiers=tiers)


def home(request: HttpRequest, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The home page's context: each section only for those whose permissions allow it."""
    now = now or timezone.now()
    context: dict[str, Any] = {}
    if can_triage(request):
        context["review"] = review_section(now)
    if can_book(request):
        context["booking"] = booking_section(now)
    if can_see_figures(request):
        context["figures"] = [figure(now) for figure in FIGURES.values()]
        context["figure_days"] = FIGURE_DAYS
    return context


# --- The figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    title: str
    values: list[float | None]
    colour: str


@dataclass
class Figure:
    """One chart and the same numbers as a table (for screen readers, and anyone who wants the
    exact figures): `alt` says in one or two sentences what the chart shows."""

    name: str
    title: str
    alt: str
    kind: str  # "stacked" bars, grouped "bars", or "share" (a percentage per bar)
    x_labels: list[str]
    series: list[Series]
    y_title: str
    columns: list[str]
    rows: list[list[str]]
    logarithmic: bool = False
    notes: list[str] = field(default_factory=list)


# Tier colours for the charts: the badges' hues, dark enough for 3:1 against white (WCAG 1.4.11);
# each series is named in the legend and the table too, never by colour alone.
TIER_COLOURS = {
    Tier.EMERGENCY: "#b0190f",
    Tier.URGENT: "#a04d00",
    Tier.SOON: "#6b5d00",
    Tier.ROUTINE: "#4c6272",
}


def _days(now: dt.datetime) -> tuple[list[dt.date], dt.datetime]:
    """The last FIGURE_DAYS days in the clinic's zone, oldest first, and the first's midnight."""
    zone = windows.clinic_zone()
    today = now.astimezone(zone).date()
    days = [today - dt.timedelta(days=n) for n in range(FIGURE_DAYS - 1, -1, -1)]
    return days, dt.datetime.combine(days[0], dt.time(), tzinfo=zone)


def _day_label(day: dt.date) -> str:
    return f"{day:%d %b}"


def _day_name(day: dt.date) -> str:
    return str(formats.date_format(day, "D j M"))


def sent_per_day(now: dt.datetime) -> Figure:
    days, since = _days(now)
    sent = submission_list_sent_per_day(since=since, zone=windows.clinic_zone())
    tiers = tiers_most_urgent_first()
    total = sum(sent.values())
    by_tier = {tier: sum(n for (_d, t), n in sent.items() if t == tier.value) for tier in tiers}
    return Figure(
        name="sent",
        title=_("Forms sent per day, by tier"),
        alt=_("Bar chart: %(total)d forms sent in the last %(days)d days (%(tiers)s).")
        % {
            "total": total,
            "days": FIGURE_DAYS,
            "tiers": ", ".join(f"{tier.label} {by_tier[tier]}" for tier in tiers),
        },
        kind="stacked",
        x_labels=[_day_label(day) for day in days],
        series=[
            Series(
                str(tier.label),
                [sent.get((day, tier.value), 0) for day in days],
                TIER_COLOURS[tier],
            )
            for tier in tiers
        ],
        y_title=_("forms"),
        columns=[_("Day"), *[str(tier.label) for tier in tiers], _("All")],
        rows=[
            [
                _day_name(day),
                *[str(sent.get((day, tier.value), 0)) for tier in tiers],
                str(sum(sent.get((day, tier.value), 0) for tier in tiers)),
            ]
            for day in days
        ],
    )


def percentile(ordered: Sequence[dt.timedelta], share: float) -> dt.timedelta:
    """The nearest-rank percentile of sorted durations: the smallest that at least `share` of
    them do not exceed (the 90th: 9 in 10 waited no longer)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median_of(ordered: Sequence[dt.timedelta]) -> dt.timedelta:
    """The median of sorted durations (the mean of the middle two for an even count)."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _hours(delta: dt.timedelta | None) -> float | None:
    # A log scale has no zero: anything under a minute is drawn as a minute.
    return None if delta is None else max(delta.total_seconds(), 60) / 3600


def review_times(now: dt.datetime) -> Figure:
    from intake import clinical

    _days_list, since = _days(now)
    times = submission_list_review_times(since=since)
    tiers = tiers_most_urgent_first()
    medians: dict[str, dt.timedelta | None] = {}
    p90s: dict[str, dt.timedelta | None] = {}
    rows = []
    described = []
    for tier in tiers:
        reviewed = times[tier.value].reviewed
        target = clinical.review_target(tier)
        medians[tier] = median_of(reviewed) if reviewed else None
        p90s[tier] = percentile(reviewed, 0.9) if reviewed else None
        median, p90 = medians[tier], p90s[tier]
        rows.append(
            [
                str(tier.label),
                str(len(reviewed)),
                humanise(median) if median is not None else "—",
                humanise(p90) if p90 is not None else "—",
                humanise(target) if target else _("no target"),
                str(times[tier.value].waiting),
            ]
        )
        if median is not None and p90 is not None:
            described.append(
                _("%(tier)s median %(median)s, 90th percentile %(p90)s (target %(target)s)")
                % {
                    "tier": tier.label,
                    "median": humanise(median),
                    "p90": humanise(p90),
                    "target": humanise(target) if target else _("none"),
                }
            )
    return Figure(
        name="review",
        title=_("Time to review, by tier, against its target"),
        alt=_(
            "Bar chart of the time from joining the queue to review, forms sent in the last "
            "%(days)d days: %(figures)s."
        )
        % {"days": FIGURE_DAYS, "figures": "; ".join(described) or _("none reviewed yet")},
        kind="bars",
        x_labels=[str(tier.label) for tier in tiers],
        series=[
            Series(_("Median"), [_hours(medians[t]) for t in tiers], "#1d5b79"),
            Series(_("90th percentile"), [_hours(p90s[t]) for t in tiers], "#7a3e9d"),
            Series(_("Target"), [_hours(clinical.review_target(t)) for t in tiers], "#4d4d4d"),
        ],
        y_title=_("hours (logarithmic scale)"),
        logarithmic=True,
        columns=[
            _("Tier"),
            _("Reviewed"),
            _("Median"),
            _("90th percentile"),
            _("Target"),
            _("Still waiting"),
        ],
        rows=rows,
        notes=[
            _(
                "From joining the queue (the form sent, or the emergency advice shown mid-form) to "
                "the first time the case was marked triaged, referred or closed. Forms still "
                "waiting are not in the median: see the last column."
            )
        ],
    )


def booked_in_window(now: dt.datetime) -> Figure:
    _days_list, since = _days(now)
    tiers = [tier for tier in tiers_most_urgent_first() if windows.is_bookable(tier)]
    booked = {tier.value: 0 for tier in tiers}
    inside = {tier.value: 0 for tier in tiers}
    for appointment in appointment_list_booked_since(since=since):
        if appointment.tier not in booked or appointment.submitted_at is None:
            continue
        booked[appointment.tier] += 1
        deadline = appointment.deadline
        if deadline is not None and appointment.starts_at < deadline:
            inside[appointment.tier] += 1

    def share(tier: Tier) -> float | None:
        done = booked[tier.value]
        return round(100 * inside[tier.value] / done, 1) if done else None

    return Figure(
        name="booked",
        title=_("Booked inside the window, by tier"),
        alt=_(
            "Bar chart of the share of appointments booked in the last %(days)d days that "
            "start inside their tier's booking window: %(figures)s."
        )
        % {
            "days": FIGURE_DAYS,
            "figures": "; ".join(
                _("%(tier)s %(inside)d of %(booked)d")
                % {"tier": tier.label, "inside": inside[tier.value], "booked": booked[tier.value]}
                for tier in tiers
            ),
        },
        kind="share",
        x_labels=[str(tier.label) for tier in tiers],
        series=[Series(_("Inside the window"), [share(tier) for tier in tiers], "#005a2b")],
        y_title=_("% of appointments"),
        columns=[_("Tier"), _("Booked"), _("Inside the window"), _("Share")],
        rows=[
            [
                str(tier.label),
                str(booked[tier.value]),
                str(inside[tier.value]),
                f"{share(tier):.0f} %" if booked[tier.value] else "—",
            ]
            for tier in tiers
        ],
        notes=[
            _(
                "Appointments booked in the period and not cancelled; the window is the case's "
                "booking deadline, as the booking page gives it: counted from when the form was "
                "sent, and extended to the next opening session when triage left too little "
                "time to book inside it."
            )
        ],
    )


def attendance(now: dt.datetime) -> Figure:
    days, since = _days(now)
    counts = appointment_list_attendance_per_day(since=since, until=now)
    statuses = [
        (Appointment.Status.ATTENDED, "#1d5b79"),
        (Appointment.Status.NO_SHOW, "#b0190f"),
        (Appointment.Status.BOOKED, "#767676"),
    ]
    no_shows = sum(n for (_d, status), n in counts.items() if status == Appointment.Status.NO_SHOW)
    total = sum(counts.values())
    labels = {
        Appointment.Status.ATTENDED: _("Attended"),
        Appointment.Status.NO_SHOW: _("Did not attend"),
        Appointment.Status.BOOKED: _("Not recorded yet"),
    }
    return Figure(
        name="attendance",
        title=_("Appointments per day: attended and no-shows"),
        alt=_(
            "Bar chart: %(total)d appointments in the last %(days)d days, %(no_shows)d of them "
            "not attended."
        )
        % {"total": total, "days": FIGURE_DAYS, "no_shows": no_shows},
        kind="stacked",
        x_labels=[_day_label(day) for day in days],
        series=[
            Series(str(labels[status]), [counts.get((day, status), 0) for day in days], colour)
            for status, colour in statuses
        ],
        y_title=_("appointments"),
        columns=[_("Day"), *[str(labels[status]) for status, _c in statuses]],
        rows=[
            [_day_name(day), *[str(counts.get((day, status), 0)) for status, _c in statuses]]
            for day in days
            if any(counts.get((day, status)) for status, _c in statuses)
        ],
        notes=[
            _(
                "Appointments that started in the period and were not cancelled; only days with "
                "appointments are listed."
            )
        ],
    )


FIGURES: dict[str, Callable[[dt.datetime], Figure]] = {
    "sent": sent_per_day,
    "review": review_times,
    "booked": booked_in_window,
    "attendance": attendance,
}
