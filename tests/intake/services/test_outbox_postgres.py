"""The sender's lock query stays a primary-key lookup on PostgreSQL, whatever the statistics.

With `status = 'pending'` in its WHERE, statistics taken while few rows were pending made
PostgreSQL read the partial index of pending rows and filter on the id: one scan of the whole
backlog per message sent, exactly when a backlog (after a broker outage) is being worked off.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import Notification, Submission
from intake.services import outbox
from tests.factories import SubmissionFactory
from tests.support.databases import needs_postgresql

pytestmark = [
    needs_postgresql("its query planner is what is tested"),
    pytest.mark.django_db(transaction=True),
]


def _lock_query(captured: list[dict[str, str]]) -> str:
    return next(q["sql"] for q in captured if "FOR UPDATE" in q["sql"])


def _rows(submission: Submission, count: int, status: str) -> list[Notification]:
    return Notification.objects.bulk_create(
        Notification(
            submission=submission,
            kind=Notification.Kind.PATIENT_RECEIPT,
            recipient=f"{status}-{i}@example.invalid",
            template="patient_receipt",
            status=status,
            due_at=timezone.now(),
        )
        for i in range(count)
    )


def test_sending_locks_its_row_by_primary_key_even_behind_a_backlog_with_stale_statistics() -> None:
    submission = SubmissionFactory()
    # Statistics taken in calm times: plenty sent, nothing pending. Then an outage's backlog.
    _rows(submission, 5000, Notification.Status.SENT)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_notification")
    backlog = _rows(submission, 3000, Notification.Status.PENDING)
    with CaptureQueriesContext(connection) as captured:
        assert outbox.notification_send(notification_id=backlog[-1].pk).sent
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {_lock_query(captured.captured_queries)}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond: (id = " in plan, plan
    assert "notification_pending_due_idx" not in plan, plan
