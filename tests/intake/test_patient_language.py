"""What the patient is told is rendered when shown, in the reader's language, from the rule codes
stored with the form; the patient's language is kept with the draft and used for their messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import translation

from intake import clinical, emails
from intake.models import Notification, Submission

pytestmark = pytest.mark.django_db

WELSH = [("en-gb", "English"), ("cy", "Welsh")]


def marked(text: str) -> str:
    """A stand-in translation that shows where, and in which language, a text was translated."""
    return f"[{translation.get_language()}] {text}"


def test_the_confirmation_page_renders_the_message_through_the_translation(
    patient: Client, journey: Callable[..., Submission], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = journey("V07", send=True)
    monkeypatch.setattr(clinical, "gettext", marked)
    html = patient.get(f"/intake/{sent.token}/done/").content.decode()
    # V07: claudication (SOON): one rule sentence, the likely category, the footer, each
    # translated when the page is shown.
    assert "[en-gb] Your answers fit pain from narrowed leg arteries" in html
    assert "[en-gb] From your answers, the most likely area is" in html
    assert "[en-gb] This is not an emergency." in html


def test_the_draft_keeps_the_language_the_patient_started_in(patient: Client) -> None:
    with override_settings(LANGUAGES=WELSH):
        patient.post("/start/", HTTP_ACCEPT_LANGUAGE="cy")
    assert Submission.objects.get().language == "cy"


@override_settings(LANGUAGES=WELSH)
def test_the_patients_receipt_is_written_in_their_language_and_staff_alerts_in_the_clinics(
    journey: Callable[..., Submission], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = journey("V07", send=True)
    Submission.objects.filter(pk=sent.pk).update(language="cy")
    monkeypatch.setattr(clinical, "gettext", marked)
    receipt = Notification.objects.get(submission=sent, kind="patient_receipt")
    assert emails.language_for(receipt) == "cy"
    assert "[cy] Your answers fit pain from narrowed leg arteries" in emails.render(receipt).text
    alert = Notification(submission=sent, kind="staff_alert", recipient="x", template="staff_alert")
    assert emails.language_for(alert) == "en-gb"
    assert translation.get_language() == "en-gb"  # rendering put the language back


def test_the_staff_page_shows_what_the_patient_is_told(
    journey: Callable[..., Submission], triage_nurse: User
) -> None:
    from tests.factories import logged_in

    sent = journey("V07", send=True)
    page = logged_in(triage_nurse).get(f"/admin/intake/submission/{sent.pk}/change/")
    html = page.content.decode()
    message = clinical.patient_message(sent.fired_rules, now=sent.submitted_at)
    for paragraph in message.paragraphs:
        assert f"<p>{paragraph}</p>" in html


def test_validation_messages_are_translated_on_their_templates(
    patient: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Please enter a number from {lo} to {hi}." is looked up as the template, then filled in,
    # so a translation can put the numbers where its language wants them.
    from intake.questionnaire import forms
    from tests.intake.conftest import fill_until, start, step_url
    from tests.journey import page_key, vignette_answers

    submission = start(patient)
    bleeding = page_key("pulse_bpm")
    fill_until(patient, submission, vignette_answers(), stop_before=bleeding)
    monkeypatch.setattr(forms, "_", marked)
    # In French, which no other test uses: the form's per-language memos keep the stand-in
    # texts under "fr" only.
    with override_settings(LANGUAGES=[("en-gb", "English"), ("fr", "French")]):
        response = patient.post(
            step_url(submission, bleeding),
            {"pulse_bpm": "500", "action": "continue"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    html = response.content.decode()
    assert "[fr] Please enter a number from 30 to 220." in html
    # A question left blank: its own message (issue 19), translated the same way.
    assert "[fr] Select yes if you have sudden, severe pain in your tummy or back" in html
