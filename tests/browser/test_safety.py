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
    fill_in,
    press,
    start_form,
    step_of,
)
from tests.browser.staff import sign_in
from tests.factories import ensure_role_groups, staff_user
from tests.journey import CONSENT, lone_emergency_answers, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db(transaction=True)

# Three of the derived lone emergency answers: a cold pale leg, a bleeding vein (a choice that
# is not yes/no) and a sepsis sign (one tick of a multi-choice question).
PICKED = [
    ("red_flags", "rf_cold_pale_sudden", "not_sure"),
    ("red_flags", "rf_vein_bleeding", "bleeding_now_not_stopping"),
    ("red_flags", "rf_sepsis_signs", ["struggling_to_breathe"]),
]


def test_the_picked_answers_are_lone_emergency_answers() -> None:
    derived = lone_emergency_answers()
    for answer in PICKED:
        assert answer in derived


def reach_the_safety_check(page: Page, base_url: str) -> str:
    token = start_form(page, base_url)
    answer_step(page, vignette_answers())
    assert step_of(page) == "red_flags"
    return token


@pytest.mark.parametrize(("page_code", "question", "value"), PICKED, ids=lambda v: str(v))
def test_one_emergency_answer_on_a_blank_safety_check_interrupts_at_once(
    new_page: NewPage, live_server: LiveServer, page_code: str, question: str, value: Any
) -> None:
    page = new_page(viewport={"width": 375, "height": 700})
    token = reach_the_safety_check(page, live_server.url)
    fill_in(page, step_post_data(page_code, {question: value}))
    press(page, "Continue")

    # The advice, not a list of errors.
    assert page.url == f"{live_server.url}/intake/{token}/urgent/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Call 999 now")
    submission = Submission.objects.get(token=token)
    assert submission.interruption_shown_at is not None
    assert Notification.objects.filter(submission=submission, kind="staff_alert").count() == 2

    # Carrying on: the safety check again, the answer kept, now with what is still missing.
    press(page, "Carry on with the form")
    assert step_of(page) == "red_flags"
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.get_by_role("region", name="Emergency advice")).to_contain_text("Call 999 now")
    first = value[0] if isinstance(value, list) else value
    expect(page.locator(f'input[name="{question}"][value="{first}"]')).to_be_checked()
    assert_accessible(page, "the safety check after the advice, with its errors")


def test_an_abandoned_mid_form_emergency_reaches_the_queue(
    new_page: NewPage, live_server: LiveServer
) -> None:
    # Alex says "yes" to chest pain, sees the advice and closes the browser.
    patient = new_page()
    token = reach_the_safety_check(patient, live_server.url)
    fill_in(patient, step_post_data("red_flags", {"rf_chest_pain": "yes"}))
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
