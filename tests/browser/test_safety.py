"""Issue 15 in a real browser: an emergency answer interrupts at once, however much of the
safety check is blank, and an abandoned mid-form emergency reaches the triage queue."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from intake import roles
from intake.models import Notification, Submission
from tests.browser.conftest import NewPage
from tests.browser.patient import (
    answer_step,
    assert_accessible,
    assert_reflows,
    fill_in,
    press,
    start_form,
    step_of,
)
from tests.browser.staff import sign_in
from tests.factories import ensure_role_groups, staff_user
from tests.journey import CONSENT, lone_emergency_answers, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

# Three of the derived lone emergency answers: a cold pale leg (the safety check's first page),
# a bleeding vein (a choice that is not yes/no, on its last page) and a sepsis sign (one tick of a
# multi-choice question, on its fourth).
PICKED = [
    ("red_flags", "rf_cold_pale_sudden", "not_sure"),
    ("red_flags/bleeding", "rf_vein_bleeding", "bleeding_now_not_stopping"),
    ("red_flags/infection", "rf_sepsis_signs", ["struggling_to_breathe"]),
]


def test_the_picked_answers_are_lone_emergency_answers() -> None:
    derived = lone_emergency_answers()
    for answer in PICKED:
        assert answer in derived


def reach_the_safety_check(page: Page, base_url: str, key: str = "red_flags") -> str:
    """Start a form, answer the first page, and the safety check's pages before `key` with the
    vignettes' unremarkable defaults."""
    token = start_form(page, base_url)
    while step_of(page) != key:
        answer_step(page, vignette_answers())
    return token


@pytest.mark.parametrize(("page_key", "question", "value"), PICKED, ids=lambda v: str(v))
def test_one_emergency_answer_on_a_blank_safety_page_interrupts_at_once(
    new_page: NewPage, live_server: LiveServer, page_key: str, question: str, value: Any
) -> None:
    page = new_page(viewport={"width": 375, "height": 700})
    token = reach_the_safety_check(page, live_server.url, page_key)
    fill_in(page, step_post_data(page_key, {question: value}))
    press(page, "Continue")

    # The advice, not a list of errors.
    assert page.url == f"{live_server.url}/intake/{token}/urgent/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Call 999 now")
    submission = Submission.objects.get(token=token)
    assert submission.interruption_shown_at is not None
    assert Notification.objects.filter(submission=submission, kind="staff_alert").count() == 2

    # Carrying on: the same page again, the answer kept, now with what is still missing.
    press(page, "Carry on with the form")
    assert step_of(page) == page_key
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.get_by_role("region", name="Emergency advice")).to_contain_text("Call 999 now")
    first = value[0] if isinstance(value, list) else value
    expect(page.locator(f'input[name="{question}"][value="{first}"]')).to_be_checked()
    assert_accessible(page, "the safety check after the advice, with its errors")


def test_the_safety_check_is_short_pages_and_the_third_interrupts_at_once(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Issue 19: a few questions at a time, each page an address of its own; "yes" to a new
    # bladder problem on the third page stops the form there, the other questions unanswered.
    page = new_page(viewport={"width": 320, "height": 640})
    token = reach_the_safety_check(page, live_server.url)
    caption = page.locator(".step-caption")
    for number, (key, title) in enumerate(
        [
            ("red_flags", "Colour, feeling and strength of the leg"),
            ("red_flags/breathing", "Breathing, chest pain and fainting"),
        ],
        start=1,
    ):
        assert step_of(page) == key
        expect(caption).to_have_text(f"Step 2 of 10 · Quick safety check, page {number} of 6")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert page.locator("form [data-question]").count() <= 6
        assert_reflows(page, key)
        assert_accessible(page, key)
        answer_step(page, vignette_answers())
    assert page.url == f"{live_server.url}/intake/{token}/red_flags/back/"
    expect(caption).to_have_text("Step 2 of 10 · Quick safety check, page 3 of 6")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bladder, bowels and back")
    back = page.get_by_role("link", name="Back")
    expect(back).to_have_attribute("href", f"/intake/{token}/red_flags/breathing/")
    assert_accessible(page, "the safety check's third page")
    page.locator('input[name="rf_bladder_bowel"][value="yes"]').check()
    press(page, "Continue")

    assert page.url == f"{live_server.url}/intake/{token}/urgent/"
    expect(page.locator("main")).to_contain_text("cauda equina syndrome")
    assert_reflows(page, "the interruption")
    submission = Submission.objects.get(token=token)
    assert submission.interrupted_rules == ["EMG_CES"]
    assert "rf_fever" not in submission.answers  # the fourth page was never reached
    press(page, "Carry on with the form")
    assert step_of(page) == "red_flags/back"
    fill_in(
        page, step_post_data("red_flags/back", {**vignette_answers(), "rf_bladder_bowel": "yes"})
    )
    press(page, "Continue")
    assert step_of(page) == "red_flags/infection"
    expect(caption).to_have_text("Step 2 of 10 · Quick safety check, page 4 of 6")


def test_an_abandoned_mid_form_emergency_reaches_the_queue(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Alex says "yes" to chest pain, sees the advice and closes the browser.
    patient = new_page()
    token = reach_the_safety_check(patient, live_server.url, "red_flags/breathing")
    fill_in(patient, step_post_data("red_flags/breathing", {"rf_chest_pain": "yes"}))
    press(patient, "Continue")
    assert patient.url.endswith("/urgent/")
    patient.close()
    draft = Submission.objects.get(token=token)

    # Tom, the on-call triage nurse, opens the queue: the unfinished form is at the top.
    ensure_role_groups()
    staff_user("tom", roles.TRIAGE_CLINICIAN)
    staff = new_page()
    sign_in(staff, live_server.url, "tom")
    staff.goto(f"{live_server.url}/admin/intake/submission/")
    first_row = staff.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("Form not finished")
    expect(first_row).to_contain_text("Emergency")
    expect(first_row).to_contain_text("07700 900123")
    with staff.expect_navigation():
        first_row.get_by_role("link", name=f"Unfinished form #{draft.pk}").click()
    expect(staff.locator(".interruption-shown")).to_contain_text("Not followed up yet.")
    staff.get_by_label("What was done (required)").fill("Phoned 14:05: on the way to A&E")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Record and take off the queue").click()
    expect(staff.locator(".messagelist")).to_contain_text("left the queue")
    staff.goto(f"{live_server.url}/admin/intake/submission/")
    expect(staff.locator("#result_list")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.interruption_handled_at is not None


def test_sudden_numbness_interrupts_right_after_the_safety_check(
    page: Page, live_server: LiveServer
) -> None:
    # Ruleset 2026.2: when the numbness started is asked on the safety check itself, so the
    # advice comes before "where is the problem?", not after "how did it start?" (step 4).
    token = reach_the_safety_check(page, live_server.url)
    onset = page.locator('[data-question="rf_numb_weak_onset"]')
    expect(onset).to_be_hidden()
    answers = {**vignette_answers(), "rf_numb_weak_new": "yes"}
    fill_in(page, step_post_data("red_flags", answers))
    expect(onset).to_be_visible()  # revealed by the "yes"
    page.get_by_label("In the last 24 hours").check()
    press(page, "Continue")
    assert page.url == f"{live_server.url}/intake/{token}/urgent/"
    expect(page.locator("main")).to_contain_text("Sudden new numbness or weakness in a leg")
    submission = Submission.objects.get(token=token)
    assert submission.interrupted_rules == ["EMG_SUDDEN_NEURO"]
    assert "onset_speed" not in submission.answers  # step 4 was never reached


def test_a_red_flag_alone_is_urgent_and_never_no_urgent_warning_signs(
    page: Page, live_server: LiveServer
) -> None:
    # Fever, and nothing else of note (V68): URGENT through URG_RED_FLAG_ALONE.
    answers = {**vignette_answers(), "rf_fever": "yes"}
    start_form(page, live_server.url)
    while step_of(page) != "check":
        answer_step(page, answers)
    fill_in(page, CONSENT)
    press(page, "Send your answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")
    main = page.locator("main")
    expect(main).to_contain_text("You told us about a warning sign that a clinician needs")
    expect(main).to_contain_text("You need to be seen today")
    expect(main).not_to_contain_text("We did not find any urgent warning signs")
    sent = Submission.objects.get()
    assert sent.tier == "URGENT" and sent.fired_rules == ["URG_RED_FLAG_ALONE"]
    assert sent.ruleset_version == "2026.2"
