"""Issue 19, helper wording: someone filling in the form for the patient is asked about the
patient, in the third person; a patient filling it in is asked about themselves, as before. And
every required question left blank says what to do in its own words."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from intake.models import Submission
from tests.intake.conftest import fill_until, start, step_url
from tests.journey import page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

PATIENT_SEX = "What sex were you given at birth?"
HELPER_SEX = "What sex was the patient given at birth?"


def _visible(html: str) -> str:
    """The page's text without the wording it hides."""
    return re.sub(r'<span data-wording="[a-z]+" hidden>.*?</span>', "", html, flags=re.S)


def test_the_first_page_carries_both_wordings_and_shows_the_patients(patient: Client) -> None:
    submission = start(patient)
    html = patient.get(step_url(submission, "about_you")).content.decode()
    assert f'<span data-wording="patient">{PATIENT_SEX}</span>' in html
    assert f'<span data-wording="helper" hidden>{HELPER_SEX}</span>' in html
    assert HELPER_SEX not in _visible(html)
    assert "questionnaire/js/wording.js" in html  # swaps them when the answer changes
    # Later pages are worded on the server: no script, one wording.
    fill_until(patient, submission, vignette_answers(), stop_before="red_flags")
    html = patient.get(step_url(submission, "red_flags")).content.decode()
    assert "wording.js" not in html and "data-wording" not in html
    assert "Has your leg or foot <strong>suddenly</strong>" in html


def test_a_helper_posting_the_first_page_sees_the_helper_wording_and_messages(
    patient: Client,
) -> None:
    submission = start(patient)
    response = patient.post(
        step_url(submission, "about_you"), {"completed_by": "helper", "action": "continue"}
    )
    html = response.content.decode()
    visible = _visible(html)
    assert HELPER_SEX in visible and PATIENT_SEX not in visible
    assert "How should we contact you or the patient?" in visible
    # The error summary and the messages are the helper's.
    assert "Enter the patient&#x27;s full name" in html
    assert "Select the sex the patient was given at birth" in html
    assert "Select how well the patient can walk at the moment" in html
    assert "Select how we should contact you or the patient" in html
    summary = html[html.index("There is a problem") : html.index("</ul>")]
    assert f"{HELPER_SEX[:-1]}" in summary and PATIENT_SEX[:-1] not in summary


def test_a_patient_gets_their_own_specific_messages(patient: Client) -> None:
    submission = start(patient)
    html = patient.post(
        step_url(submission, "about_you"), {"completed_by": "self", "action": "continue"}
    ).content.decode()
    assert "Enter your full name" in html
    assert "Select the sex you were given at birth" in html
    assert "Select how you would like us to contact you" in html
    assert "Please answer this question" not in html
    assert PATIENT_SEX in _visible(html) and HELPER_SEX not in _visible(html)


def test_after_choosing_helper_every_later_page_speaks_of_the_patient(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    answers = {**vignette_answers(), "completed_by": "helper"}
    submission = start(patient)
    breathing = page_key("rf_cough_blood")
    fill_until(patient, submission, answers, stop_before=breathing)
    html = patient.get(step_url(submission, breathing)).content.decode()
    assert "Has the patient coughed up blood?" in html
    assert "Have you coughed up blood?" not in html
    html = patient.post(step_url(submission, breathing), {"action": "continue"}).content.decode()
    assert "Select yes if the patient has coughed up blood" in html
    html = patient.get(step_url(submission, "red_flags")).content.decode()
    assert "Has the patient&#x27;s leg or foot <strong>suddenly</strong>" in html


def test_the_check_and_confirmation_pages_use_the_wording_that_was_asked(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V07", completed_by="helper")
    check = patient.get(f"/intake/{submission.token}/check/").content.decode()
    assert "Does the patient smoke?" in check and "Do you smoke?" not in check
    assert "The answers are true as far as I know." in check  # consent, as a helper gives it
    sent = journey("V07", send=True)  # a patient's own form
    done = patient.get(f"/intake/{sent.token}/done/").content.decode()
    assert "Do you smoke?" in done


def test_a_patient_is_asked_as_before(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="where_it_hurts")
    html = patient.get(step_url(submission, "where_it_hurts")).content.decode()
    assert "Where do you feel it?" in html
    assert "the patient" not in html
    data = step_post_data("where_it_hurts", vignette_answers())
    del data["affected_side"]
    html = patient.post(step_url(submission, "where_it_hurts"), data).content.decode()
    assert "Select which leg" in html
