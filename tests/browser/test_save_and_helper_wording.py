"""Issue 19 in a real browser: "Save and come back later" keeps a page as typed, valid or not,
and shows it back; and someone filling in the form for the patient is asked about the patient."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake.models import Submission
from tests.browser.conftest import NewPage
from tests.browser.patient import (
    answer_step,
    assert_accessible,
    assert_reflows,
    fill_in,
    press,
    start_form,
    step_of,
    type_date_of_birth,
)
from tests.journey import identity_for, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_SUMMARY = "[data-error-summary]"


def _resume_link(token: str) -> str:
    (message,) = mail.outbox
    match = re.search(r"https?://\S+(/resume/[A-Za-z0-9_-]+/)", str(message.body))
    assert match, message.body
    assert match.group(1) == f"/resume/{token}/"
    return match.group(1)


def test_save_an_invalid_date_of_birth_and_resume_to_see_it_as_typed(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Sam starts on the bus, types a date of birth that is no date (31 February), is called
    # away before pressing Continue and saves: nothing is refused.
    page = new_page(viewport={"width": 320, "height": 640})
    token = start_form(page, live_server.url)
    answers = vignette_answers("V07")
    data = step_post_data("about_you", answers)
    del data["date_of_birth"], data["walking_ability"]  # and one question left for later
    fill_in(page, data)
    typed = type_date_of_birth(page, 31, 2, 1980)
    assert typed == ["31", "2", "1980"]
    press(page, "Save and come back later")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been saved")
    submission = Submission.objects.get(token=token)
    assert "date_of_birth" not in submission.identity  # never saved as a date of birth
    assert submission.identity["email"] == identity_for(answers)["email"]

    # The emailed link, in the same browser: the page as typed, and no errors yet.
    page.goto(live_server.url + _resume_link(token))
    assert step_of(page) == "about_you"
    # The three boxes, each as typed.
    boxes = page.locator('input[name="date_of_birth"]')
    expect(boxes).to_have_count(3)
    for index, value in enumerate(typed):
        expect(boxes.nth(index)).to_have_value(value)
    expect(page.get_by_label("Full name of the patient")).to_have_value(data["full_name"])
    expect(
        page.locator(f'input[name="sex_at_birth"][value="{data["sex_at_birth"]}"]')
    ).to_be_checked()
    expect(page.locator(ERROR_SUMMARY)).to_have_count(0)
    assert_reflows(page, "about_you as saved")
    assert_accessible(page, "about_you as saved for later, shown back")

    # Continue validates: the date and the blank question.
    press(page, "Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_contain_text("Date of birth must be a real date")
    expect(summary).to_contain_text("Select how well you can walk at the moment")
    assert_accessible(page, "about_you as saved, with its errors")
    type_date_of_birth(page, 15, 6, 1966)
    page.get_by_label("Normally").check()
    press(page, "Continue")
    assert step_of(page) == "red_flags"
    submission.refresh_from_db()
    assert submission.identity["date_of_birth"] == "1966-06-15"
    assert submission.typed_input == {}


def test_someone_helping_the_patient_is_asked_about_the_patient(
    page: Page, live_server: LiveServer
) -> None:
    start_form(page, live_server.url)
    # What is read: the wording in sight (the other is in the page, hidden, for the swap).
    sex = page.locator('[data-question="sex_at_birth"] legend')
    expect(sex).to_have_text("What sex were you given at birth?", use_inner_text=True)
    expect(page.get_by_role("group", name="What sex were you given at birth?")).to_be_visible()

    # Choosing "I am helping the patient" rewords the page at once, and back again.
    page.get_by_label("I am helping the patient").check()
    expect(sex).to_have_text("What sex was the patient given at birth?", use_inner_text=True)
    expect(
        page.get_by_role("group", name="What sex was the patient given at birth?")
    ).to_be_visible()
    expect(
        page.get_by_role("group", name="How should we contact you or the patient?")
    ).to_be_visible()
    expect(page.get_by_label("How tall is the patient (cm)?")).to_be_visible()
    assert_accessible(page, "about_you in the helper's wording")
    page.get_by_label("Me, about my own legs").check()
    expect(sex).to_have_text("What sex were you given at birth?", use_inner_text=True)
    page.get_by_label("I am helping the patient").check()

    # Pressing Continue on the half-filled page: the helper's messages.
    press(page, "Continue")
    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_contain_text("Enter the patient's full name")
    expect(summary).to_contain_text("What sex was the patient given at birth")
    expect(summary).to_contain_text("Select the sex the patient was given at birth")
    expect(sex).to_have_text("What sex was the patient given at birth?", use_inner_text=True)
    assert_accessible(page, "about_you in the helper's wording, with errors")

    # Every later page speaks of the patient.
    answers = {**vignette_answers("V07"), "completed_by": "helper"}
    answer_step(page, answers)
    assert step_of(page) == "red_flags"
    cold = page.locator('[data-question="rf_cold_pale_sudden"] legend')
    expect(cold).to_contain_text("Has the patient's leg or foot suddenly")
    press(page, "Continue")
    expect(page.locator(ERROR_SUMMARY)).to_contain_text(
        "Select yes if the patient's leg or foot has suddenly turned cold"
    )
    assert_accessible(page, "a safety page in the helper's wording, with errors")
