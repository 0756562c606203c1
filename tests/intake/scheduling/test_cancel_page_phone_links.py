"""Issue 19: on the patient's cancel pages and emails every phone number is a tel: link, so a
patient on a phone calls the clinic (or the emergency number) with a tap."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client, override_settings
from django.utils import timezone

from intake import emails
from intake.questionnaire.templatetags.questionnaire import tel
from intake.scheduling.models import Appointment
from tests.factories import SlotFactory, TriagedSubmissionFactory
from tests.intake.scheduling.helpers import CommittedServices

pytestmark = pytest.mark.django_db

PHONE = "01632 960000"
PHONE_LINK = f'<a href="tel:01632960000">{PHONE}</a>'


def test_a_phone_number_as_a_tel_address() -> None:
    assert tel("01632 960000") == "tel:01632960000"
    assert tel("+44 (0)1632-960000") == "tel:+4401632960000"
    assert tel(999) == "tel:999"


def _every_number_is_a_link(html: str) -> None:
    text = re.sub(r"<a href=\"tel:[^\"]+\">[^<]*</a>", "", html)
    assert PHONE not in text
    assert not re.search(r"\b999\b", re.sub(r"<title>.*?</title>", "", text, flags=re.S))


@pytest.fixture
def appointment(svc: CommittedServices, receptionist: User) -> Appointment:
    start = (timezone.localtime() + dt.timedelta(days=4)).replace(hour=9, minute=0)
    booked: Appointment = svc.appointment_book(
        submission=TriagedSubmissionFactory(tier="SOON"),
        slot=SlotFactory(start=start),
        actor=receptionist,
    )
    return booked


@override_settings(CLINIC_PHONE=PHONE)
def test_every_cancel_page_links_its_phone_numbers(appointment: Appointment) -> None:
    url = f"/appointment/cancel/{emails.cancel_token(appointment.pk)}/"
    page = Client().get(url).content.decode()
    assert PHONE_LINK in page and '<a href="tel:999">999</a>' in page
    _every_number_is_a_link(page)
    for html in (
        Client().post(url, {"reason": ""}).content.decode(),  # cancelled
        Client().get(url).content.decode(),  # already cancelled
        Client().get("/appointment/cancel/nonsense/").content.decode(),  # a made-up link
    ):
        assert PHONE_LINK in html
        _every_number_is_a_link(html)
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.BOOKED,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() - dt.timedelta(minutes=30),
    )
    past = Client().get(url).content.decode()
    assert "cannot be cancelled online" in past and PHONE_LINK in past
    _every_number_is_a_link(past)


@override_settings(CLINIC_PHONE=PHONE)
def test_the_appointment_emails_link_their_phone_numbers(appointment: Appointment) -> None:
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert f'<a href="tel:01632960000" style="color:inherit;">{PHONE}</a>' in html
    assert '<a href="tel:999" style="color:inherit;">999</a>' in html
    assert PHONE in str(message.body)  # the text part, as it was
