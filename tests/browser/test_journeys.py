"""Whole patient journeys in a real browser, with axe-core checking the pages on the way.

Each journey is driven by clicking and typing (answers from tests/journey.py); the database is
only read, to confirm what the pages said. axe-core runs inside the journeys rather than in a
separate crawl, so every page is checked in the state a patient really sees it. Two journeys run
on small screens: 320 CSS px (a small phone) and 640 CSS px at device scale 2, which is what a
1280 px wide desktop window shows at 200% zoom.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import steps
from intake.models import Notification, Submission
from intake.triage import QUESTIONS
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
)
from tests.journey import CONSENT, identity_for, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_SUMMARY = "[data-error-summary]"
SMALL_PHONE = {"viewport": {"width": 320, "height": 640}}
ZOOM_200 = {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}


def heading(page: Page) -> Any:
    return expect(page.get_by_role("heading", level=1))


def label_of(code: str, value: str) -> str:
    question = next(q for q in QUESTIONS if q.code == code)
    return next(c.label for c in question.choices if c.code == value)


def assert_ecq_revealed_in_place(page: Page) -> None:
    """better_worse: the walking-pain (ECQ) questions appear only after "yes" to the first."""
    follow_up = page.locator('[data-question="ecq2_rest_onset"]')
    body_map = page.locator('[data-question="ecq6_sites"] [data-bodymap]')
    page.locator('input[name="ecq1_walk_pain"][value="no"]').check()
    expect(follow_up).to_be_hidden()
    expect(body_map).to_be_hidden()
    page.locator('input[name="ecq1_walk_pain"][value="yes"]').check()
    expect(follow_up).to_be_visible()
    expect(body_map).to_be_visible()


# --- A routine journey ---------------------------------------------------------------------------


def test_routine_journey_from_start_page_to_reference(page: Page, live_server: LiveServer) -> None:
    # Alex, 58, has calf cramp on walking (vignette V07). Every page is checked by axe-core,
    # each step twice: as first shown, and with the errors of pressing Continue on a blank page.
    answers = vignette_answers("V07")
    page.goto(f"{live_server.url}/")
    heading(page).to_have_text("Tell us about your leg problem")
    assert_accessible(page, "the start page")
    token = start_form(page, live_server.url)

    seen = []
    while step_of(page) != "check":
        step = step_of(page)
        seen.append(step)
        assert_accessible(page, f"step {step}")
        press(page, "Continue")
        expect(page).to_have_title(re.compile(r"^Error: "))
        expect(page.locator(ERROR_SUMMARY)).to_be_focused()
        assert_accessible(page, f"step {step} with errors")
        if step == "better_worse":
            assert_ecq_revealed_in_place(page)
        answer_step(page, answers)
        assert step_of(page) != step, page.locator(ERROR_SUMMARY).inner_text()
    # Every page, the safety check's six short ones included (issue 19), in order.
    assert seen == [p.key for p in steps.PAGES]
    assert sum(key.startswith("red_flags") for key in seen) == 6

    heading(page).to_have_text("Check your answers before sending")
    assert_accessible(page, "the check page")
    press(page, "Send your answers")
    expect(page.locator(ERROR_SUMMARY)).to_be_focused()
    assert_accessible(page, "the check page with errors")
    fill_in(page, CONSENT)
    press(page, "Send your answers")

    assert page.url == f"{live_server.url}/intake/{token}/done/"
    heading(page).to_have_text("Your answers have been sent")
    reference = page.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"LEG-[A-Z0-9]{4}-[A-Z0-9]{4}", reference), reference
    submission = Submission.objects.get(token=token)
    assert submission.reference == reference
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.tier == "SOON"
    assert submission.answers["ecq6_sites"] == ["calf"]
    assert_accessible(page, "the confirmation page")


# --- An emergency journey, on a small phone ------------------------------------------------------


def test_emergency_answer_interrupts_at_once_and_the_advice_stays(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Alex (V07) has chest pain today, and fills the form on a 320 px wide phone: no page may
    # scroll sideways.
    page = new_page(**SMALL_PHONE)
    answers = {**vignette_answers("V07"), "rf_chest_pain": "yes"}
    page.goto(f"{live_server.url}/")
    assert_reflows(page, "the start page")
    token = start_form(page, live_server.url)
    press(page, "Continue")
    assert_reflows(page, "about_you with errors")
    answer_step(page, answers)
    assert step_of(page) == "red_flags"
    assert_reflows(page, "red_flags")
    answer_step(page, answers)
    assert step_of(page) == "red_flags/breathing"  # the safety check's second page
    assert_reflows(page, "red_flags/breathing")
    answer_step(page, answers)

    # Straight to the interruption, before any other question.
    assert page.url == f"{live_server.url}/intake/{token}/urgent/"
    heading(page).to_have_text("Call 999 now")
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_have_attribute(
        "href", "tel:999"
    )
    assert_reflows(page, "the interruption page")
    assert_accessible(page, "the interruption page")
    submission = Submission.objects.get(token=token)
    assert submission.interrupted_rules == ["EMG_CHEST_BREATH"]
    assert Notification.objects.filter(submission=submission, kind="staff_alert").exists()

    press(page, "Carry on with the form")
    assert step_of(page) == "red_flags/back"  # the safety check carries on where it was
    advice = page.get_by_role("region", name="Emergency advice")
    assert_accessible(page, "a step with the emergency advice")
    while step_of(page) != "check":
        expect(advice).to_contain_text("Call 999 now")
        expect(advice.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
        assert_reflows(page, step_of(page))
        answer_step(page, answers)
    expect(advice).to_contain_text("Call 999 now")
    assert_reflows(page, "the check page")
    assert_accessible(page, "the check page with the emergency advice")
    fill_in(page, CONSENT)
    press(page, "Send your answers")

    # The advice leads (issue 19): the red card, then the green "sent" panel.
    heading(page).to_have_text("Call 999 now")
    expect(page.locator(".emergency-card").get_by_role("link", name="Call 999")).to_have_attribute(
        "href", "tel:999"
    )
    card = page.locator(".emergency-card").bounding_box()
    panel = page.locator(".confirmation-panel").bounding_box()
    assert card is not None and panel is not None and card["y"] < panel["y"]
    expect(page.locator(".confirmation-panel")).to_contain_text("Your answers have been sent")
    assert_reflows(page, "the confirmation page")
    assert_accessible(page, "the confirmation page for an emergency")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.tier == "EMERGENCY"


# --- Changing an answer, and the Back button, at 200% zoom ------------------------------------


def test_change_an_answer_from_the_check_page_and_go_back(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Jo, 22, a runner with aching shins (V48), zooms her browser to 200%.
    page = new_page(**ZOOM_200)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    answers = vignette_answers("V48")
    page.goto(f"{live_server.url}/")
    assert_reflows(page, "the start page")
    token = start_form(page, live_server.url)
    press(page, "Continue")
    assert_reflows(page, "about_you with errors")
    while step_of(page) != "how_it_started":
        assert_reflows(page, step_of(page))  # the safety check's short pages too
        answer_step(page, answers)

    # Back: the previous page comes again from a GET (post/redirect/get), answers as saved.
    response = page.go_back()
    assert response is not None and response.request.method == "GET" and response.ok
    assert step_of(page) == "where_it_hurts"
    expect(page.locator('input[name="pain_regions"][value="shin"]')).to_be_checked()
    expect(page.locator('.bodymap-region[data-code="shin"]').first).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.locator('input[name="affected_side"][value="both"]')).to_be_checked()
    response = page.go_forward()
    assert response is not None and response.request.method == "GET"
    assert step_of(page) == "how_it_started"

    while step_of(page) != "check":
        assert_reflows(page, step_of(page))
        answer_step(page, answers)
    assert_reflows(page, "the check page")
    response = page.reload()  # refreshing never re-sends a form
    assert response is not None and response.request.method == "GET" and response.ok
    smoking = page.locator(".summary-list__row", has_text="Do you smoke?")
    expect(smoking.locator(".summary-list__value")).to_have_text(label_of("smoking", "never"))

    press(page, "Change Do you smoke?")
    assert step_of(page) == "history"
    assert page.url.endswith("?return=check&row=smoking#div_id_smoking")
    expect(page.locator("#div_id_smoking")).to_be_in_viewport()
    expect(page.locator('input[name="smoking"][value="never"]')).to_be_checked()
    page.get_by_label(label_of("smoking", "ex"), exact=True).check()
    press(page, "Continue")
    # Back on the check page at the changed row, not at the top of a 13,000 px page.
    assert step_of(page) == "check" and page.url.endswith("/check/#row-smoking")
    expect(smoking).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 2000
    expect(smoking.locator(".summary-list__value")).to_have_text(label_of("smoking", "ex"))

    response = page.go_back()
    assert response is not None and response.request.method == "GET" and response.ok
    assert step_of(page) == "history"
    expect(page.locator('input[name="smoking"][value="ex"]')).to_be_checked()
    press(page, "Continue")
    fill_in(page, CONSENT)
    press(page, "Send your answers")
    heading(page).to_have_text("Your answers have been sent")
    assert_reflows(page, "the confirmation page")
    assert dialogs == []
    submission = Submission.objects.get(token=token)
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.answers["smoking"] == "ex"
    assert submission.answers["pregnancy_status"] == "no"


# --- Save and come back later, on another device -----------------------------------------------


def resume_link_path(token: str) -> str:
    """The path of the link in the resume email (tasks run in-process in tests)."""
    assert Notification.objects.get(submission__token=token, kind="resume_link").status == "sent"
    (message,) = mail.outbox
    assert message.to == [identity_for(vignette_answers("V07"))["email"]]
    match = re.search(r"https?://\S+(/resume/[A-Za-z0-9_-]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_save_and_come_back_later_on_a_new_device(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Alex starts on a work computer, saves on the fourth page and finishes on a phone.
    answers = vignette_answers("V07")
    born = identity_for(answers)["date_of_birth"]
    computer = new_page()
    token = start_form(computer, live_server.url)
    while step_of(computer) != "how_it_started":
        answer_step(computer, answers)
    answer_step(computer, answers, action="Save and come back later")
    heading(computer).to_have_text("Your answers have been saved")
    assert_accessible(computer, "the saved page")
    path = resume_link_path(token)
    assert path == f"/resume/{token}/"

    phone = new_page()
    phone.goto(f"{live_server.url}{path}")
    heading(phone).to_have_text("Carry on with your form")
    assert identity_for(answers)["full_name"] not in phone.content()
    assert_accessible(phone, "the resume page")
    fill_date(phone, "1970-06-15")
    press(phone, "Continue")
    expect(phone).to_have_title(re.compile(r"^Error: "))
    expect(phone.locator(ERROR_SUMMARY)).to_contain_text("That date of birth does not match")
    expect(phone.locator(ERROR_SUMMARY)).to_be_focused()
    assert_accessible(phone, "the resume page with an error")
    fill_date(phone, born)
    press(phone, "Continue")

    # On at the first unfinished page; the page saved on the computer is there, as answered.
    assert phone.url == f"{live_server.url}/intake/{token}/feels_like/"
    press(phone, "Back")
    assert step_of(phone) == "how_it_started"
    saved = step_post_data("how_it_started", answers)
    for name in ("onset_speed", "symptom_duration", "trend"):
        expect(phone.locator(f'input[name="{name}"][value="{saved[name]}"]')).to_be_checked()
    while step_of(phone) != "check":
        answer_step(phone, answers)
    fill_in(phone, CONSENT)
    press(phone, "Send your answers")
    heading(phone).to_have_text("Your answers have been sent")
    submission = Submission.objects.get(token=token)
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.answers["pain_regions"] == ["calf"]  # answered on the computer
    assert submission.identity["date_of_birth"] == born
