"""The diary's day view (issue 20): one day in time order with the clinician as a column, a date
picker to go to any day, and a day or a week either way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intake.scheduling.services import booking
from tests.factories import ClinicianFactory, SlotFactory, TriagedSubmissionFactory, logged_in

pytestmark = pytest.mark.django_db

DAY = "/admin/scheduling/appointment/"


def _book_at(day: dt.date, clock: str, clinician_name: str, patient: str, actor: User) -> None:
    hour, minute = map(int, clock.split(":"))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    clinician = ClinicianFactory(name=clinician_name)
    booking.appointment_book(
        submission=TriagedSubmissionFactory(patient__full_name=patient),
        slot=SlotFactory(start=start, clinician=clinician),
        actor=actor,
    )


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(time, clinician, patient) of each row of the day's list, in order."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html.split('id="result_list"')[1], re.S):
        time = re.search(r'class="field-time"><a [^>]*>([^<]+)</a>', row)
        clinician = re.search(r'class="field-clinician[^"]*">([^<]+)<', row)
        patient = re.search(r'class="field-patient[^"]*">([^<]+)<', row)
        if time and clinician and patient:
            rows.append((time.group(1)[:5], clinician.group(1), patient.group(1)))
    return rows


def test_the_day_is_in_time_order_with_the_clinician_as_a_column(receptionist: User) -> None:
    day = timezone.localdate() + dt.timedelta(days=3)
    _book_at(day, "11:30", "Dr Adams", "Ada Brook", receptionist)
    _book_at(day, "08:30", "Dr Zhou", "Ben Carrow", receptionist)
    _book_at(day, "09:00", "Dr Adams", "Cara Dunmore", receptionist)
    html = logged_in(receptionist).get(DAY, {"day": day.isoformat()}).content.decode()
    assert _rows(html) == [
        ("08:30", "Dr Zhou", "Ben Carrow"),
        ("09:00", "Dr Adams", "Cara Dunmore"),
        ("11:30", "Dr Adams", "Ada Brook"),
    ]


def test_a_date_picker_goes_to_any_day_and_keeps_the_other_filters(receptionist: User) -> None:
    far = timezone.localdate() + dt.timedelta(days=40)
    _book_at(far, "10:00", "Dr Adams", "Ada Brook", receptionist)
    client = logged_in(receptionist)
    html = client.get(DAY, {"status__exact": "booked"}).content.decode()
    picker = re.search(r'<form class="day-picker" method="get".*?</form>', html, re.S)
    assert picker is not None
    form = picker.group(0)
    assert '<label for="day-picker-day">Go to day</label>' in form
    assert re.search(r'<input type="date" id="day-picker-day" name="day" value="[\d-]+"', form)
    assert '<input type="hidden" name="status__exact" value="booked">' in form
    # What the form sends: the day typed, with the kept filter.
    shown = client.get(DAY, {"status__exact": "booked", "day": far.isoformat()}).content.decode()
    assert "Ada Brook" in shown and f"{far:%A} {far.day} {far:%B %Y}" in shown


def test_a_week_either_way(receptionist: User) -> None:
    day = dt.date(2026, 12, 9)
    html = logged_in(receptionist).get(DAY, {"day": day.isoformat()}).content.decode()
    assert "?day=2026-12-16" in html and "Next week" in html
    assert "?day=2026-12-02" in html and "Previous week" in html
    assert "?day=2026-12-10" in html and "?day=2026-12-08" in html


def test_a_picked_day_that_is_no_date_shows_today(receptionist: User) -> None:
    response = logged_in(receptionist).get(DAY, {"day": "not-a-day"})
    assert response.status_code == 200
    today = timezone.localdate()
    assert f"<h2>{today:%A} {today.day} {today:%B %Y}</h2>" in response.content.decode()
