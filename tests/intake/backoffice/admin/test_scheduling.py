"""The diary in the admin: the day view (the appointment list, a day at a time), the
appointment page, attendance from the list, and the reference data (who may set it up)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from intake.models import AuditEvent
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking
from tests.factories import SlotFactory, TriagedSubmissionFactory
from tests.intake.backoffice.staff import logged_in, slot_in

pytestmark = pytest.mark.django_db

DAY = "/admin/scheduling/appointment/"


def test_the_appointment_page_is_audited(receptionist: User) -> None:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=slot_in(30), actor=receptionist
    )
    html = logged_in(receptionist).get(f"/admin/scheduling/appointment/{appointment.pk}/change/")
    assert "Cancel the appointment" in html.content.decode()
    event = AuditEvent.objects.get(action="view")
    assert event.details == {"page": "appointment", "appointment": appointment.pk}


# --- The day view ---


def test_day_view_lists_a_days_appointments_with_navigation(receptionist: User) -> None:
    today = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    tomorrow_slot = SlotFactory(start=today + dt.timedelta(hours=10))  # tomorrow 09:00
    later_slot = SlotFactory(start=today + dt.timedelta(days=2, hours=10))
    a = booking.appointment_book(
        submission=TriagedSubmissionFactory(patient__full_name="Ada Brook"),
        slot=tomorrow_slot,
        actor=receptionist,
    )
    booking.appointment_book(
        submission=TriagedSubmissionFactory(patient__full_name="Ben Carrow"),
        slot=later_slot,
        actor=receptionist,
    )
    tomorrow = timezone.localdate(a.starts_at)
    client = logged_in(receptionist)
    html = client.get(f"{DAY}?day={tomorrow.isoformat()}").content.decode()
    assert "Ada Brook" in html
    assert "Ben Carrow" not in html
    assert f"<h2>{tomorrow:%A %-d %B %Y}</h2>" in html
    assert f"day={(tomorrow + dt.timedelta(days=1)).isoformat()}" in html  # next day
    assert f"day={(tomorrow - dt.timedelta(days=1)).isoformat()}" in html  # previous day
    # Looking at the diary is recorded, like any view of patients' details.
    viewed = AuditEvent.objects.filter(action="view", details__diary=tomorrow.isoformat())
    assert viewed.count() == 1 and viewed.get().actor == receptionist
    booking.appointment_cancel(appointment=a, reason="Moved away", actor=receptionist)
    html = client.get(f"{DAY}?day={tomorrow.isoformat()}").content.decode()
    assert '<del class="appointment-cancelled">Cancelled</del>' in html


def test_reception_records_attendance_from_the_day_view(receptionist: User) -> None:
    slot = slot_in(0.2)
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=slot, actor=receptionist
    )
    started = timezone.now() - dt.timedelta(minutes=5)
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=started)
    client = logged_in(receptionist)
    # The diary of the day it started (just after midnight that is yesterday, not today).
    day = f"{DAY}?day={timezone.localdate(started).isoformat()}"
    response = client.post(
        day, {"action": "mark_attended", "_selected_action": [appointment.pk]}, follow=True
    )
    assert "1 recorded." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED


def test_clinic_admin_sets_up_appointment_types_and_reception_cannot(
    clinic_admin: User, receptionist: User
) -> None:
    from intake.scheduling.models import AppointmentType

    data = {
        "name": "Diabetic foot review",
        "duration_minutes": "30",
        "roles": ["podiatrist", "vascular_nurse"],
        "location": "Foot clinic",
        "active": "on",
    }
    url = "/admin/scheduling/appointmenttype/add/"
    assert logged_in(receptionist).post(url, data).status_code == 403
    assert logged_in(clinic_admin).post(url, data).status_code == 302
    kind = AppointmentType.objects.get()
    assert kind.roles == ["podiatrist", "vascular_nurse"]
    # Reception may look at the types and clinicians, not change them.
    assert logged_in(receptionist).get("/admin/scheduling/appointmenttype/").status_code == 200
    assert logged_in(receptionist).get("/admin/scheduling/availabilityrule/").status_code == 403
