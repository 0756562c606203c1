"""Shared fixtures and the CI guard."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from tests.ci_guard import ci_problems
from tests.servers import PrivateRedis, private_redis


@pytest.fixture(scope="session", autouse=True)
def _ci_guard() -> None:
    """Stop the whole run under CI=true unless it is on PostgreSQL and a reachable Redis."""
    from intake.questionnaire import health

    problems = ci_problems(
        ci=os.environ.get("CI", "").lower() == "true",
        vendor=connection.vendor,
        eager_tasks=settings.TASKS_IN_PROCESS,
        broker_reachable=lambda: health.broker_status() == health.OK,
    )
    if problems:
        pytest.exit("CI guard: " + " ".join(problems), returncode=3)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_log_triggers() -> Iterator[None]:
    """Transactional tests end with Django's flush: one TRUNCATE of every table. On PostgreSQL
    the audit log refuses TRUNCATE (intake migration 0019), as it must: `manage.py flush` is
    refused on a clinic's database too. The test suite's own flush, and only it, runs with
    triggers off for its transaction (`session_replication_role`, as the suite's superuser)."""
    if connection.vendor != "postgresql":
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def flush_without_triggers(self: DatabaseOperations, sql_list: list[str]) -> None:
        flush(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", flush_without_triggers)
        yield


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    """A private Redis on a spare port; the test may stop it (never the machine's own Redis)."""
    with private_redis() as server:
        yield server


# --- Staff personas (groups of intake/roles.py, created by migrations) -----------------------


@pytest.fixture
def receptionist(db: None) -> User:
    """Rita books appointments: identity, contact, tier and status; never the answers."""
    from intake import roles
    from tests.factories import staff_user

    return staff_user("rita", roles.RECEPTIONIST)


@pytest.fixture
def triage_nurse(db: None) -> User:
    """Tess triages: every clinical detail, and the workflow."""
    from intake import roles
    from tests.factories import staff_user

    return staff_user("tess", roles.TRIAGE_CLINICIAN)


@pytest.fixture
def clinic_admin(db: None) -> User:
    """Cleo runs the clinic's system: everything, including the audit log and users."""
    from intake import roles
    from tests.factories import staff_user

    return staff_user("cleo", roles.CLINIC_ADMIN)


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    """Like Django's mail.outbox: every test starts with no text messages sent."""
    from intake import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()
