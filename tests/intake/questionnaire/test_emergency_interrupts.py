"""Issue 15 §1: an emergency answer interrupts at once, whatever else on the page is blank or
wrong. Validation never stands between a patient and the emergency advice."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.http.response import HttpResponseBase
from django.test import Client

from intake.models import Notification, Submission
from intake.services import sending
from tests.intake.conftest import CONSENT, fill_until, start, step_url
from tests.journey import lone_emergency_answers, page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

LONE_EMERGENCY_ANSWERS = lone_emergency_answers()


def test_the_list_of_lone_emergency_answers_covers_every_emergency_red_flag() -> None:
    # The derivation itself: if it found nothing (a broken helper), the test below would pass
    # vacuously. Every family of the red-flag page's emergencies is in it, "not sure" included.
    found = {(question, str(value)) for _page, question, value in LONE_EMERGENCY_ANSWERS}
    for question in ("rf_cold_pale_sudden", "rf_breathless", "rf_chest_pain", "rf_saddle_numb"):
        assert (question, "yes") in found
        assert (question, "not_sure") in found
    assert ("rf_vein_bleeding", "bleeding_now_not_stopping") in found
    assert ("rf_vein_bleeding", "bled_and_stopped") not in found  # URGENT, not an emergency
    assert ("rf_fever", "yes") not in found


def _post_alone(
    client: Client, submission: Submission, page: str, question: str, value: Any
) -> HttpResponseBase:
    data = step_post_data(page, {question: value})
    return client.post(step_url(submission, page), data)


@pytest.mark.parametrize(
    ("page", "question", "value"),
    LONE_EMERGENCY_ANSWERS,
    ids=[f"{q}={v}" for _p, q, v in LONE_EMERGENCY_ANSWERS],
)
def test_one_emergency_answer_alone_interrupts_and_alerts_once(
    patient: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
    page: str,
    question: str,
    value: Any,
) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before=page)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_alone(patient, submission, page, question, value)
    assert response.status_code == 302
    assert response["Location"] == f"/intake/{submission.token}/urgent/"
    submission.refresh_from_db()
    assert submission.interruption_shown_at is not None
    assert submission.answers[question] == value  # the answer that interrupted is saved
    # One alert: one email to the on-call address and one text to the on-call phone.
    alerts = Notification.objects.filter(submission=submission, kind="staff_alert")
    assert sorted(alerts.values_list("channel", flat=True)) == ["email", "sms"]
    assert len(mail.outbox) == 1
    assert "EMERGENCY" in mail.outbox[0].subject
    # The page says call now.
    assert "Call 999 now" in patient.get(response["Location"]).content.decode()


def test_carrying_on_returns_to_the_page_as_typed_and_only_then_shows_the_errors(
    patient: Client,
) -> None:
    submission = start(patient)
    bleeding = page_key("rf_vein_bleeding")  # the safety check's last page, with the pulse
    fill_until(patient, submission, vignette_answers(), stop_before=bleeding)
    typed = {"rf_vein_bleeding": "bleeding_now_not_stopping", "pulse_bpm": "fast"}
    response = patient.post(step_url(submission, bleeding), {**typed, "action": "continue"})
    assert response["Location"] == f"/intake/{submission.token}/urgent/"
    submission.refresh_from_db()
    # Valid answers are saved; the unreadable pulse is not.
    assert submission.answers["rf_vein_bleeding"] == "bleeding_now_not_stopping"
    assert submission.answers.get("pulse_bpm") is None

    urgent = patient.get(response["Location"]).content.decode()
    carry_on = re.search(r'href="([^"]+)">Carry on with the form', urgent)
    assert carry_on is not None
    assert carry_on.group(1) == step_url(submission, bleeding)

    page = patient.get(carry_on.group(1)).content.decode()
    # Everything typed is there, the error summary now lists what is missing or wrong.
    assert "There is a problem" in page
    assert re.search(r'name="rf_vein_bleeding" value="bleeding_now_not_stopping"[^>]*checked', page)
    assert 'value="fast"' in page
    assert "Enter a whole number." in page
    assert 'href="#id_rf_sudden_back_tummy_pain_0"' in page  # a blank question is an error
    # The emergency advice stays at the top of the page.
    assert "Call 999 now" in page

    # Finishing the page keeps going, forgets what was held, and alerts nobody twice.
    full = step_post_data(
        bleeding, {**vignette_answers(), "rf_vein_bleeding": "bleeding_now_not_stopping"}
    )
    response = patient.post(step_url(submission, bleeding), full)
    assert response["Location"] == step_url(submission, "where_it_hurts")
    submission.refresh_from_db()
    assert submission.held_input == {}
    assert Notification.objects.filter(submission=submission, kind="staff_alert").count() == 2
    assert "There is a problem" not in patient.get(step_url(submission, bleeding)).content.decode()


def test_what_was_held_on_one_safety_page_is_not_shown_on_another(patient: Client) -> None:
    # The safety check's pages are one step: what an emergency interrupted on its second page
    # comes back on that page only.
    submission = start(patient)
    breathing = page_key("rf_chest_pain")
    fill_until(patient, submission, vignette_answers(), stop_before=breathing)
    response = patient.post(
        step_url(submission, breathing), {"rf_chest_pain": "yes", "action": "continue"}
    )
    assert response["Location"].endswith("/urgent/")
    submission.refresh_from_db()
    assert submission.held_input["step"] == "red_flags"
    assert submission.held_input["page"] == "breathing"
    first = patient.get(step_url(submission, "red_flags")).content.decode()
    assert "There is a problem" not in first
    page = patient.get(step_url(submission, breathing)).content.decode()
    assert "There is a problem" in page
    assert re.search(r'name="rf_chest_pain" value="yes"[^>]*checked', page)


def test_an_incomplete_page_without_an_emergency_saves_nothing(patient: Client) -> None:
    submission = start(patient)
    breathing = page_key("rf_fainted")
    fill_until(patient, submission, vignette_answers(), stop_before=breathing)
    submission.refresh_from_db()
    before = dict(submission.answers)
    response = patient.post(
        step_url(submission, breathing), {"rf_fainted": "yes", "action": "continue"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    submission.refresh_from_db()
    assert submission.answers == before
    assert submission.held_input == {}
    assert submission.interruption_shown_at is None
    assert not Notification.objects.filter(kind="staff_alert").exists()


def test_an_emergency_already_shown_does_not_interrupt_again_on_an_incomplete_page(
    patient: Client,
) -> None:
    submission = start(patient)
    breathing = page_key("rf_chest_pain")
    fill_until(patient, submission, vignette_answers(), stop_before=breathing)
    patient.post(step_url(submission, breathing), {"rf_chest_pain": "yes", "action": "continue"})
    response = patient.post(
        step_url(submission, breathing), {"rf_chest_pain": "yes", "action": "continue"}
    )
    assert response.status_code == 200  # the errors now, not the advice a second time
    assert "There is a problem" in response.content.decode()
    assert Notification.objects.filter(kind="staff_alert").count() == 2


def test_a_second_different_emergency_answer_interrupts_again_without_a_second_alert(
    patient: Client,
) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "rf_chest_pain": "yes"}
    breathing, back = page_key("rf_chest_pain"), page_key("rf_saddle_numb")
    fill_until(patient, submission, answers, stop_before=breathing)
    patient.post(step_url(submission, breathing), {"rf_chest_pain": "yes", "action": "continue"})
    # The page finished: on to the next page, the advice already given not given again.
    response = patient.post(step_url(submission, breathing), step_post_data(breathing, answers))
    assert response["Location"] == step_url(submission, back)
    response = patient.post(
        step_url(submission, back), {"rf_saddle_numb": "yes", "action": "continue"}
    )
    assert response["Location"].endswith("/urgent/")
    submission.refresh_from_db()
    assert submission.interrupted_rules == ["EMG_CES", "EMG_CHEST_BREATH"]
    assert Notification.objects.filter(kind="staff_alert").count() == 2  # once per case


def test_sending_interrupts_if_the_saved_answers_now_fire_an_emergency_not_yet_shown(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    # A draft saved before an emergency could be shown for it (e.g. under an older ruleset):
    # pressing Send triages first, and the advice comes before anything is sent.
    submission = journey(rf_chest_pain="yes")
    Submission.objects.filter(pk=submission.pk).update(
        interruption_shown_at=None, interrupted_rules=[], tier="", tier_rank=0
    )
    Notification.objects.all().delete()
    response = patient.post(
        f"/intake/{submission.token}/check/", step_post_data("consent", {"consent_true": "yes"})
    )
    assert response["Location"] == f"/intake/{submission.token}/urgent/"
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT
    assert submission.interrupted_rules == ["EMG_CHEST_BREATH"]
    assert Notification.objects.filter(kind="staff_alert").count() == 2
    # Carrying on returns to the check page with the box ticked and the missing ones flagged.
    page = patient.get(f"/intake/{submission.token}/check/").content.decode()
    assert "There is a problem" in page
    assert re.search(r'name="consent_true" value="yes"[^>]*checked', page)


def test_the_send_service_refuses_answers_whose_emergency_was_never_shown(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey(rf_saddle_numb="yes")
    Submission.objects.filter(pk=submission.pk).update(interrupted_rules=[])
    Notification.objects.all().delete()
    submission.refresh_from_db()
    with pytest.raises(sending.EmergencyNotShown):
        sending.submission_submit(submission=submission, consent_answers=CONSENT)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT and submission.reference is None
    assert not Notification.objects.exists()
