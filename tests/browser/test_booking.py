"""Reception books an URGENT patient from the submission page, in a real browser.

Rita (receptionist) opens a triaged URGENT submission (a suspected DVT), follows "Book an
appointment", picks today's duplex scan slot from the list (inside the window, marked), and
books it. The confirmation email, with its calendar file, is in the outbox.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.models import Submission
from intake.scheduling.models import Appointment
from tests.browser.patient import assert_accessible
from tests.browser.staff import sign_in
from tests.factories import (
    AppointmentTypeFactory,
    SlotFactory,
    TriagedSubmissionFactory,
    ensure_role_groups,
    staff_user,
)

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def test_reception_books_an_urgent_patient_into_a_same_day_scan(
    page: Page, live_server: LiveServer
) -> None:
    ensure_role_groups()  # flushed away by the previous transactional test
    staff_user("rita", roles.RECEPTIONIST)
    submission = TriagedSubmissionFactory(tier="URGENT", patient__full_name="Ada Brook")
    scan = AppointmentTypeFactory(
        name="Same-day duplex scan", roles=["sonographer"], location="Vascular lab"
    )
    # Today's scan a few minutes from now, and one far outside the URGENT window.
    today = SlotFactory(
        appointment_type=scan,
        clinician__name="Sam Okafor",
        clinician__role="sonographer",
        start=(timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0),
    )
    SlotFactory(appointment_type=scan, start=today.start + dt.timedelta(days=10))
    mail.outbox.clear()

    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/admin/intake/submission/{submission.pk}/change/")
    with page.expect_navigation():
        page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", name="Book by", exact=False)).to_be_visible()
    assert_accessible(page, "the booking page")

    start = timezone.localtime(today.start)
    slot = page.get_by_label(f"{start:%H:%M}–", exact=False).first
    expect(page.locator(f'label[for="slot-{today.pk}"]')).to_contain_text("Within target")
    slot.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Book this slot").click()

    expect(page.locator(".messagelist")).to_contain_text("Booked:")
    expect(page.locator(".booking-section")).to_contain_text("Sam Okafor")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.BOOKED
    appointment = Appointment.objects.get(submission=submission)
    assert appointment.slot_id == today.pk
    assert appointment.booked_by is not None and appointment.booked_by.username == "rita"

    (message,) = mail.outbox
    assert submission.patient is not None
    assert message.to == [submission.patient.email]
    assert "Your appointment on" in message.subject
    name, content, mimetype = message.attachments[0]
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == today.start
    assert "Same-day duplex scan" in str(event["SUMMARY"])
