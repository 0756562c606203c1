"""Appointment emails (with their calendar file) and the patient's signed cancel link."""

from __future__ import annotations

import datetime as dt
import re
import time
from unittest import mock

import icalendar
import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from intake import emails
from intake.models import Notification, Submission
from intake.scheduling.models import Appointment
from tests.factories import SlotFactory, TriagedSubmissionFactory
from tests.intake.scheduling.helpers import CommittedServices

pytestmark = pytest.mark.django_db

CLINICAL = ("Aching calves", "Test reason")


@pytest.fixture
def booked(svc: CommittedServices, receptionist: User) -> Appointment:
    """Ada, SOON, booked into a 09:00 slot four days ahead."""
    start = (timezone.localtime() + dt.timedelta(days=4)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    submission = TriagedSubmissionFactory(tier="SOON", patient__full_name="Ada Brook")
    appointment: Appointment = svc.appointment_book(
        submission=submission, slot=SlotFactory(start=start), actor=receptionist
    )
    return appointment


def calendar_of(message: EmailMessage) -> icalendar.Calendar:
    (name, content, mimetype) = message.attachments[0]
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def cancel_link(message: EmailMessage) -> str:
    body = str(message.body)  # the sent text (a lazy string until then)
    match = re.search(r"http://127\.0\.0\.1:8000(/appointment/cancel/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_confirmation_email_has_the_time_place_cancel_link_and_calendar_file(
    booked: Appointment,
) -> None:
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)  # text and HTML
    local = timezone.localtime(booked.starts_at)
    patient, reference = booked.submission.patient, booked.submission.reference
    assert patient is not None and reference is not None
    assert message.to == [patient.email]
    assert f"{local:%-d %B}" in message.subject
    assert f"{local:%A %-d %B %Y}, 09:00" in message.body
    assert "Outpatients B, room 4" in message.body
    assert reference in message.body
    assert cancel_link(message)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and isinstance(html, str)
    assert "Cancel this appointment" in html
    for secret in CLINICAL:
        assert secret not in message.body and secret not in html
    event = calendar_of(message).walk("VEVENT")[0]
    assert calendar_of(message)["METHOD"] == "PUBLISH"
    assert event.decoded("DTSTART") == booked.starts_at
    assert event.decoded("DTEND") == booked.ends_at
    assert event["UID"] == f"appointment-{booked.pk}@127.0.0.1"
    assert event.decoded("SEQUENCE") == 0
    assert "Vascular clinic new patient" in str(event["SUMMARY"])
    for secret in CLINICAL:
        assert secret not in str(event.to_ical())


def test_a_move_sends_an_updated_calendar_event(
    booked: Appointment, svc: CommittedServices, receptionist: User
) -> None:
    new_slot = SlotFactory(start=booked.starts_at + dt.timedelta(days=1))
    svc.appointment_move(appointment=booked, slot=new_slot, actor=receptionist)
    message = mail.outbox[-1]
    assert "has moved" in message.subject
    event = calendar_of(message).walk("VEVENT")[0]
    assert event["UID"] == f"appointment-{booked.pk}@127.0.0.1"  # the same event, updated
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == new_slot.start


def test_a_cancellation_cancels_the_calendar_event(
    booked: Appointment, svc: CommittedServices, receptionist: User
) -> None:
    svc.appointment_cancel(appointment=booked, reason="Clinic closed", actor=receptionist)
    message = mail.outbox[-1]
    assert "is cancelled" in message.subject
    assert "We will contact you to offer another time." in message.body
    assert "Clinic closed" not in message.body
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


# --- The cancel link ----------------------------------------------------------------------------


def test_the_cancel_link_holds_no_personal_data(booked: Appointment) -> None:
    url = cancel_link(mail.outbox[0])
    patient = booked.submission.patient
    assert patient is not None
    for personal in (patient.full_name, patient.email, patient.phone, booked.submission.token):
        assert personal not in url
    token = url.split("/")[3]
    assert emails.appointment_id_from_cancel_token(token) == booked.pk


def test_the_patient_cancels_with_the_link(
    booked: Appointment, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    url = cancel_link(mail.outbox[0])
    patient = Client(enforce_csrf_checks=True)
    page = patient.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cancel your appointment" in html
    assert "Outpatients B, room 4" in html
    assert "09:00" in html
    for secret in (*CLINICAL, "Ada Brook"):
        assert secret not in html
    # A POST without the CSRF token is refused.
    assert patient.post(url, {"reason": ""}).status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert csrf
    with django_capture_on_commit_callbacks(execute=True):
        done = patient.post(url, {"reason": "Feeling better", "csrfmiddlewaretoken": csrf[1]})
    assert done.status_code == 200
    assert "Your appointment is cancelled" in done.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert booked.cancelled_by_patient
    assert booked.cancel_reason == "Feeling better"
    assert booked.submission.status == Submission.Status.TRIAGED
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"appt_cancelled", "reception_cancelled"} <= kinds
    assert any(m.to == ["reception@clinic.test"] for m in mail.outbox)


def test_a_used_link_says_it_is_already_cancelled(
    booked: Appointment, svc: CommittedServices
) -> None:
    url = cancel_link(mail.outbox[0])
    Client().post(url, {"reason": ""})
    sent = Notification.objects.count()
    again = Client().get(url)
    assert again.status_code == 200
    assert "already cancelled" in again.content.decode()
    replay = Client().post(url, {"reason": ""})
    assert "already cancelled" in replay.content.decode()
    assert Notification.objects.count() == sent  # nothing sent twice


def test_an_expired_link_says_so(booked: Appointment) -> None:
    long_ago = time.time() - 61 * 24 * 3600  # CLINIC_CANCEL_LINK_DAYS is 60
    with mock.patch("time.time", return_value=long_ago):
        token = emails.cancel_token(booked.pk)
    response = Client().get(f"/appointment/cancel/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Client().post(f"/appointment/cancel/{token}/").status_code == 410
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_a_made_up_or_altered_link_does_not_work(booked: Appointment) -> None:
    good = emails.cancel_token(booked.pk)
    forged = signing.dumps(booked.pk, salt="something.else")
    for token in ("nonsense", good[:-2] + "xx", forged):
        response = Client().get(f"/appointment/cancel/{token}/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()


def test_a_past_appointment_cannot_be_cancelled_online(booked: Appointment) -> None:
    url = cancel_link(mail.outbox[0])
    Appointment.objects.filter(pk=booked.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() - dt.timedelta(minutes=30),
    )
    response = Client().post(url, {"reason": ""})
    assert response.status_code == 410
    assert "cannot be cancelled online" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_the_honeypot_stops_a_bot(booked: Appointment) -> None:
    url = cancel_link(mail.outbox[0])
    response = Client().post(url, {"reason": "", "website": "http://spam.example"})
    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
