"""Shared fixtures and the CI guard."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection

from tests.ci_guard import ci_problems
from tests.servers import PrivateRedis, private_redis


@pytest.fixture(scope="session", autouse=True)
def _ci_guard() -> None:
    """Stop the whole run under CI=true unless it is on PostgreSQL and a reachable Redis."""
    from intake import health

    problems = ci_problems(
        ci=os.environ.get("CI", "").lower() == "true",
        vendor=connection.vendor,
        eager_tasks=settings.CELERY_TASK_ALWAYS_EAGER,
        broker_reachable=lambda: health.broker_status() == health.OK,
    )
    if problems:
        pytest.exit("CI guard: " + " ".join(problems), returncode=3)


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    """A private Redis on a spare port; the test may stop it (never the machine's own Redis)."""
    with private_redis() as server:
        yield server
