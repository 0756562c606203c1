"""Issue 19: the confirmation page of a form with emergency advice leads with the red card; the
green "Your answers have been sent" panel comes second. Every number a patient may call is a
tel: link."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client, override_settings

from intake.models import Submission
from tests.intake.conftest import IDENTITY, start, step_url
from tests.journey import step_post_data, vignette_answers

pytestmark = pytest.mark.django_db


def test_an_emergency_confirmation_leads_with_the_red_card(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V02", send=True)  # EMERGENCY (EMG_PE)
    assert submission.tier == "EMERGENCY"
    html = patient.get(f"/intake/{submission.token}/done/").content.decode()
    card, panel = html.index("data-emergency-card"), html.index("data-confirmation-panel")
    assert card < panel
    # The page's one h1 is the advice; the title says both, the advice first.
    assert re.findall(r"<h1[^>]*>([^<]*)</h1>", html) == ["Call 999 now"]
    assert "<title>Call 999 now – Your answers have been sent" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert main.index('href="tel:999"') < main.index(submission.reference or "")
    assert "You may have a blood clot that has travelled to your lungs." in html


def test_other_confirmations_lead_with_the_green_panel(
    patient: Client, journey: Callable[..., Submission]
) -> None:
    submission = journey("V07", send=True)  # SOON
    html = patient.get(f"/intake/{submission.token}/done/").content.decode()
    assert "data-emergency-card" not in html
    assert re.findall(r"<h1[^>]*>([^<]*)</h1>", html) == ["Your answers have been sent"]


@override_settings(CLINIC_EMERGENCY_NUMBER="112")
def test_the_emergency_number_is_a_tel_link_on_the_pages_that_name_it(patient: Client) -> None:
    child = start(patient)
    patient.post(
        step_url(child, "about_you"),
        step_post_data(
            "about_you", vignette_answers(), {**IDENTITY, "date_of_birth": "2015-01-01"}
        ),
    )
    adults_only = patient.get(f"/intake/{child.token}/adults-only/").content.decode()
    assert 'call <a href="tel:112">112</a>.' in adults_only
    with override_settings(CLINIC_DRAFTS_PER_HOUR=0):
        too_many = patient.post("/start/").content.decode()
    assert 'call <a href="tel:112">112</a>.' in too_many
