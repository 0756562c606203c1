"""A dead cache or broker never fails a patient (issue 17).

The cache holds only the rate limit's counters; with it down (a private Redis, stopped) or hung,
"Start now" still gives the patient their first page, and a warning says the limit is off. The
broker's side (the outbox) has its own tests: tests/intake/services/test_outbox_workers.py
(Redis stopped before "Send") and test_outbox.py; the last test here has both down at once.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
import redis
from django.http import HttpResponseBase
from django.test import Client, RequestFactory, override_settings

from intake import steps
from intake.models import Notification, Submission
from intake.questionnaire import ratelimit
from tests.servers import PrivateRedis, free_port, redis_cache
from tests.workers import live_broker

FIRST_STEP = steps.QUESTION_STEPS[0].code
RATELIMIT_LOGGER = "intake.questionnaire.ratelimit"


def first_step_of(response: HttpResponseBase) -> Submission:
    """The draft a "Start now" response leads to, having checked it leads to the first page."""
    location = response["Location"]
    token = location.split("/")[2]
    assert location == f"/intake/{token}/{FIRST_STEP}/"
    return Submission.objects.get(token=token)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == RATELIMIT_LOGGER]


@pytest.mark.django_db
def test_start_now_with_the_cache_server_stopped_gives_the_first_page(
    patient: Client, redis_server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(CACHES=redis_cache(redis_server.url)):
        assert patient.post("/start/").status_code == 302  # counted in the live cache
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger=RATELIMIT_LOGGER):
            response = patient.post("/start/")
            assert response.status_code == 302
            draft = first_step_of(response)
            # ... and the form goes on: the first page opens and saves.
            assert patient.get(response["Location"]).status_code == 200
    assert draft.status == Submission.Status.DRAFT
    [warning] = warnings_of(caplog)
    assert warning == (
        "rate limit 'start' not applied: the cache is unreachable (ConnectionError); "
        "request allowed"
    )


@pytest.mark.django_db
def test_start_now_with_no_cache_server_at_the_address_gives_the_first_page(
    patient: Client,
) -> None:
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        response = patient.post("/start/")
    assert response.status_code == 302
    first_step_of(response)


@pytest.fixture
def hung_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: a hung Redis."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.mark.django_db
def test_a_hung_cache_server_holds_start_now_for_about_a_second_at_most(
    patient: Client, hung_server: str
) -> None:
    with override_settings(CACHES=redis_cache(hung_server)):
        started = time.monotonic()
        response = patient.post("/start/")
        took = time.monotonic() - started
    assert response.status_code == 302
    first_step_of(response)
    assert took < 2.5, f"Start now took {took:.2f} s with the cache hung"


def test_the_rate_limit_fails_open_on_any_cache_error_and_logs_no_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = RequestFactory().post("/start/", REMOTE_ADDR="203.0.113.77")
    broken = mock.MagicMock()
    broken.add.side_effect = redis.exceptions.TimeoutError("Timeout reading from socket")
    with (
        mock.patch.object(ratelimit, "cache", broken),
        caplog.at_level(logging.WARNING, logger=RATELIMIT_LOGGER),
    ):
        assert ratelimit.hit("start", request, limit=1, window_seconds=60) is True
        assert ratelimit.hit("start", request, limit=1, window_seconds=60) is True
    warnings = warnings_of(caplog)
    assert len(warnings) == 2
    assert all("TimeoutError" in line for line in warnings)
    assert not any("203.0.113.77" in line for line in warnings)


def test_the_rate_limit_fails_open_when_the_count_itself_fails() -> None:
    # The key exists (add refused), then the server goes away before incr.
    request = RequestFactory().post("/start/")
    broken = mock.MagicMock()
    broken.add.return_value = False
    broken.incr.side_effect = redis.exceptions.ConnectionError("Connection refused")
    with mock.patch.object(ratelimit, "cache", broken):
        assert ratelimit.hit("start", request, limit=1, window_seconds=60) is True


@pytest.mark.django_db(transaction=True)
def test_a_whole_form_is_started_filled_and_sent_with_the_cache_and_the_broker_down(
    journey: Callable[..., Submission], redis_server: PrivateRedis
) -> None:
    # One Redis as both (the README's production set-up), stopped before the patient starts.
    redis_server.stop()
    with (
        override_settings(CACHES=redis_cache(redis_server.url)),
        live_broker(redis_server.url),
    ):
        started = time.monotonic()
        sent = journey("V19", send=True)  # suspected DVT: URGENT, with an on-call alert
        took = time.monotonic() - started
    assert sent.status == Submission.Status.SUBMITTED and sent.reference
    # The messages wait in the outbox for the broker (the sweep sends them when it is back).
    rows = Notification.objects.filter(submission=sent)
    assert rows.exists() and all(row.status == "pending" for row in rows)
    assert took < 10, f"the whole form took {took:.2f} s with Redis down"
