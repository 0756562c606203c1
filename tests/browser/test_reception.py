"""Reception's own list, its search, and triage's booking guidance reaching the booking page,
in a real browser (issue 20).

Rita (receptionist) signs in and lands on "To book": the suspected DVT Tess triaged is at the
top, with the same-day scan recommended and Tess's note. A patient on the phone gives a
reference of a case already booked: found from the list's search box, whatever its status.
Rita opens the DVT case (the number to ring today first), goes to book it: the recommended
type's slots are the ones shown, and she books one. A patient's cancellation shows on its
case until Rita acknowledges it. Every page on the way has no axe-core violations.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.models import Submission
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking, requests
from tests.browser.patient import assert_accessible
from tests.browser.staff import sign_in
from tests.factories import (
    AppointmentTypeFactory,
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
    ensure_role_groups,
    staff_user,
)

# Real transactions: the live server's thread commits and reads what the test wrote.
pytestmark = pytest.mark.django_db(transaction=True)


def test_reception_books_from_its_own_list_with_triages_guidance(
    page: Page, live_server: LiveServer
) -> None:
    ensure_role_groups()  # flushed away by the previous transactional test
    rita = staff_user("rita", roles.RECEPTIONIST)
    tess = staff_user("tess", roles.TRIAGE_CLINICIAN)
    scan = AppointmentTypeFactory(
        name="Same-day duplex scan", code="duplex_same_day", roles=["sonographer"]
    )
    clinic = AppointmentTypeFactory(name="Vascular clinic new patient", code="vascular_new")
    soon = (timezone.now() + dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
    scan_slot = SlotFactory(appointment_type=scan, clinician__name="Sam Okafor", start=soon)
    clinic_slot = SlotFactory(appointment_type=clinic, start=soon + dt.timedelta(minutes=30))
    dvt = SubmissionFactory(
        tier="URGENT",
        fired_rules=["URG_DVT"],
        patient__full_name="Ada Brook",
        answers={"contact_phone": "07700 900222", "consent_contact": "yes"},
    )
    requests.submission_triage(
        submission=dvt,
        appointment_type=scan,
        note="Please book with the vascular registrar",
        actor=tess,
    )
    booked = TriagedSubmissionFactory(tier="SOON", reference="LEG-DF4C-ERJR")
    booking.appointment_book(
        submission=booked, slot=SlotFactory(start=soon + dt.timedelta(days=3)), actor=rita
    )

    # Signed in: straight to "To book".
    sign_in(page, live_server.url, "rita")
    assert page.url.endswith("/admin/scheduling/casetobook/")
    expect(page.get_by_role("heading", name="To book")).to_be_visible()
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text(str(dvt.reference))
    expect(row).to_contain_text("Same-day duplex scan")
    expect(row).to_contain_text("Please book with the vascular registrar")
    expect(page.locator("#result_list")).not_to_contain_text("LEG-DF4C-ERJR")  # booked
    assert_accessible(page, "reception's list, To book")

    # The search box finds a booked case too (every status, not only what is to book).
    page.get_by_label("Find a case").fill("LEG-DF4C-ERJR")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expect(page.locator("#result_list")).to_contain_text("LEG-DF4C-ERJR")
    expect(page.locator("#result_list")).to_contain_text("Booked")

    # The case: the number to ring today first, and what triage said.
    page.go_back()
    with page.expect_navigation():
        page.get_by_role("link", name=str(dvt.reference), exact=True).click()
    expect(page.locator(".ring-today")).to_contain_text("07700 900222")
    expect(page.locator("#case-booking")).to_contain_text("Same-day duplex scan")
    assert_accessible(page, "the case page for reception")

    # The booking page: the recommended type's slots, and the note.
    with page.expect_navigation():
        page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_label("Appointment type")).to_have_value(str(scan.pk))
    expect(page.locator("#booking-guidance")).to_contain_text(
        "Please book with the vascular registrar"
    )
    expect(page.locator(f"#slot-{scan_slot.pk}")).to_be_visible()
    expect(page.locator(f"#slot-{clinic_slot.pk}")).to_have_count(0)
    assert_accessible(page, "the booking page with triage's guidance")
    page.locator(f'label[for="slot-{scan_slot.pk}"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name="Book this slot").click()
    expect(page.locator(".messagelist")).to_contain_text("Booked:")
    dvt.refresh_from_db()
    assert dvt.status == Submission.Status.BOOKED
    assert Appointment.objects.get(submission=dvt).slot_id == scan_slot.pk

    # Off the list now.
    page.goto(f"{live_server.url}/admin/scheduling/casetobook/")
    expect(page.locator("body")).not_to_contain_text(str(dvt.reference))


def test_a_patients_cancellation_stays_on_the_case_until_acknowledged(
    page: Page, live_server: LiveServer
) -> None:
    ensure_role_groups()
    rita = staff_user("rita", roles.RECEPTIONIST)
    submission = TriagedSubmissionFactory(tier="SOON")
    appointment = booking.appointment_book(submission=submission, slot=SlotFactory(), actor=rita)
    booking.appointment_cancel_by_patient(appointment=appointment, reason="I am away that week")

    sign_in(page, live_server.url, "rita")
    expect(page.locator("#result_list")).to_contain_text("The patient cancelled")
    page.goto(f"{live_server.url}/admin/intake/submission/{submission.pk}/change/")
    banner = page.locator(".case-alert-cancelled")
    expect(banner).to_contain_text("The patient cancelled their appointment")
    expect(banner).to_contain_text("I am away that week")
    assert_accessible(page, "the case page with a patient's cancellation")
    with page.expect_navigation():
        banner.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".messagelist")).to_contain_text("Cancellation acknowledged")
    expect(page.locator(".case-alert-cancelled")).to_have_count(0)
