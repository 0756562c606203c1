"""Issue 19, "save anything": "Save and come back later" keeps the page as typed, valid or not,
without validating it; the page shows it back; validation happens on Continue only. The engine
and the emergency interruption see only valid answers, and a valid emergency answer on a page
saved for later still interrupts at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from intake import clinical
from intake.models import Notification, Submission
from tests.intake.conftest import CONSENT, fill_until, start, step_url
from tests.journey import page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

SAVE = {"action": "save_for_later"}


def _to(patient: Client, key: str, answers: dict[str, Any] | None = None) -> Submission:
    submission = start(patient)
    fill_until(patient, submission, answers or vignette_answers(), stop_before=key)
    submission.refresh_from_db()
    return submission


def test_a_half_filled_page_is_saved_as_typed_without_errors(
    patient: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    bleeding = page_key("pulse_bpm")
    submission = _to(patient, bleeding)
    before = dict(submission.answers)
    typed = {"rf_vein_bleeding": "no", "pulse_bpm": "fast", **SAVE}
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.post(step_url(submission, bleeding), typed)
    assert response["Location"] == f"/intake/{submission.token}/saved/"
    assert [m.subject for m in mail.outbox] == ["Vascular Clinic: carry on with your form"]
    submission.refresh_from_db()
    # The answers keep what is valid (and the blank question stays unanswered); the unreadable
    # pulse is only in what was typed.
    assert submission.answers == {
        **before,
        "rf_vein_bleeding": "no",
        "rf_sudden_back_tummy_pain": None,
    }
    assert submission.typed_input == {
        "page": bleeding,
        "to_check": False,
        "pages": {bleeding: {"rf_vein_bleeding": ["no"], "pulse_bpm": ["fast"]}},
    }
    assert submission.interruption_shown_at is None

    # Coming back: the page as typed, no errors until Continue.
    assert patient.get(f"/resume/{submission.token}/")["Location"] == step_url(submission, bleeding)
    html = patient.get(step_url(submission, bleeding)).content.decode()
    assert 'value="fast"' in html
    assert re.search(r'name="rf_vein_bleeding" value="no"[^>]*checked', html)
    assert "There is a problem" not in html and "<title>Error:" not in html
    # Continue validates.
    response = patient.post(step_url(submission, bleeding), {**typed, "action": "continue"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Enter a whole number." in html
    assert "Select yes if you have sudden, severe pain in your tummy or back" in html
    # Put right, the page moves on and what was typed is forgotten.
    data = step_post_data(bleeding, vignette_answers())
    response = patient.post(step_url(submission, bleeding), data)
    assert response["Location"] == step_url(submission, "where_it_hurts")
    submission.refresh_from_db()
    assert submission.typed_input == {}


def test_an_untouched_page_can_be_saved_too(patient: Client) -> None:
    submission = _to(patient, "where_it_hurts")
    response = patient.post(step_url(submission, "where_it_hurts"), SAVE)
    assert response["Location"] == f"/intake/{submission.token}/saved/"
    html = patient.get(step_url(submission, "where_it_hurts")).content.decode()
    assert "There is a problem" not in html


def test_each_page_keeps_its_own_typed_input_until_it_is_continued(patient: Client) -> None:
    submission = _to(patient, "red_flags/breathing")
    patient.post(step_url(submission, "red_flags/breathing"), {"rf_fainted": "no", **SAVE})
    patient.post(step_url(submission, "red_flags"), {"rf_fever": "x", **SAVE})  # not here
    submission.refresh_from_db()
    assert set(submission.typed_input["pages"]) == {"red_flags/breathing", "red_flags"}
    assert submission.typed_input["page"] == "red_flags"
    # Continuing the first page forgets only its own.
    answers = vignette_answers()
    patient.post(step_url(submission, "red_flags"), step_post_data("red_flags", answers))
    submission.refresh_from_db()
    assert submission.typed_input == {"pages": {"red_flags/breathing": {"rf_fainted": ["no"]}}}
    html = patient.get(step_url(submission, "red_flags/breathing")).content.decode()
    assert re.search(r'name="rf_fainted" value="no"[^>]*checked', html)


def test_an_invalid_emergency_looking_answer_saved_for_later_never_reaches_the_engine(
    patient: Client,
) -> None:
    # A sepsis sign ticked together with "None of these" is not a valid answer: it is kept as
    # typed, but neither saved as an answer nor triaged, and nobody is alerted.
    infection = page_key("rf_sepsis_signs")
    submission = _to(patient, infection)
    typed = {"rf_fever": "no", "rf_sepsis_signs": ["none", "struggling_to_breathe"], **SAVE}
    response = patient.post(step_url(submission, infection), typed)
    assert response["Location"].endswith("/saved/")
    submission.refresh_from_db()
    assert "rf_sepsis_signs" not in submission.answers
    assert submission.typed_input["pages"][infection]["rf_sepsis_signs"] == [
        "none",
        "struggling_to_breathe",
    ]
    assert "EMG_SEPSIS" not in clinical.evaluate(submission.answers).fired
    assert submission.interruption_shown_at is None and submission.tier == ""
    assert not Notification.objects.filter(kind="staff_alert").exists()
    # Nor does showing it again, or resuming.
    assert patient.get(step_url(submission, infection)).status_code == 200
    assert patient.get(f"/resume/{submission.token}/").status_code == 302
    assert not Notification.objects.filter(kind="staff_alert").exists()


@pytest.mark.parametrize(
    ("question", "value"),
    [("rf_chest_pain", "yes"), ("rf_sepsis_signs", ["struggling_to_breathe"])],
)
def test_a_valid_emergency_answer_on_a_page_saved_for_later_interrupts_at_once(
    patient: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
    question: str,
    value: Any,
) -> None:
    key = page_key(question)
    submission = _to(patient, key)
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.post(step_url(submission, key), {question: value, **SAVE})
    assert response["Location"] == f"/intake/{submission.token}/urgent/"
    submission.refresh_from_db()
    assert submission.interruption_shown_at is not None
    assert submission.answers[question] == value
    alerts = Notification.objects.filter(submission=submission, kind="staff_alert")
    assert sorted(alerts.values_list("channel", flat=True)) == ["email", "sms"]
    # The link asked for is sent as well.
    assert Notification.objects.filter(submission=submission, kind="resume_link").exists()
    # Carrying on returns to the page as typed.
    urgent = patient.get(response["Location"]).content.decode()
    assert f'href="{step_url(submission, key)}">Carry on with the form' in urgent


def _date_boxes(html: str) -> list[str]:
    """What the Day, Month and Year boxes of the date of birth hold, in page order."""
    inputs = re.findall(r'<input[^>]*name="date_of_birth"[^>]*>', html)
    return [m.group(1) if (m := re.search(r'value="([^"]*)"', tag)) else "" for tag in inputs]


def test_an_invalid_date_of_birth_saved_for_later_is_shown_back_but_not_kept(
    patient: Client,
) -> None:
    # The three boxes (issue 19) post three values under one name: all three are kept as typed.
    submission = start(patient)
    data: dict[str, Any] = {**step_post_data("about_you", vignette_answers()), **SAVE}
    data["date_of_birth"] = ["31", "02", "1980"]  # 31 February: no such date
    response = patient.post(step_url(submission, "about_you"), data)
    assert response["Location"] == f"/intake/{submission.token}/saved/"
    submission.refresh_from_db()
    assert "date_of_birth" not in submission.identity
    assert submission.identity["email"] == data["email"]  # valid details are kept
    assert "age_years" not in submission.answers or submission.answers["age_years"] is None
    assert submission.typed_input["pages"]["about_you"]["date_of_birth"] == ["31", "02", "1980"]
    html = patient.get(step_url(submission, "about_you")).content.decode()
    assert _date_boxes(html) == ["31", "02", "1980"]
    assert "There is a problem" not in html
    response = patient.post(step_url(submission, "about_you"), {**data, "action": "continue"})
    html = response.content.decode()
    assert "Date of birth must be a real date." in html
    assert _date_boxes(html) == ["31", "02", "1980"]


def test_a_future_date_of_birth_saved_for_later_is_shown_back_in_its_boxes(
    patient: Client,
) -> None:
    submission = start(patient)
    data: dict[str, Any] = {**step_post_data("about_you", vignette_answers()), **SAVE}
    data["date_of_birth"] = ["1", "1", "2090"]  # in the future
    response = patient.post(step_url(submission, "about_you"), data)
    assert response["Location"] == f"/intake/{submission.token}/saved/"
    submission.refresh_from_db()
    assert "date_of_birth" not in submission.identity
    html = patient.get(step_url(submission, "about_you")).content.decode()
    assert _date_boxes(html) == ["1", "1", "2090"]
    assert "There is a problem" not in html
    response = patient.post(step_url(submission, "about_you"), {**data, "action": "continue"})
    assert "Date of birth must be in the past." in response.content.decode()


def test_sending_forgets_what_was_typed(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V07")
    url = step_url(submission, "history") + "?return=check"
    data = {**step_post_data("history", vignette_answers("V07")), **SAVE, "smoking": "x"}
    assert patient.post(url, data)["Location"].endswith("/saved/")
    submission.refresh_from_db()
    assert submission.typed_input["to_check"] is True
    # Coming back: the page saved on, on its way back to the check page.
    assert patient.get(f"/resume/{submission.token}/")["Location"] == url
    response = patient.post(f"/intake/{submission.token}/check/", CONSENT)
    assert response["Location"].endswith("/done/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.typed_input == {}
