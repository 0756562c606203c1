"""Issue 19: the safety check (step red_flags) on short themed pages, each with its own address,
the first at the step's own address as before; order, progress, back and change links, resume."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from intake import steps
from intake.models import Submission
from intake.triage import QUESTIONS, STEP_PAGES
from tests.intake.conftest import fill_until, start, step_url
from tests.journey import page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

SAFETY_PAGES = [p.key for p in steps.PAGES if p.code == "red_flags"]


def test_the_safety_check_pages_and_their_addresses() -> None:
    assert SAFETY_PAGES == [
        "red_flags",  # the first page keeps the step's own address
        "red_flags/breathing",
        "red_flags/back",
        "red_flags/infection",
        "red_flags/skin",
        "red_flags/bleeding",
    ]
    assert len(SAFETY_PAGES) == len(STEP_PAGES["red_flags"])
    # Every red-flag question is on exactly one page, in catalogue order.
    on_pages = [q.code for key in SAFETY_PAGES for q in steps.PAGES_BY_KEY[key].questions]
    assert on_pages == [q.code for q in QUESTIONS if q.step == "red_flags"]
    assert page_key("rf_chest_pain") == "red_flags/breathing"


def test_each_page_is_a_url_of_its_own_filled_in_turn(patient: Client) -> None:
    submission = start(patient)
    answers = vignette_answers()
    fill_until(patient, submission, answers, stop_before="red_flags")
    for number, key in enumerate(SAFETY_PAGES, start=1):
        page = patient.get(step_url(submission, key))
        assert page.status_code == 200, key
        html = page.content.decode()
        title = str(steps.PAGES_BY_KEY[key].page_title)
        # Truthful progress: the step among the steps, the page among the step's pages.
        assert f"Step 2 of 10 · Quick safety check, page {number} of 6" in html
        assert re.search(rf"<h1[^>]*>{re.escape(title)}</h1>", html.replace("&#x27;", "'"))
        assert f"<title>{title} – Quick safety check" in html.replace("&#x27;", "'")
        response = patient.post(step_url(submission, key), step_post_data(key, answers))
        following = SAFETY_PAGES[number] if number < len(SAFETY_PAGES) else "where_it_hurts"
        assert response["Location"] == step_url(submission, following), key
    submission.refresh_from_db()
    assert all(q.code in submission.answers for q in QUESTIONS if q.step == "red_flags")


def test_other_steps_say_only_which_step_they_are(patient: Client) -> None:
    submission = start(patient)
    html = patient.get(step_url(submission, "about_you")).content.decode()
    assert "Step 1 of 10</p>" in html and ", page " not in html


def test_a_later_safety_page_cannot_be_reached_before_the_earlier_ones(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="red_flags/breathing")
    response = patient.get(step_url(submission, "red_flags/infection"))
    assert response["Location"] == step_url(submission, "red_flags/breathing")
    # Posting it saves nothing either.
    data = step_post_data("red_flags/infection", {"rf_fever": "yes", "rf_sepsis_signs": ["none"]})
    response = patient.post(step_url(submission, "red_flags/infection"), data)
    assert response["Location"] == step_url(submission, "red_flags/breathing")
    submission.refresh_from_db()
    assert "rf_fever" not in submission.answers


def test_the_first_page_has_one_address_and_unknown_pages_are_404(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="red_flags")
    first = steps.PAGES_BY_KEY["red_flags"].page
    response = patient.get(step_url(submission, f"red_flags/{first}") + "?return=check")
    assert response["Location"] == step_url(submission, "red_flags") + "?return=check"
    assert patient.get(step_url(submission, "red_flags/no_such_page")).status_code == 404
    assert patient.get(step_url(submission, "where_it_hurts/breathing")).status_code == 404


def test_back_links_go_to_the_page_before(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="how_it_started")
    for key, before in [
        ("red_flags", "about_you"),
        ("red_flags/back", "red_flags/breathing"),
        ("red_flags/breathing", "red_flags"),
        ("where_it_hurts", "red_flags/bleeding"),
    ]:
        html = patient.get(step_url(submission, key)).content.decode()
        assert f'href="{step_url(submission, before)}" class="back-link' in html, key


def test_resume_lands_on_the_first_unfinished_safety_page(
    patient: Client, other_patient: Client
) -> None:
    submission = start(patient)
    answers = vignette_answers()
    fill_until(patient, submission, answers, stop_before="red_flags/back")
    response = patient.get(f"/resume/{submission.token}/")
    assert response["Location"] == step_url(submission, "red_flags/back")
    # On another device, after the date of birth.
    submission.refresh_from_db()
    response = other_patient.post(
        f"/resume/{submission.token}/", {"date_of_birth": submission.identity["date_of_birth"]}
    )
    assert response["Location"] == step_url(submission, "red_flags/back")


def test_change_links_go_to_the_safety_page_of_the_question(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V07")
    html = patient.get(f"/intake/{submission.token}/check/").content.decode()
    token = submission.token
    # Each Change link names its row, to come back to it (`row=`).
    red_flags = f"/intake/{token}/red_flags"
    assert (
        f'href="{red_flags}/?return=check&amp;row=rf_cold_pale_sudden#div_id_rf_cold_pale_sudden"'
        in html
    )
    assert f'href="{red_flags}/infection/?return=check&amp;row=rf_fever#div_id_rf_fever"' in html
    assert f'href="{red_flags}/bleeding/?return=check&amp;row=pulse_bpm#div_id_pulse_bpm"' in html
    # The identity details and one-page steps keep their step's address.
    assert f'href="/intake/{token}/about_you/?return=check&amp;row=email#div_id_email"' in html
    # A change there comes back to the check page.
    url = step_url(submission, "red_flags/infection") + "?return=check"
    page = patient.get(url).content.decode()
    assert f'href="/intake/{token}/check/" class="back-link' in page
    data = step_post_data("red_flags/infection", {**vignette_answers("V07"), "rf_fever": "no"})
    response = patient.post(url, data)
    assert response["Location"] == f"/intake/{token}/check/"
    # From a Change link, to its row on the check page, on a short page as on any other.
    url = step_url(submission, "red_flags/infection") + "?return=check&row=rf_fever"
    page = patient.get(url).content.decode()
    assert f'href="/intake/{token}/check/#row-rf_fever" class="back-link' in page
    response = patient.post(url, data)
    assert response["Location"] == f"/intake/{token}/check/#row-rf_fever"
