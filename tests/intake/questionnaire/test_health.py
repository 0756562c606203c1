"""GET /healthz: database, broker and cache status for load balancers and monitoring.

The database and the broker are required (503 without either); the cache is not: with it down
the instance still serves patients, so the answer is 200 with "status": "degraded"."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from tests.servers import PrivateRedis, free_port, redis_cache

pytestmark = pytest.mark.django_db


@override_settings(TASKS_IN_PROCESS=True)
def test_healthz_reports_database_ok_and_tasks_in_process(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "broker": "in-process",
        "cache": "ok",  # the local-memory cache of the demo and the tests
        "status": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_reachable_broker_ok(client: Client, redis_server: PrivateRedis) -> None:
    with override_settings(TASKS_IN_PROCESS=False, CELERY_BROKER_URL=redis_server.url):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "ok", "status": "ok"}


def test_healthz_is_503_when_the_broker_server_stops(
    client: Client, redis_server: PrivateRedis
) -> None:
    with override_settings(TASKS_IN_PROCESS=False, CELERY_BROKER_URL=redis_server.url):
        assert client.get("/healthz").status_code == 200
        redis_server.stop()
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "unreachable",
        "cache": "ok",
        "status": "unavailable",
    }
    # A load balancer must get its answer fast, not after kombu's default retries.
    assert elapsed < 3


def test_healthz_is_503_when_no_broker_listens_at_the_url(client: Client) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(TASKS_IN_PROCESS=False, CELERY_BROKER_URL=url):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"


@override_settings(TASKS_IN_PROCESS=True)
def test_healthz_is_503_naming_the_database_when_it_is_unreachable(client: Client) -> None:
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused")
    with mock.patch("intake.questionnaire.health.connection", broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable",
        "broker": "in-process",
        "cache": "ok",
        "status": "unavailable",
    }


@override_settings(TASKS_IN_PROCESS=True)
def test_healthz_reports_a_reachable_redis_cache_ok(
    client: Client, redis_server: PrivateRedis
) -> None:
    with override_settings(CACHES=redis_cache(redis_server.url)):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "ok"
    assert response.json()["status"] == "ok"


@override_settings(TASKS_IN_PROCESS=True)
def test_healthz_stays_200_but_degraded_when_the_cache_server_stops(
    client: Client, redis_server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    # Patients are still served without the cache (the rate limit fails open), so a load
    # balancer must keep sending them here; monitoring reads "degraded" and the cache's word.
    with override_settings(CACHES=redis_cache(redis_server.url)):
        assert client.get("/healthz").json()["cache"] == "ok"
        redis_server.stop()
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "broker": "in-process",
        "cache": "unreachable",
        "status": "degraded",
    }
    assert elapsed < 3
    assert "health check: cache unreachable" in caplog.text


def test_healthz_is_503_when_the_database_is_down_and_names_the_dead_cache_too(
    client: Client,
) -> None:
    # A required part down wins over a degraded one: 503, and every part named.
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused")
    url = f"redis://127.0.0.1:{free_port()}/0"
    with (
        override_settings(TASKS_IN_PROCESS=True, CACHES=redis_cache(url)),
        mock.patch("intake.questionnaire.health.connection", broken),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable",
        "broker": "in-process",
        "cache": "unreachable",
        "status": "unavailable",
    }
