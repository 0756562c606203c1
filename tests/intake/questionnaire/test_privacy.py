"""The privacy notice (issue 18): at /privacy/, with the clinic's details and retention periods
from the settings, linked from the step-1 question the patient agrees to (in a new tab, so the
page's answers are kept) and from every patient page's footer.

The notice in a browser (axe-core, the new tab, nothing typed lost) is in
tests/browser/test_form_behaviour.py; in the patient's language, tests/intake/test_pseudo_locale.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from intake.models import Submission
from intake.questionnaire.views import period_in_words
from tests.intake.conftest import fill_until, start, step_url
from tests.journey import vignette_answers

pytestmark = pytest.mark.django_db

PRIVACY_URL = "/privacy/"


def notice(client: Client | None = None) -> str:
    response = (client or Client()).get(PRIVACY_URL)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def new_tab_links_to_the_notice(html: str) -> list[str]:
    """The <a> tags to the notice that open in a new tab without a handle on this one, and
    whose text says they open in a new tab."""
    links = re.findall(r"<a [^>]*href=\"/privacy/\"[^>]*>[^<]*</a>", html)
    return [
        link
        for link in links
        if 'target="_blank"' in link
        and re.search(r'rel="[^"]*noopener', link)
        and "(opens in a new tab)" in link
    ]


def test_the_notice_is_at_privacy_under_its_url_name() -> None:
    assert reverse("intake:privacy") == PRIVACY_URL


def test_the_notice_says_who_why_how_long_the_rights_and_whom_to_ask() -> None:
    page = notice()
    # Who: the clinic, with its address and phone (settings).
    assert "Vascular Clinic is responsible for your information" in page
    assert "Outpatients Building" in page and "01632 960000" in page
    # Why: the lawful basis for health care.
    assert "UK GDPR Article 6(1)(e)" in page and "Article 9(2)(h)" in page
    # How long: from the retention settings (2922 days is 8 years).
    assert "8 years after your last contact with us" in page
    assert "90 days after it was sent" in page
    assert "7 days after you last saved it" in page
    # The rights, and the regulator.
    for right in ("access", "rectification", "erasure", "restriction", "objection"):
        assert f"({right})" in page
    assert '<a href="https://ico.org.uk/make-a-complaint/">' in page
    # Whom to ask, and how soon they answer.
    assert "Contact our data protection officer:" in page
    assert "We answer within one month." in page


@override_settings(
    CLINIC_RETENTION_DAYS=3653,
    CLINIC_MESSAGE_RETENTION_DAYS=30,
    CLINIC_AUDIT_RETENTION_DAYS=4000,
    CLINIC_DPO_NAME="Dana Okafor",
    CLINIC_DPO_EMAIL="dpo@clinic.example",
    CLINIC_DPO_ADDRESS="Information Governance, 1 High Street",
)
def test_the_clinics_own_periods_and_contact_come_from_the_settings() -> None:
    page = notice()
    assert "10 years after your last contact with us" in page
    assert "30 days after it was sent" in page
    assert "who looked at or changed your information: 4000 days" in page
    assert "Contact Dana Okafor, who looks after data protection for us:" in page
    assert '<a href="mailto:dpo@clinic.example">dpo@clinic.example</a>' in page
    assert "by post: Information Governance, 1 High Street" in page


def test_without_an_email_address_the_notice_gives_the_post_and_phone() -> None:
    page = notice()
    assert "mailto:" not in page
    assert "by post: Vascular Clinic, Outpatients Building" in page  # CLINIC_ADDRESS
    assert 'by phone: <a href="tel:01632 960000">' in page


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (2922, "8 years"),
        (365, "1 year"),
        (366, "1 year"),
        (3653, "10 years"),
        (730, "2 years"),
        (90, "90 days"),
        (400, "400 days"),
        (1, "1 day"),
    ],
)
def test_a_period_reads_as_whole_years_when_it_is_one_else_days(days: int, words: str) -> None:
    assert period_in_words(days) == words


def test_the_step_1_question_the_patient_agrees_to_links_to_the_notice_in_a_new_tab(
    patient: Client,
) -> None:
    # The page's answers are saved only by Continue: the link must not take the page away.
    html = patient.get(step_url(start(patient), "about_you")).content.decode()
    question = html.split('data-question="privacy_ack"', 1)[1].split('class="question"', 1)[0]
    hint = re.search(r'<div id="id_privacy_ack_helptext" class="form-text">(.*?)</div>', question)
    assert hint is not None
    assert new_tab_links_to_the_notice(hint.group(1))
    assert 'aria-describedby="id_privacy_ack_helptext"' in question
    assert "Read our privacy notice (opens in a new tab)" in hint.group(1)


def test_every_patient_page_links_to_the_notice_from_its_footer(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    draft = start(patient)
    fill_until(patient, draft, vignette_answers(), stop_before="red_flags")
    sent = journey("V07", send=True)
    pages = {
        "start": (patient, "/"),
        "a step": (patient, step_url(draft, "red_flags")),
        "done": (patient, f"/intake/{sent.token}/done/"),
        "resume on another device": (Client(), f"/resume/{draft.token}/"),
        "the notice itself": (patient, PRIVACY_URL),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        footer = response.content.decode().split("<footer", 1)[1]
        assert new_tab_links_to_the_notice(footer), name


def test_the_start_page_links_to_the_notice() -> None:
    html = " ".join(Client().get("/").content.decode().split())
    assert 'Our <a href="/privacy/">privacy notice</a> says how long we keep' in html
