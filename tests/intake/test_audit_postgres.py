"""On PostgreSQL the audit log cannot be emptied or rewritten (issue 17).

- A statement-level trigger refuses TRUNCATE of `intake_auditevent` (migration 0020), alone or
  with other tables, whoever asks; 0004's row trigger still refuses UPDATE and DELETE.
- docs/operations.md's least-privilege set-up: a role granted exactly what its SQL block grants
  (the block is read from the docs and run as written, so the two cannot drift) can read and
  append audit events, and run the app (a form is sent), but UPDATE, DELETE and TRUNCATE of the
  audit log, and disabling its triggers, are refused.

Skipped on SQLite (no triggers, roles or privileges there), run in CI. The role is made with a
unique name inside the test's transaction and dropped at the end (the rollback would drop it
too): nothing is left in the shared cluster.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from intake.models import AuditEvent, Submission
from intake.services import drafts, sending
from tests.intake.services.helpers import NOW, filled_draft
from tests.journey import CONSENT
from tests.support.databases import needs_postgresql

pytestmark = needs_postgresql("triggers, roles and privileges")

DOCS = Path(settings.BASE_DIR) / "docs" / "operations.md"
GRANTS_MARKER = "<!-- least-privilege-grants:"
REFUSED_BY_TRIGGER = "the audit log is append-only"
PERMISSION_DENIED = "permission denied|must be owner"


def grants_from_the_docs() -> str:
    """The SQL block that follows the marker in docs/operations.md, as written there."""
    text = DOCS.read_text(encoding="utf-8")
    assert GRANTS_MARKER in text, "docs/operations.md lost its least-privilege grants block"
    after = text.split(GRANTS_MARKER, 1)[1]
    block = re.search(r"```sql\n(.*?)```", after, re.DOTALL)
    assert block is not None
    return block.group(1)


def audit_events(count: int = 2) -> list[AuditEvent]:
    return [
        AuditEvent.objects.create(action=AuditEvent.Action.VIEW, object_repr=f"event {n}")
        for n in range(count)
    ]


def refused(sql: str, match: str) -> None:
    """`sql` fails with `match`, and the test's transaction carries on (a savepoint)."""
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


# --- The triggers -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_truncating_the_audit_log_is_refused_and_its_rows_stay() -> None:
    kept = audit_events()
    refused("TRUNCATE intake_auditevent", REFUSED_BY_TRIGGER)
    refused("TRUNCATE intake_auditevent RESTART IDENTITY CASCADE", REFUSED_BY_TRIGGER)
    # With other tables, as Django's flush or a careless clean-up would.
    refused("TRUNCATE intake_notification, intake_auditevent", REFUSED_BY_TRIGGER)
    assert list(AuditEvent.objects.order_by("id")) == kept


@pytest.mark.django_db
def test_updating_or_deleting_audit_rows_is_still_refused() -> None:
    kept = audit_events(1)
    refused("UPDATE intake_auditevent SET action = 'login'", REFUSED_BY_TRIGGER)
    refused("DELETE FROM intake_auditevent", REFUSED_BY_TRIGGER)
    assert list(AuditEvent.objects.all()) == kept
    assert AuditEvent.objects.get().action == AuditEvent.Action.VIEW


def _truncate_trigger_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'intake_auditevent_no_truncate'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_the_truncate_trigger_comes_and_goes_with_its_migration() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    assert _truncate_trigger_exists()
    executor.migrate([("intake", "0019_audit_actor_kind_and_bulk_changes_audited")])
    assert not _truncate_trigger_exists()
    MigrationExecutor(connection).migrate(latest)
    assert _truncate_trigger_exists()


# --- The app's role, as docs/operations.md sets it up ----------------------------------------


@contextmanager
def app_role() -> Iterator[str]:
    """A throwaway role granted exactly the docs' block; dropped afterwards."""
    role = f"clinic_app_test_{secrets.token_hex(6)}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        row = cursor.fetchone()
        assert row is not None
        owner = str(row[0])  # the test database's tables belong to the test run's user
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            grants = grants_from_the_docs()
            assert "clinic_app" in grants and "clinic_owner" in grants
            cursor.execute(grants.replace("clinic_app", role).replace("clinic_owner", owner))
            yield role
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {role}")  # its grants and default privileges
            cursor.execute(f"DROP ROLE {role}")


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
        try:
            yield
        finally:
            cursor.execute("RESET ROLE")


def refused_as(role: str, sql: str, match: str = PERMISSION_DENIED) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"SET ROLE {role}")  # undone with the savepoint
        cursor.execute(sql)


@pytest.mark.django_db
def test_the_apps_role_can_append_to_the_audit_log_but_not_change_or_empty_it() -> None:
    existing = audit_events(1)[0]
    with app_role() as role:
        with acting_as(role):
            added = AuditEvent.objects.create(action=AuditEvent.Action.VIEW, object_repr="app")
            assert AuditEvent.objects.count() == 2  # SELECT
        for sql in (
            "UPDATE intake_auditevent SET action = 'login'",
            "DELETE FROM intake_auditevent",
            "TRUNCATE intake_auditevent",
            "ALTER TABLE intake_auditevent DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",  # how the test suite's own flush passes
        ):
            refused_as(role, sql)
    assert {e.pk for e in AuditEvent.objects.all()} == {existing.pk, added.pk}
    assert AuditEvent.objects.get(pk=existing.pk).action == AuditEvent.Action.VIEW


@pytest.mark.django_db
def test_the_apps_role_runs_the_app() -> None:
    """The grants are enough for the patient's journey and the daily purge: a draft saved and
    sent (patient, submission, outbox and audit rows) and an expired draft deleted."""
    with app_role() as role, acting_as(role):
        sent = sending.submission_submit(
            submission=filled_draft("V19"), consent_answers=CONSENT, now=NOW
        )
        Submission.objects.create(token="expired", expires_at=NOW)
        assert drafts.submission_purge_expired_drafts(now=NOW.replace(year=NOW.year + 1)) == 1
    assert sent.status == Submission.Status.SUBMITTED
    assert AuditEvent.objects.filter(submission_id=sent.pk, actor_kind="patient").exists()


@pytest.mark.django_db
def test_tables_a_later_migration_creates_are_the_apps_to_use_too() -> None:
    with app_role() as role:
        with connection.cursor() as cursor:  # as the owner, as a migration would
            cursor.execute("CREATE TABLE intake_probe (id bigint GENERATED BY DEFAULT AS IDENTITY)")
        with acting_as(role), connection.cursor() as cursor:
            cursor.execute("INSERT INTO intake_probe DEFAULT VALUES")
            cursor.execute("DELETE FROM intake_probe")
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE intake_probe")
