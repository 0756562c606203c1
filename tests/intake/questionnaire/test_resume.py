"""Save and come back later: a link by email, opened on any device after a date-of-birth check."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.intake.conftest import fill_until, start, step_url
from tests.journey import identity_for, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db


def save_for_later(
    patient: Client, capture: Callable[..., Any], answers: dict[str, Any]
) -> tuple[str, str]:
    """Fill two pages, press "Save and come back later" on the third; return (token, link)."""
    submission = start(patient)
    fill_until(patient, submission, answers, stop_before="where_it_hurts")
    data = step_post_data("where_it_hurts", answers, action="save_for_later")
    with capture(execute=True):
        response = patient.post(step_url(submission, "where_it_hurts"), data)
    assert response["Location"] == f"/intake/{submission.token}/saved/"
    (email,) = mail.outbox
    link = re.search(r"http://\S+/resume/\S+/", str(email.body))
    assert link is not None
    return submission.token, link.group(0)


def test_save_for_later_saves_the_page_and_emails_a_resume_link(
    patient: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    answers = vignette_answers("V07")
    token, link = save_for_later(patient, django_capture_on_commit_callbacks, answers)
    (email,) = mail.outbox
    assert email.to == [identity_for(answers)["email"]]
    assert link.endswith(f"/resume/{token}/")
    # The email holds the link and nothing about the answers or the patient.
    assert "calf" not in email.body.lower()
    assert identity_for(answers)["full_name"] not in email.body
    page = patient.get(f"/intake/{token}/saved/").content.decode()
    assert "Your answers have been saved" in page


def test_resuming_on_another_device_needs_the_date_of_birth(
    patient: Client,
    other_patient: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    answers = vignette_answers("V07")
    token, link = save_for_later(patient, django_capture_on_commit_callbacks, answers)
    path = link.split("127.0.0.1:8000", 1)[1]
    page = other_patient.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Carry on with your form" in html
    assert identity_for(answers)["full_name"] not in html

    wrong = other_patient.post(path, {"date_of_birth": "1990-01-01"})
    assert wrong.status_code == 200
    assert "That date of birth does not match. Try again." in wrong.content.decode()
    assert other_patient.get(step_url_for(token, "about_you")).status_code == 302

    right = other_patient.post(path, {"date_of_birth": identity_for(answers)["date_of_birth"]})
    # At the first page still to fill in (the saved one is done), earlier answers kept.
    assert right["Location"] == step_url_for(token, "how_it_started")
    html = other_patient.get(step_url_for(token, "about_you")).content.decode()
    assert f'value="{identity_for(answers)["full_name"]}"' in html


def step_url_for(token: str, step: str) -> str:
    return f"/intake/{token}/{step}/"


@override_settings(CLINIC_RESUME_MAX_FAILURES=2)
def test_the_resume_link_locks_after_too_many_wrong_dates(
    patient: Client,
    other_patient: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    answers = vignette_answers("V07")
    token, _link = save_for_later(patient, django_capture_on_commit_callbacks, answers)
    path = f"/resume/{token}/"
    other_patient.post(path, {"date_of_birth": "1990-01-01"})
    locked = other_patient.post(path, {"date_of_birth": "1990-01-02"})
    assert locked.status_code == 403
    assert "This link no longer works" in locked.content.decode()
    right = other_patient.post(path, {"date_of_birth": identity_for(answers)["date_of_birth"]})
    assert right.status_code == 403


def test_save_for_later_before_giving_an_email_explains_what_to_do(patient: Client) -> None:
    submission = start(patient)
    data = step_post_data("about_you", vignette_answers(), action="save_for_later")
    data.pop("email")
    response = patient.post(step_url(submission, "about_you"), data)
    # Nothing typed is lost (issue 19: save anything), but without an email address there is
    # nowhere to send the link: the page says so and how to carry on, and no email is sent.
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not email you a link" in html
    assert "Enter your email address on the first page" in html
    assert f'href="{step_url(submission, "about_you")}"' in html
    assert mail.outbox == []
    submission.refresh_from_db()
    assert submission.typed_input["pages"]["about_you"]["full_name"] == [data["full_name"]]
    page = patient.get(step_url(submission, "about_you")).content.decode()
    assert f'value="{data["full_name"]}"' in page
    assert "There is a problem" not in page  # errors only on Continue


def test_a_draft_with_nothing_saved_cannot_be_resumed_elsewhere(
    patient: Client, other_patient: Client
) -> None:
    submission = start(patient)
    response = other_patient.get(f"/resume/{submission.token}/")
    assert response.status_code == 404
    assert "Start a new form" in response.content.decode()
