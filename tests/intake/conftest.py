"""Fixtures for the patient journey: a patient's browser and helpers to fill in the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from intake import steps
from intake.models import Submission
from tests.journey import CONSENT, IDENTITY, step_post_data, vignette_answers


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate-limit counters live in the cache; each test starts from zero.
    cache.clear()


@pytest.fixture
def patient() -> Client:
    """Alex, filling in the form in their own browser."""
    return Client()


@pytest.fixture
def other_patient() -> Client:
    """Sam, in another browser: must never see Alex's form without Alex's date of birth."""
    return Client()


def start(client: Client) -> Submission:
    response = client.post("/start/")
    assert response.status_code == 302
    token = response["Location"].split("/")[2]
    return Submission.objects.get(token=token)


def step_url(submission: Submission, step: str) -> str:
    """A page's address from its key: "about_you", "red_flags" (the safety check's first page),
    "red_flags/breathing"..."""
    return f"/intake/{submission.token}/{step}/"


def fill_until(
    client: Client,
    submission: Submission,
    answers: dict[str, Any],
    *,
    stop_before: str | None = None,
    identity: dict[str, Any] | None = None,
) -> Any:
    """Post each applicable page in order, up to the page `stop_before` (a page key, see
    `step_url`); returns the last response."""
    response = None
    for page in steps.PAGES:
        if page.key == stop_before:
            break
        submission.refresh_from_db()
        if not page.applies(submission.answers):
            continue
        response = client.post(
            step_url(submission, page.key), step_post_data(page.key, answers, identity)
        )
        assert response.status_code == 302, (page.key, _errors(response))
    return response


def _errors(response: Any) -> list[str]:
    """The error-summary lines of a page, for assertion messages."""
    import re

    return re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', response.content.decode())


@pytest.fixture
def journey(patient: Client) -> Callable[..., Submission]:
    """Start a draft as `patient` and fill every page from a vignette's answers."""

    def run(vignette: str | None = None, *, send: bool = False, **overrides: Any) -> Submission:
        answers = {**vignette_answers(vignette), **overrides}
        submission = start(patient)
        fill_until(patient, submission, answers)
        if send:
            response = patient.post(f"/intake/{submission.token}/check/", CONSENT)
            assert response.status_code == 302, response.content[:3000]
        submission.refresh_from_db()
        return submission

    return run


__all__ = ["CONSENT", "IDENTITY", "fill_until", "start", "step_url"]
