"""The CI guard refuses SQLite and a missing or unreachable broker under CI=true."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection

from intake.questionnaire import health
from tests.ci_guard import ci_problems


def reachable() -> bool:
    return True


def unreachable() -> bool:
    return False


def test_ci_guard_refuses_sqlite_under_ci() -> None:
    problems = ci_problems(ci=True, vendor="sqlite", eager_tasks=False, broker_reachable=reachable)
    assert len(problems) == 1
    assert "PostgreSQL" in problems[0]


def test_ci_guard_refuses_in_process_tasks_under_ci() -> None:
    problems = ci_problems(
        ci=True, vendor="postgresql", eager_tasks=True, broker_reachable=reachable
    )
    assert problems == ["CI=true but CELERY_BROKER_URL is not set: point it at the Redis server."]


def test_ci_guard_refuses_an_unreachable_broker_under_ci() -> None:
    problems = ci_problems(
        ci=True, vendor="postgresql", eager_tasks=False, broker_reachable=unreachable
    )
    assert problems == ["CI=true but the broker at CELERY_BROKER_URL is unreachable."]


def test_ci_guard_accepts_postgresql_and_redis_under_ci() -> None:
    assert (
        ci_problems(ci=True, vendor="postgresql", eager_tasks=False, broker_reachable=reachable)
        == []
    )


def test_ci_guard_lets_a_developer_run_on_sqlite_outside_ci() -> None:
    problems = ci_problems(
        ci=False, vendor="sqlite", eager_tasks=True, broker_reachable=unreachable
    )
    assert problems == []


def test_this_run_satisfies_the_ci_guard() -> None:
    # Under CI this asserts the real stack: PostgreSQL, and a Redis that answers.
    ci = os.environ.get("CI", "").lower() == "true"
    problems = ci_problems(
        ci=ci,
        vendor=connection.vendor,
        eager_tasks=settings.TASKS_IN_PROCESS,
        broker_reachable=lambda: health.broker_status() == health.OK,
    )
    assert problems == []
    if ci:
        assert connection.vendor == "postgresql"
