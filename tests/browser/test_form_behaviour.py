"""What the questionnaire's pages do in a browser: errors that keep what was typed, questions
revealed in place, and the body map of the legs (a progressive enhancement of a checkbox list).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake.models import Submission
from tests.browser.patient import (
    answer_step,
    assert_accessible,
    fill_date,
    fill_in,
    press,
    start_form,
    step_of,
    token_of,
)
from tests.journey import step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_SUMMARY = "[data-error-summary]"


def born_years_ago(years: int) -> str:
    """A date of birth that makes the patient `years` old today (birthday six months ago)."""
    today = dt.date.today()  # noqa: DTZ011 - the browser's age check uses its local date too
    return (today.replace(year=today.year - years) - dt.timedelta(days=182)).isoformat()


def to_where_it_hurts(page: Page, live_server: LiveServer) -> dict[str, Any]:
    """Start a form and answer the pages before "Where is the problem?" as Alex (V07)."""
    answers = vignette_answers("V07")
    start_form(page, live_server.url)
    while step_of(page) != "where_it_hurts":  # about you, the safety check's pages
        answer_step(page, answers)
    return answers


def summary_targets(page: Page) -> list[str]:
    """The fields the error summary's links point at, in order (#id without the hash)."""
    links = page.locator(f"{ERROR_SUMMARY} a")
    return [href.removeprefix("#") for href in links.evaluate_all("ls => ls.map(l => l.hash)")]


# --- Errors: nothing typed is lost ---------------------------------------------------------------


def test_errors_are_summarised_linked_and_keep_every_answer(
    page: Page, live_server: LiveServer
) -> None:
    # Sam, 30, fills the first page in a hurry: no phone, a mistyped email, an impossible height.
    start_form(page, live_server.url)
    born = born_years_ago(30)
    page.get_by_label("Full name of the patient").fill("Sam Example")
    fill_date(page, born)
    page.get_by_label("Email address").fill("sam.example.org")
    page.get_by_label("Text message").check()
    page.get_by_label("GP practice").fill("Riverside Surgery")
    page.get_by_label("I am helping the patient").check()
    page.get_by_label("Female").check()
    page.get_by_label("No", exact=True).last.check()  # pregnancy: revealed by Female, age 30
    page.get_by_label("How tall are you (cm)?").fill("1700")
    page.get_by_label("How much do you weigh (kg)?").fill("64")
    press(page, "Continue")

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    targets = summary_targets(page)
    assert targets == [
        "id_email",
        "id_phone",
        "id_privacy_ack_0",
        "id_height_cm",
        "id_walking_ability_0",
    ]
    for target, link in zip(targets, summary.locator("a").all(), strict=True):
        field = page.locator(f"#{target}")
        expect(field).to_have_count(1)
        # The same message is repeated at the field, inside the field's own question.
        message = link.inner_text().rsplit(" – ", 1)[-1]  # "Question – message"
        question = page.locator(".question", has=field)
        expect(question.locator(".invalid-feedback")).to_contain_text(message)
    for name in ("email", "phone", "height_cm"):
        expect(page.locator(f'[name="{name}"]')).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name=re.compile("^Mobile or phone number")).click()
    assert page.evaluate("location.hash") == "#id_phone"
    expect(page.locator("#id_phone")).to_be_focused()
    expect(page.locator("#id_phone")).to_be_in_viewport()
    assert_accessible(page, "about_you with typed answers and errors")

    # Everything typed or ticked is still there.
    expect(page.get_by_label("Full name of the patient")).to_have_value("Sam Example")
    boxes = page.locator('input[name="date_of_birth"]')
    year, month, day = born.split("-")
    for index, typed in enumerate((str(int(day)), str(int(month)), year)):
        expect(boxes.nth(index)).to_have_value(typed)
    expect(page.get_by_label("Email address")).to_have_value("sam.example.org")
    expect(page.get_by_label("GP practice")).to_have_value("Riverside Surgery")
    expect(page.get_by_label("How tall are you (cm)?")).to_have_value("1700")
    expect(page.get_by_label("How much do you weigh (kg)?")).to_have_value("64")
    for name, value in [
        ("preferred_contact", "text"),
        ("completed_by", "helper"),
        ("sex_at_birth", "female"),
        ("pregnancy_status", "no"),
    ]:
        expect(page.locator(f'input[name="{name}"][value="{value}"]')).to_be_checked()
    expect(page.locator('[data-question="pregnancy_status"]')).to_be_visible()

    # Putting it right moves on; then ticked boxes (and the body map) survive errors too.
    page.get_by_label("Mobile or phone number").fill("07700 900456")
    page.get_by_label("Email address").fill("sam@example.org")
    page.locator('input[name="privacy_ack"][value="yes"]').check()
    page.get_by_label("How tall are you (cm)?").fill("170")
    page.get_by_label("Normally").check()
    press(page, "Continue")
    assert step_of(page) == "red_flags"
    while step_of(page) != "where_it_hurts":
        answer_step(page, vignette_answers("V07"))
    page.get_by_label("Pain", exact=True).check()
    page.get_by_label("Swelling").check()
    page.locator('input[name="pain_regions"][value="calf"]').check()
    page.locator('input[name="pain_score_now"][value="6"]').check()
    press(page, "Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert "id_affected_side_0" in summary_targets(page)
    for name, value in [
        ("main_problem", "pain"),
        ("main_problem", "swelling"),
        ("pain_regions", "calf"),
        ("pain_score_now", "6"),
    ]:
        expect(page.locator(f'input[name="{name}"][value="{value}"]')).to_be_checked()
    expect(page.locator('.bodymap-region[data-code="calf"]')).to_have_attribute(
        "aria-checked", "true"
    )
    submission = Submission.objects.get(token=token_of(page))
    assert submission.identity["phone"] == "07700 900456"
    assert "main_problem" not in submission.answers  # nothing saved from a page with errors


# --- Show-if questions, revealed in place --------------------------------------------------------


def test_pregnancy_question_shows_only_for_women_16_to_55(
    page: Page, live_server: LiveServer
) -> None:
    start_form(page, live_server.url)
    pregnancy = page.locator('[data-question="pregnancy_status"]')
    expect(pregnancy).to_be_hidden()
    fill_date(page, born_years_ago(30))
    expect(pregnancy).to_be_hidden()
    page.get_by_label("Female").check()
    expect(pregnancy).to_be_visible()
    page.get_by_label("Male", exact=True).check()
    expect(pregnancy).to_be_hidden()
    page.get_by_label("Female").check()
    expect(pregnancy).to_be_visible()
    fill_date(page, born_years_ago(60))
    expect(pregnancy).to_be_hidden()
    fill_date(page, born_years_ago(55))
    expect(pregnancy).to_be_visible()
    # The walking-pain questions on better_worse are checked in the routine journey.


# --- The body map --------------------------------------------------------------------------------


def test_body_map_and_checkboxes_drive_each_other(page: Page, live_server: LiveServer) -> None:
    answers = to_where_it_hurts(page, live_server)
    body_map = page.locator('[data-bodymap][data-bodymap-field="pain_regions"]')
    expect(body_map).to_be_visible()
    calf = body_map.locator('.bodymap-region[data-code="calf"]')
    calf_box = page.locator('input[name="pain_regions"][value="calf"]')
    expect(calf).to_have_attribute("role", "checkbox")
    expect(calf).to_have_accessible_name("Calf")
    expect(calf).to_have_attribute("aria-checked", "false")

    # A click on the drawing of a calf ticks the calf checkbox.
    calf.locator("use").first.click()
    expect(calf_box).to_be_checked()
    expect(calf).to_have_attribute("aria-checked", "true")
    calf.locator("use").last.click()  # the other leg's calf is the same answer
    expect(calf_box).not_to_be_checked()

    # Keyboard: Tab reaches the region, Space toggles it.
    calf.focus()
    page.keyboard.press("Space")
    expect(calf_box).to_be_checked()
    expect(calf).to_have_attribute("aria-checked", "true")
    page.keyboard.press("Space")
    expect(calf_box).not_to_be_checked()
    page.keyboard.press("Space")

    # Ticking a checkbox updates the map.
    knee = body_map.locator('.bodymap-region[data-code="knee"]')
    page.locator('input[name="pain_regions"][value="knee"]').check()
    expect(knee).to_have_attribute("aria-checked", "true")
    whole_note = body_map.locator("[data-bodymap-whole-note]")
    expect(whole_note).to_be_hidden()
    page.get_by_label("The whole leg").check()
    expect(whole_note).to_be_visible()
    page.get_by_label("The whole leg").uncheck()
    expect(whole_note).to_be_hidden()
    assert_accessible(page, "the body map with regions selected")

    # What the map selected is what gets saved.
    data = step_post_data("where_it_hurts", answers)
    del data["pain_regions"]
    fill_in(page, data)
    press(page, "Continue")
    assert step_of(page) == "how_it_started"
    submission = Submission.objects.get(token=token_of(page))
    assert sorted(submission.answers["pain_regions"]) == ["calf", "knee"]


# --- The privacy notice (issue 18): read beside the form, nothing typed lost ------------------


def test_the_privacy_notice_opens_beside_the_first_page_and_nothing_typed_is_lost(
    page: Page, live_server: LiveServer
) -> None:
    # Sam starts the form, types a name, then wants to read the notice before agreeing to it.
    token = start_form(page, live_server.url)
    page.get_by_label("Full name of the patient").fill("Sam Example")
    question = page.locator('[data-question="privacy_ack"]')
    link = question.get_by_role("link", name="Read our privacy notice (opens in a new tab)")
    with page.context.expect_page() as opened:
        link.click()
    notice = opened.value
    notice.wait_for_load_state()
    assert notice.url == f"{live_server.url}/privacy/"
    expect(notice.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert notice.evaluate("window.opener") is None  # rel="noopener"
    assert_accessible(notice, "the privacy notice")
    notice.close()

    # The form is where Sam left it, with the name typed, and goes on.
    assert step_of(page) == "about_you" and token_of(page) == token
    expect(page.get_by_label("Full name of the patient")).to_have_value("Sam Example")
    expect(page.locator("footer [data-privacy-link]")).to_have_attribute("target", "_blank")
    question.get_by_label("Yes").check()
    answers = vignette_answers("V07")
    fill_in(page, {**step_post_data("about_you", answers), "full_name": "Sam Example"})
    press(page, "Continue")
    assert step_of(page) == "red_flags"
    submission = Submission.objects.get(token=token)
    assert submission.answers["privacy_ack"] == "yes"
    assert submission.identity["full_name"] == "Sam Example"
