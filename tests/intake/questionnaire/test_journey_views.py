"""The patient journey over HTTP: steps, order, errors, interruption, check page, sending."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings

from intake import steps
from intake.models import Notification, Submission
from tests.intake.conftest import CONSENT, IDENTITY, fill_until, start, step_url
from tests.intake.triage.test_catalogue import SPEC_STEPS
from tests.journey import page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db

Journey = Callable[..., Submission]


def test_start_now_creates_a_draft_bound_to_this_browser(patient: Client) -> None:
    response = patient.post("/start/")
    submission = Submission.objects.get()
    assert response["Location"] == f"/intake/{submission.token}/about_you/"
    assert submission.status == Submission.Status.DRAFT
    # At least 128 random bits, URL-safe, nothing personal in it.
    assert len(submission.token) >= 22
    assert re.fullmatch(r"[A-Za-z0-9_-]+", submission.token)
    assert patient.get(response["Location"]).status_code == 200


def test_start_page_start_now_is_a_post_form(patient: Client) -> None:
    html = patient.get("/").content.decode()
    assert '<form method="post" action="/start/"' in html
    assert "Start now" in html
    assert patient.get("/start/").status_code == 405


def test_steps_are_shown_in_spec_order_with_the_red_flag_check_second(patient: Client) -> None:
    assert [s.code for s in steps.STEPS] == SPEC_STEPS
    submission = start(patient)
    response = patient.post(
        step_url(submission, "about_you"), step_post_data("about_you", vignette_answers())
    )
    assert response["Location"] == step_url(submission, "red_flags")


def test_a_draft_opens_only_in_its_own_browser(patient: Client, other_patient: Client) -> None:
    # Sam has the link but not Alex's session: Sam is asked for the date of birth first.
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="red_flags")
    response = other_patient.get(step_url(submission, "about_you"))
    assert response.status_code == 302
    assert response["Location"] == f"/resume/{submission.token}/"
    page = other_patient.get(response["Location"]).content.decode()
    assert IDENTITY["full_name"] not in page


def test_steps_cannot_be_skipped_by_going_to_a_later_url(patient: Client) -> None:
    submission = start(patient)
    response = patient.get(step_url(submission, "history"))
    assert response["Location"] == step_url(submission, "about_you")
    # Posting a later page does not save anything either.
    response = patient.post(
        step_url(submission, "history"), step_post_data("history", vignette_answers())
    )
    assert response["Location"] == step_url(submission, "about_you")
    submission.refresh_from_db()
    assert submission.answers == {}


def test_the_check_page_is_not_reachable_before_every_step_is_done(patient: Client) -> None:
    submission = start(patient)
    response = patient.get(f"/intake/{submission.token}/check/")
    assert response["Location"] == step_url(submission, "about_you")


def test_a_get_shows_the_saved_answers(patient: Client) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers("V07"), stop_before="red_flags")
    html = patient.get(step_url(submission, "about_you")).content.decode()
    assert 'value="Alex Example"' in html
    assert re.search(r'value="male"[^>]*checked', html)


def test_validation_errors_show_a_summary_and_keep_everything_typed(patient: Client) -> None:
    submission = start(patient)
    data = step_post_data("about_you", vignette_answers())
    data["full_name"] = "Alex <b>Example</b>"
    data["email"] = "not-an-email"
    del data["walking_ability"]
    response = patient.post(step_url(submission, "about_you"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: About you" in html
    assert "There is a problem" in html
    # Each error links to its field and is repeated at the field.
    assert 'href="#id_email"' in html
    assert 'href="#id_walking_ability_0"' in html
    assert html.count("Enter an email address like name@example.com.") == 2
    # Nothing typed is lost, and it is escaped.
    assert 'value="Alex &lt;b&gt;Example&lt;/b&gt;"' in html
    assert 'value="not-an-email"' in html
    assert re.search(r'value="male"[^>]*checked', html)
    submission.refresh_from_db()
    assert submission.answers == {}


def test_under_18_goes_to_the_adults_only_page_and_saves_nothing(patient: Client) -> None:
    submission = start(patient)
    identity = {**IDENTITY, "date_of_birth": "2015-01-01"}
    response = patient.post(
        step_url(submission, "about_you"),
        step_post_data("about_you", vignette_answers(), identity),
    )
    assert response["Location"] == f"/intake/{submission.token}/adults-only/"
    assert "This form is for adults" in patient.get(response["Location"]).content.decode()
    submission.refresh_from_db()
    assert submission.answers == {}


def test_age_is_computed_from_the_date_of_birth(journey: Journey) -> None:
    submission = journey("V07")
    born = dt.date.today().year - 58  # noqa: DTZ011 - the form uses the same local date
    assert submission.identity["date_of_birth"] == f"{born}-01-01"
    assert submission.answers["age_years"] == 58


def test_an_invalid_nhs_number_is_refused_with_a_clear_message(patient: Client) -> None:
    submission = start(patient)
    identity = {**IDENTITY, "nhs_number": "943 476 5918"}
    response = patient.post(
        step_url(submission, "about_you"),
        step_post_data("about_you", vignette_answers(), identity),
    )
    assert "Enter a valid 10-digit NHS number, or leave it blank." in response.content.decode()
    identity["nhs_number"] = "943 476 5919"
    response = patient.post(
        step_url(submission, "about_you"),
        step_post_data("about_you", vignette_answers(), identity),
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.identity["nhs_number"] == "9434765919"


def test_a_hidden_question_is_ignored_on_the_server(patient: Client) -> None:
    # Without JavaScript every question is shown; an answer to one that is hidden by the
    # other answers (pregnancy, for a man) is not stored and not required.
    submission = start(patient)
    answers = {**vignette_answers(), "sex_at_birth": "male", "pregnancy_status": "pregnant"}
    response = patient.post(step_url(submission, "about_you"), step_post_data("about_you", answers))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.answers["pregnancy_status"] is None


def test_a_shown_conditional_question_is_required(patient: Client) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "sex_at_birth": "female", "pregnancy_status": None}
    identity = {**IDENTITY, "date_of_birth": "1990-05-05"}
    response = patient.post(
        step_url(submission, "about_you"), step_post_data("about_you", answers, identity)
    )
    assert response.status_code == 200
    assert 'href="#id_pregnancy_status_0"' in response.content.decode()


def test_an_emergency_answer_interrupts_straight_after_the_red_flag_step(
    patient: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "rf_chest_pain": "yes"}
    breathing = page_key("rf_chest_pain")  # the safety check's second page
    fill_until(patient, submission, answers, stop_before=breathing)
    with django_capture_on_commit_callbacks(execute=True):
        response = patient.post(step_url(submission, breathing), step_post_data(breathing, answers))
    assert response["Location"] == f"/intake/{submission.token}/urgent/"
    page = patient.get(response["Location"])
    html = page.content.decode()
    assert "Call 999 now" in html
    assert 'href="tel:999"' in html
    assert "Chest pain, sudden breathlessness or coughing up blood must be checked now." in html
    # Carrying on: the safety check's next page.
    assert f'href="{step_url(submission, "red_flags/back")}"' in html
    submission.refresh_from_db()
    assert submission.interruption_shown_at is not None
    assert submission.interrupted_rules == ["EMG_CHEST_BREATH"]
    # The on-call alert is written (and sent) at that moment, before the form is finished.
    alerts = Notification.objects.filter(submission=submission, kind="staff_alert")
    assert sorted(alerts.values_list("channel", flat=True)) == ["email", "sms"]
    assert [m.subject for m in mail.outbox] == ["[EMERGENCY] Intake in progress needs review"]


def test_not_sure_on_a_red_flag_interrupts_like_yes(patient: Client) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "rf_bladder_bowel": "not_sure"}
    back = page_key("rf_bladder_bowel")
    fill_until(patient, submission, answers, stop_before=back)
    response = patient.post(step_url(submission, back), step_post_data(back, answers))
    assert response["Location"].endswith("/urgent/")


def test_the_emergency_message_stays_on_every_later_page(patient: Client) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "rf_chest_pain": "yes"}
    fill_until(patient, submission, answers)
    html = patient.get(f"/intake/{submission.token}/check/").content.decode()
    assert "Call 999 now" in html
    # Carrying on does not repeat the interruption or the alert (one email, one text).
    assert Notification.objects.filter(kind="staff_alert").count() == 2


@override_settings(CLINIC_EMERGENCY_NUMBER="112")
def test_the_interruption_uses_the_configured_emergency_number(patient: Client) -> None:
    submission = start(patient)
    answers = {**vignette_answers(), "rf_cold_pale_sudden": "yes"}
    fill_until(patient, submission, answers, stop_before="where_it_hurts")
    html = patient.get(f"/intake/{submission.token}/urgent/").content.decode()
    assert 'href="tel:112"' in html
    assert "Call 112 now" in html
    assert "999" not in html


def test_check_page_shows_labels_not_codes_and_change_links(
    patient: Client, journey: Journey
) -> None:
    submission = journey("V07")
    response = patient.get(f"/intake/{submission.token}/check/")
    html = response.content.decode()
    assert "Check your answers before sending" in html
    assert "Do you get it if you walk uphill or hurry?" in html
    assert "Disappears in 10 minutes or less" in html or "10 minutes or less" in html
    assert "disappears_10min_or_less" not in html
    assert "Not provided" in html  # e.g. height, which is optional
    assert (
        f'href="/intake/{submission.token}/better_worse/?return=check&amp;row=ecq3_uphill'
        '#div_id_ecq3_uphill"' in html
    )
    assert (
        '<span class="visually-hidden"> Do you get it if you walk uphill or hurry?</span>' in html
    )
    assert "no-store" in response["Cache-Control"]


def test_a_change_returns_to_the_check_page(patient: Client, journey: Journey) -> None:
    submission = journey("V07")
    answers = {**vignette_answers("V07"), "pain_score_now": 6}
    url = step_url(submission, "where_it_hurts") + "?return=check"
    page = patient.get(url).content.decode()
    assert f'href="/intake/{submission.token}/check/"' in page  # back goes to the check page
    response = patient.post(url, step_post_data("where_it_hurts", answers))
    assert response["Location"] == f"/intake/{submission.token}/check/"
    submission.refresh_from_db()
    assert submission.answers["pain_score_now"] == 6


def test_a_change_that_reveals_new_questions_asks_them_first(
    patient: Client, journey: Journey
) -> None:
    submission = journey("V48")
    # Saying the leg is swollen reveals "which leg" and the dent test on the same page; posting
    # without them is an error there. Saying you now walk with pain reveals the ECQ questions.
    answers = {**vignette_answers("V48"), "rls1_urge": "yes"}
    for code in ("rls2_rest", "rls3_movement", "rls4_evening", "rls5_mimic", "rls_frequency"):
        answers[code] = None
    url = step_url(submission, "better_worse") + "?return=check"
    response = patient.post(url, step_post_data("better_worse", answers))
    assert response.status_code == 200
    assert 'href="#id_rls2_rest_0"' in response.content.decode()


def test_sending_creates_one_submission_even_when_posted_twice(
    patient: Client, journey: Journey
) -> None:
    submission = journey("V19")
    url = f"/intake/{submission.token}/check/"
    first = patient.post(url, CONSENT)
    second = patient.post(url, CONSENT)
    assert first["Location"] == second["Location"] == f"/intake/{submission.token}/done/"
    assert Submission.objects.count() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.reference is not None
    assert re.fullmatch(r"LEG-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", submission.reference)
    # One staff alert (URGENT DVT) and one receipt, never two.
    kinds = sorted(Notification.objects.values_list("kind", "channel"))
    assert kinds == [("patient_receipt", "email"), ("staff_alert", "email"), ("staff_alert", "sms")]


def test_consent_must_be_given_to_send(patient: Client, journey: Journey) -> None:
    submission = journey("V07")
    response = patient.post(f"/intake/{submission.token}/check/", {**CONSENT, "consent_true": "no"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    submission.refresh_from_db()
    assert submission.is_draft


def test_a_sent_form_cannot_be_edited(patient: Client, journey: Journey) -> None:
    submission = journey("V07", send=True)
    before = dict(submission.answers)
    response = patient.post(
        step_url(submission, "where_it_hurts"),
        step_post_data("where_it_hurts", {**vignette_answers("V07"), "pain_score_now": 9}),
    )
    assert response["Location"] == f"/intake/{submission.token}/done/"
    submission.refresh_from_db()
    assert submission.answers == before


def test_confirmation_page_shows_reference_next_steps_and_summary(
    patient: Client, journey: Journey, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submission = journey("V07", send=True)
    html = patient.get(f"/intake/{submission.token}/done/").content.decode()
    assert submission.reference is not None and submission.reference in html
    assert "We will offer you an appointment" in html  # SOON tier footer
    assert "Print your answers" in html
    assert "Do you get it if you walk uphill or hurry?" in html
    assert [m.subject for m in mail.outbox] == [
        f"Vascular Clinic: we have your answers ({submission.reference})"
    ]


def test_the_submission_stores_the_engine_result(journey: Journey) -> None:
    submission = journey("V02", send=True)
    assert submission.tier == submission.engine_tier == "EMERGENCY"
    assert set(submission.fired_rules) == {"EMG_PE", "URG_DVT"}
    assert submission.ruleset_version == "2026.2"
    assert submission.scores["p_wells"] == 2
    assert submission.reasons[0]["code"] == "EMG_PE"
    assert submission.patient is not None
    assert submission.patient.full_name == IDENTITY["full_name"]
    # What the patient was told is not stored as text: the rule codes are, and it is rendered.
    assert not hasattr(submission, "patient_message")
    assert submission.language == "en-gb"


def test_pages_with_answers_are_never_cached_and_urls_hold_no_answers(
    patient: Client, journey: Journey
) -> None:
    submission = journey("V07")
    for url in (step_url(submission, "about_you"), f"/intake/{submission.token}/check/"):
        response = patient.get(url)
        assert "no-store" in response["Cache-Control"]
    # Cookies hold only the session id and CSRF token: no answers.
    for morsel in patient.cookies.values():
        assert IDENTITY["email"] not in morsel.value
        assert "calf" not in morsel.value


def test_csrf_is_enforced_on_every_post() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/start/").status_code == 403


def test_the_honeypot_field_refuses_bots(patient: Client) -> None:
    assert patient.post("/start/", {"website": "http://spam.example"}).status_code == 400
    assert not Submission.objects.exists()


@override_settings(CLINIC_DRAFTS_PER_HOUR=3)
def test_starting_drafts_is_rate_limited_per_address(patient: Client) -> None:
    codes = [patient.post("/start/").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    page = patient.post("/start/")
    assert "Too many forms started" in page.content.decode()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.44")
    assert other.post("/start/").status_code == 302


def test_an_unknown_step_is_404(patient: Client) -> None:
    submission = start(patient)
    assert patient.get(step_url(submission, "not_a_step")).status_code == 404
    assert patient.get("/intake/nonexistent-token/about_you/").status_code == 404


def test_a_forged_drafts_cookie_opens_nothing(patient: Client, other_patient: Client) -> None:
    # Sam copies Alex's token into an unsigned cookie: the signature check refuses it.
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="red_flags")
    other_patient.cookies["intake_drafts"] = submission.token
    response = other_patient.get(step_url(submission, "about_you"))
    assert response["Location"] == f"/resume/{submission.token}/"


def test_the_drafts_cookie_is_http_only_and_holds_only_the_token(patient: Client) -> None:
    submission = start(patient)
    cookie = patient.cookies["intake_drafts"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie.value.split(":")[0] == submission.token


def test_a_superscript_digit_in_the_nhs_number_is_an_error_not_a_crash(patient: Client) -> None:
    submission = start(patient)
    data = step_post_data("about_you", vignette_answers())
    data["nhs_number"] = "943 476 591²"
    response = patient.post(step_url(submission, "about_you"), data)
    assert response.status_code == 200
    assert "Enter a valid 10-digit NHS number" in response.content.decode()
