"""GET /healthz: database and broker status for load balancers and monitoring."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from tests.servers import PrivateRedis, free_port

pytestmark = pytest.mark.django_db


@override_settings(TASKS_IN_PROCESS=True)
def test_healthz_reports_database_ok_and_tasks_in_process(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "in-process"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_reachable_broker_ok(client: Client, redis_server: PrivateRedis) -> None:
    with override_settings(TASKS_IN_PROCESS=False, CELERY_BROKER_URL=redis_server.url):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


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
    assert response.json() == {"database": "ok", "broker": "unreachable"}
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
    assert response.json() == {"database": "unreachable", "broker": "in-process"}
