"""On PostgreSQL old audit events go one way only: the function intake_audit_purge() (issue 18,
migration 0024).

- The app's role (docs/operations.md's grants, read from the docs as written) cannot DELETE
  audit rows, not even after setting the parameter the function sets; it can call the
  function, which deletes only the events older than its cut-off and refuses a cut-off less
  than 365 days ago.
- The trigger lets a delete through only inside the function: a role that has DELETE on the
  table (a set-up that forgot the REVOKE) and sets the parameter by hand is still refused,
  and the parameter is off again once the function returns.
- The whole retention job runs as the app's role.

Skipped on SQLite (no triggers, roles or functions there), run in CI.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from intake.models import AuditEvent, Submission
from intake.services import retention
from tests.intake.services.test_retention import audit_event, case, years_ago
from tests.intake.test_audit_postgres import (
    PERMISSION_DENIED,
    REFUSED_BY_TRIGGER,
    acting_as,
    app_role,
    refused_as,
)
from tests.support.databases import needs_postgresql

pytestmark = needs_postgresql("triggers, roles and SECURITY DEFINER functions")

TOO_RECENT = "the cut-off must be at least 365 days ago"


def purge(before: dt.datetime | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT intake_audit_purge(%s)", [before])
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def events() -> set[str]:
    return set(AuditEvent.objects.values_list("object_repr", flat=True))


@pytest.fixture
def three_events() -> None:
    audit_event(9, "nine years ago")
    audit_event(2, "two years ago")
    audit_event(0, "today")


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
def test_the_apps_role_cannot_delete_audit_rows_even_with_the_functions_parameter_set() -> None:
    with app_role() as role:
        refused_as(role, "DELETE FROM intake_auditevent", PERMISSION_DENIED)
        refused_as(
            role,
            "SET LOCAL intake.audit_purge = 'on'; DELETE FROM intake_auditevent",
            PERMISSION_DENIED,
        )
    assert len(events()) == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
def test_the_apps_role_purges_through_the_function_only_what_is_older_than_the_cut_off() -> None:
    with app_role() as role, acting_as(role):
        assert purge(years_ago(8)) == 1
        assert purge(years_ago(8)) == 0  # idempotent
    assert events() == {"two years ago", "today"}


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
@pytest.mark.parametrize("days", [0, 30, 364])
def test_the_function_refuses_a_cut_off_less_than_a_year_ago(days: int) -> None:
    with app_role() as role:
        refused_as(role, f"SELECT intake_audit_purge(now() - interval '{days} days')", TOO_RECENT)
        refused_as(role, "SELECT intake_audit_purge(NULL)", TOO_RECENT)
    assert len(events()) == 3


@contextmanager
def role_with_delete() -> Iterator[str]:
    """A role granted DELETE on the audit log outright: a set-up that forgot the REVOKE."""
    role = f"clinic_careless_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            cursor.execute(f"GRANT SELECT, DELETE ON intake_auditevent TO {role}")
            yield role
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
def test_setting_the_parameter_by_hand_does_not_open_the_log_to_another_role() -> None:
    # The parameter alone would be forgeable (any role may set it): the trigger also wants the
    # function's owner as the current user, which only the function makes it.
    with role_with_delete() as role:
        refused_as(
            role,
            "SET LOCAL intake.audit_purge = 'on'; DELETE FROM intake_auditevent",
            REFUSED_BY_TRIGGER,
        )
    assert len(events()) == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
def test_the_parameter_is_off_again_once_the_function_returns() -> None:
    with transaction.atomic():
        assert purge(years_ago(8)) == 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('intake.audit_purge', true)")
            row = cursor.fetchone()
        assert row is not None and row[0] in (None, "")
        # The owner's own stray delete, later in the same transaction, is refused as ever.
        with (
            pytest.raises(DatabaseError, match=REFUSED_BY_TRIGGER),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM intake_auditevent")
    assert events() == {"two years ago", "today"}


@pytest.mark.django_db
def test_only_the_granted_role_may_call_the_function() -> None:
    # EXECUTE is revoked from PUBLIC: a role without the docs' grant cannot call it at all.
    role = f"clinic_other_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    try:
        refused_as(role, "SELECT intake_audit_purge(now() - interval '9 years')")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@pytest.mark.django_db
@pytest.mark.usefixtures("three_events")
def test_the_retention_job_runs_as_the_apps_role() -> None:
    gone, kept = case(9), case(7)
    with app_role() as role, acting_as(role):
        done = retention.retention_apply()
    assert done.counts["audit_events"] == 1 and done.counts["submissions"] == 1
    assert not Submission.objects.filter(pk=gone.pk).exists()
    assert Submission.objects.filter(pk=kept.pk).exists()
    assert "nine years ago" not in events()


def _purge_function_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('intake_audit_purge(timestamptz)') IS NOT NULL")
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_the_purge_function_comes_and_goes_with_its_migration() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    assert _purge_function_exists()
    executor.migrate([("intake", "0023_retention_run")])
    assert not _purge_function_exists()
    # 0004's trigger as it was: deletes refused, with no way through.
    AuditEvent.objects.create(action=AuditEvent.Action.VIEW, object_repr="kept")
    with pytest.raises(DatabaseError, match=REFUSED_BY_TRIGGER), connection.cursor() as cursor:
        cursor.execute("DELETE FROM intake_auditevent")
    MigrationExecutor(connection).migrate(latest)
    assert _purge_function_exists()
