"""Issue 19's GOV.UK patterns in a real browser: the date of birth in three boxes and its errors,
questions revealed under the answer that reveals them (with JavaScript and without), "or"
before an exclusive "None of these", error links that bring the whole question into view, and
the body map that follows "Which leg?" with regions a finger can hit at 320 px. axe-core checks
every new state, and none may scroll sideways at 320 px.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from intake.models import Submission
from tests.browser.conftest import NewPage
from tests.browser.patient import (
    answer_step,
    assert_accessible,
    assert_reflows,
    fill_date,
    fill_in,
    press,
    start_form,
    step_of,
    token_of,
)
from tests.journey import CONSENT, identity_for, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_SUMMARY = "[data-error-summary]"
SMALL_PHONE = {"viewport": {"width": 320, "height": 640}}


def to_step(page: Page, live_server: LiveServer, step: str, answers: dict[str, Any]) -> None:
    """Start a form and answer each page until `step` is shown."""
    start_form(page, live_server.url)
    while step_of(page) != step:
        answer_step(page, answers)


def box_sizes(locator: Locator) -> list[tuple[float, float]]:
    """The width and height (CSS px) of each element shown."""
    return [
        (box["width"], box["height"])
        for box in (element.bounding_box() for element in locator.all())
        if box is not None and box["width"] > 0
    ]


# --- Date of birth in three boxes ------------------------------------------------------------


def test_date_of_birth_in_three_boxes_with_govuk_errors(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(**SMALL_PHONE)
    answers = vignette_answers("V07")
    start_form(page, live_server.url)
    data = step_post_data("about_you", answers)
    born = data.pop("date_of_birth")
    fill_in(page, data)
    year, _month, day = born.split("-")
    page.get_by_label("Day").fill(str(int(day)))
    page.get_by_label("Year").fill(year)
    # The number pad on phones, and the browser's own fill-in for a birthday.
    for label, part in (("Day", "day"), ("Month", "month"), ("Year", "year")):
        expect(page.get_by_label(label)).to_have_attribute("inputmode", "numeric")
        expect(page.get_by_label(label)).to_have_attribute("autocomplete", f"bday-{part}")
    press(page, "Continue")

    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile("^Date of birth"))
    expect(link).to_have_text("Date of birth – Date of birth must include a month.")
    question = page.locator("#div_id_date_of_birth")
    expect(question).to_have_class(re.compile(r"\bquestion--error\b"))
    expect(question.locator(".invalid-feedback")).to_have_text(
        "Error: Date of birth must include a month."
    )
    # Only the month box is marked; what was typed is kept.
    expect(page.get_by_label("Month")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Day")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Day")).to_have_value(str(int(day)))
    expect(page.get_by_label("Year")).to_have_value(year)
    # The error's link goes to the question's first box, with the question in view.
    link.click()
    expect(page.get_by_label("Day")).to_be_focused()
    expect(question.locator("legend")).to_be_in_viewport()
    assert_reflows(page, "about_you with a date error")
    assert_accessible(page, "about_you with a date error")

    page.get_by_label("Month").fill("2")
    page.get_by_label("Day").fill("30")
    press(page, "Continue")
    expect(summary).to_contain_text("Date of birth must be a real date.")
    expect(page.get_by_label("Day")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Month")).not_to_have_attribute("aria-invalid", "true")

    fill_date(page, born)
    press(page, "Continue")
    assert step_of(page) == "red_flags"
    submission = Submission.objects.get(token=token_of(page))
    assert submission.identity["date_of_birth"] == born


# --- Questions revealed under the answer that reveals them --------------------------------------


def test_questions_are_revealed_under_the_answer_that_reveals_them(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(**SMALL_PHONE)
    answers = vignette_answers("V07")
    to_step(page, live_server, "feels_like", answers)
    swollen = page.locator("#conditional-id_leg_swollen-1")
    side = page.locator('[data-question="swelling_side"]')
    calf = page.locator('[data-question="calf_difference_cm"]')
    # Right after the last answer that reveals it, inside the question.
    expect(
        page.locator("#div_id_leg_swollen fieldset > .form-check:has(#id_leg_swollen_2) + div")
    ).to_have_id("conditional-id_leg_swollen-1")
    for option in ("ankle_or_calf", "whole_leg"):
        expect(page.locator(f'input[name="leg_swollen"][value="{option}"]')).to_have_attribute(
            "aria-controls", "conditional-id_leg_swollen-1"
        )
    expect(page.locator('input[name="leg_swollen"][value="no"]')).not_to_have_attribute(
        "aria-controls", re.compile(".")
    )

    page.get_by_label("No", exact=True).first.check()  # "Is your leg swollen?" No
    expect(swollen).to_be_hidden()
    expect(side).to_be_hidden()
    page.get_by_label("Yes, ankle or calf").check()
    expect(swollen).to_be_visible()
    expect(side).to_be_visible()
    expect(calf).to_be_hidden()  # its own answer ("left" or "right") reveals it in turn
    page.locator('input[name="swelling_side"][value="left"]').check()
    expect(calf).to_be_visible()
    expect(page.locator("#conditional-id_swelling_side-1")).to_contain_text("centimetres")
    assert_reflows(page, "feels_like with its revealed questions")
    assert_accessible(page, "feels_like with its revealed questions")
    page.locator('input[name="swelling_side"][value="both"]').check()
    expect(calf).to_be_hidden()
    page.locator('input[name="leg_swollen"][value="no"]').check()
    expect(swollen).to_be_hidden()


def test_without_javascript_every_question_shows_and_hidden_ones_are_ignored(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(java_script_enabled=False)
    answers = vignette_answers("V07")
    to_step(page, live_server, "feels_like", answers)
    # Everything is there: the revealed questions in their (open) containers.
    for name in ("swelling_side", "calf_difference_cm", "pitting_dent"):
        expect(page.locator(f'[data-question="{name}"]')).to_be_visible()
    expect(page.locator("#conditional-id_leg_swollen-1")).to_be_visible()
    # Not swollen, but the questions for a swollen leg answered anyway: the server drops them.
    data = {
        **step_post_data("feels_like", answers),
        "leg_swollen": "no",
        "swelling_side": "left",
        "calf_difference_cm": "3",
        "pitting_dent": "yes",
    }
    fill_in(page, data)
    # (axe-core cannot run here: it is JavaScript. The same markup, every container open, is
    # checked with it above.)
    press(page, "Continue")
    assert step_of(page) == "better_worse"
    # On this page too, without the script, the walking-pain questions show under "Yes".
    expect(page.locator('[data-question="ecq2_rest_onset"]')).to_be_visible()
    expect(page.locator('[data-question="ecq6_sites"] [data-bodymap]')).to_be_hidden()  # no map
    saved = Submission.objects.get(token=token_of(page)).answers
    assert saved["leg_swollen"] == "no"
    assert saved["swelling_side"] is None and saved["calf_difference_cm"] is None
    assert saved["pitting_dent"] is None


# --- "or" before an exclusive "None of these" -----------------------------------------------------


def test_or_comes_before_none_of_these_which_stands_alone(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page()
    # The sepsis signs are on the safety check's infection page (issue 19's short pages).
    to_step(page, live_server, "red_flags/infection", vignette_answers("V07"))
    question = page.locator("#div_id_rf_sepsis_signs")
    divider = question.locator(".checkbox-divider")
    expect(divider).to_have_text("or")
    expect(question.locator(".checkbox-divider + .form-check")).to_contain_text("None of these")
    none = question.get_by_label("None of these")
    rash = question.get_by_label("A rash that does not fade when you roll a glass over it")
    rash.check()
    none.check()
    expect(rash).not_to_be_checked()
    rash.check()
    expect(none).not_to_be_checked()


# --- The check page: error links bring the whole question into view ------------------------------


def test_error_links_on_the_check_page_bring_the_whole_question_into_view(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(**SMALL_PHONE)
    answers = vignette_answers("V07")
    to_step(page, live_server, "check", answers)
    expect(page.get_by_text("Step 10 of 10")).to_be_visible()
    expect(page.get_by_role("link", name="Back", exact=True)).to_have_attribute(
        "href", re.compile(r"/medications/$")
    )
    press(page, "Send your answers")
    summary = page.locator(ERROR_SUMMARY)
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("or go to A&E – ")  # once escaped, shown as written
    assert_accessible(page, "the check page with errors")
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href") or ""
        link.click()
        field = page.locator(target)
        expect(field).to_be_focused()
        question = page.locator(".question", has=field)
        legend = question.locator("legend").first
        # The whole question (from its legend to the box) fits on a 640 px screen: all of it.
        expect(legend).to_be_in_viewport(ratio=1)
        expect(field).to_be_in_viewport(ratio=1)
        page.evaluate("window.scrollTo(0, 0)")
    fill_in(page, CONSENT)
    press(page, "Send your answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")


# --- The body map follows "Which leg?" ------------------------------------------------------------


def visible_regions(page: Page) -> Locator:
    """The region shapes drawn now (the other leg's are not)."""
    return page.locator('[data-bodymap-field="pain_regions"] .bodymap-region use:visible')


def test_the_body_map_draws_the_leg_chosen_with_regions_big_enough_at_320px(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(**SMALL_PHONE)
    answers = vignette_answers("V07")
    to_step(page, live_server, "where_it_hurts", answers)
    body_map = page.locator('[data-bodymap][data-bodymap-field="pain_regions"]')
    calf = body_map.locator('.bodymap-region[data-code="calf"]')
    calf_box = page.locator('input[name="pain_regions"][value="calf"]')

    page.get_by_label("Left", exact=True).check()
    expect(body_map).to_have_attribute("data-bodymap-leg", "left")
    places = {use.get_attribute("data-place") for use in visible_regions(page).all()}
    assert places == {"front-left", "back-left"}
    expect(body_map.locator(".bodymap-legs span:visible")).to_have_text(
        ["Your left leg", "Your left leg"]
    )
    sizes = box_sizes(visible_regions(page))
    assert sizes and min(min(size) for size in sizes) >= 24, sizes
    # A tap on the left calf ticks "Calf"; only the left leg is drawn, so only it lights up.
    calf.locator("use:visible").first.click()
    expect(calf_box).to_be_checked()
    expect(calf).to_have_attribute("aria-checked", "true")
    shown = calf.locator("use:visible")
    assert {use.get_attribute("data-place") for use in shown.all()} == {"back-left"}
    assert_reflows(page, "the body map, left leg, at 320 px")
    assert_accessible(page, "the body map drawing the left leg")

    page.get_by_label("Right", exact=True).check()
    expect(body_map).to_have_attribute("data-bodymap-leg", "right")
    places = {use.get_attribute("data-place") for use in visible_regions(page).all()}
    assert places == {"front-right", "back-right"}
    assert min(min(size) for size in box_sizes(visible_regions(page))) >= 24
    expect(calf).to_have_attribute("aria-checked", "true")  # the answer, not the leg

    # Both legs are too small to tap at 320 px: the picture only shows what the list ticks.
    page.get_by_label("Both", exact=True).check()
    expect(body_map).to_have_attribute("data-bodymap-leg", "both")
    frame = body_map.locator("[data-bodymap-frame]")
    expect(body_map).to_have_class(re.compile(r"\bbodymap--picture\b"))
    assert frame.evaluate("frame => frame.inert")
    expect(
        body_map.get_by_text("The picture shows the places you tick in the list below.")
    ).to_be_visible()
    expect(calf).to_have_attribute("aria-checked", "true")
    assert_reflows(page, "the body map, both legs, at 320 px")
    assert_accessible(page, "the body map as a picture only")

    # On a wide screen both legs are big enough to tap again.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(body_map).not_to_have_class(re.compile(r"\bbodymap--picture\b"))
    assert not frame.evaluate("frame => frame.inert")
    assert min(min(size) for size in box_sizes(visible_regions(page))) >= 24
    calf.locator("use:visible").first.click()
    expect(calf_box).not_to_be_checked()


def test_the_walking_pain_map_draws_the_leg_answered_before(
    new_page: NewPage, live_server: LiveServer
) -> None:
    page = new_page(**SMALL_PHONE)
    answers = {**vignette_answers("V07"), "affected_side": "right"}
    to_step(page, live_server, "better_worse", answers)
    page.locator('input[name="ecq1_walk_pain"][value="yes"]').check()
    body_map = page.locator('[data-bodymap][data-bodymap-field="ecq6_sites"]')
    expect(body_map).to_be_visible()
    expect(body_map).to_have_attribute("data-bodymap-leg", "right")
    regions = body_map.locator(".bodymap-region use:visible")
    sizes = box_sizes(regions)
    assert sizes and min(min(size) for size in sizes) >= 24, sizes
    assert_accessible(page, "the walking-pain map drawing the right leg")


# --- The resume page's three boxes ---------------------------------------------------------------


def test_resuming_elsewhere_takes_the_date_of_birth_in_three_boxes(
    new_page: NewPage, live_server: LiveServer
) -> None:
    answers = vignette_answers("V07")
    computer = new_page()
    token = start_form(computer, live_server.url)
    answer_step(computer, answers)
    phone = new_page(**SMALL_PHONE)
    phone.goto(f"{live_server.url}/resume/{token}/")
    born = identity_for(answers)["date_of_birth"]
    year, month, day = born.split("-")
    phone.get_by_label("Day").fill(str(int(day)))
    phone.get_by_label("Month").fill(month)
    press(phone, "Continue")
    expect(phone.locator(ERROR_SUMMARY)).to_contain_text("Date of birth must include a year.")
    expect(phone.get_by_label("Year")).to_have_attribute("aria-invalid", "true")
    assert_reflows(phone, "the resume page with a date error")
    assert_accessible(phone, "the resume page with a date error")
    phone.get_by_label("Year").fill(year)
    press(phone, "Continue")
    assert step_of(phone) == "red_flags"
