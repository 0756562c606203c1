"""Fuzzing the patient pages: a thousand random POSTs, and never a server error.

Unknown fields, missing fields, wrong types, huge values, lists where one value is wanted and
pages out of order must all end in a page with a message or a redirect, never a 5xx, and never
save anything that fails validation.
"""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import steps, triage
from intake.models import Submission
from tests.intake.conftest import fill_until, start
from tests.journey import vignette_answers

pytestmark = pytest.mark.django_db

FIELD_NAMES = [q.code for q in triage.QUESTIONS] + [
    "full_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_contact",
    "nhs_number",
    "gp_practice",
    "action",
    "website",
    "csrfmiddlewaretoken",
]
CHOICE_CODES = sorted({c.code for q in triage.QUESTIONS for c in q.choices})
PAGES = [s.code for s in steps.STEPS] + ["check", "urgent", "done", "saved", "adults-only"]

values = st.one_of(
    st.sampled_from(CHOICE_CODES),
    st.text(max_size=30),
    st.text(min_size=2000, max_size=6000),  # over every length limit
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["", " ", "1980-02-30", "0000-00-00", "9" * 400, "none", "\x00", "'; --"]),
    st.sampled_from(["yes", "no", "not_sure", "continue", "save_for_later"]),
)
payloads = st.dictionaries(
    keys=st.one_of(st.sampled_from(FIELD_NAMES), st.text(min_size=1, max_size=20)),
    values=st.one_of(values, st.lists(values, max_size=4)),
    max_size=25,
)


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(page=st.sampled_from(PAGES), payload=payloads, filled=st.booleans())
def test_random_posts_never_cause_a_server_error(
    page: str, payload: dict[str, object], filled: bool
) -> None:
    client, submission = CLIENTS[filled]
    response = client.post(f"/intake/{submission.token}/{page}/", payload)
    assert response.status_code < 500, (page, payload)
    # Random input can be valid, but it is never stored unvalidated: answers stay codes.
    submission.refresh_from_db()
    assert triage.validate(submission.answers) == []


CLIENTS: dict[bool, tuple[Client, Submission]] = {}


@pytest.fixture(autouse=True)
def _two_drafts() -> None:
    """One fresh draft and one filled up to the check page, each in its own browser."""
    fresh_client, filled_client = Client(), Client()
    CLIENTS[False] = (fresh_client, start(fresh_client))
    filled = start(filled_client)
    fill_until(filled_client, filled, vignette_answers("V07"))
    CLIENTS[True] = (filled_client, filled)


def test_random_posts_to_start_and_resume_never_cause_a_server_error() -> None:
    client = Client()
    submission = CLIENTS[True][1]
    for payload in (
        {"website": ["a", "b"]},
        {"date_of_birth": "x" * 5000},
        {"date_of_birth": ["1961-04-12", "1970-01-01"]},
        {"date_of_birth": "1961-02-30"},
        {},
    ):
        assert client.post("/start/", payload).status_code < 500
        assert client.post(f"/resume/{submission.token}/", payload).status_code < 500
