"""The outbox (intake/services/outbox.py) in one process: sending exactly once, backoff and
failure, queueing (the broker down, the urgent queue), the sweep, and staff's "retry now".

Its tasks: tests/intake/test_tasks.py; against a real broker and real workers:
test_outbox_workers.py; the sender's lock query on PostgreSQL: test_outbox_postgres.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from intake import sms, tasks
from intake.models import AuditEvent, Notification
from intake.services import outbox
from tests.intake.services.helpers import NOW, receipt

pytestmark = pytest.mark.django_db

BROKEN = "tests.support.mail.BrokenBackend"


# --- Sending ------------------------------------------------------------------------------------


def test_a_pending_notification_is_sent_once_and_marked_sent() -> None:
    row = receipt()
    assert outbox.notification_send(notification_id=row.pk, now=NOW).sent
    assert not outbox.notification_send(notification_id=row.pk, now=NOW).sent
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    [message] = mail.outbox
    reference = row.submission.reference
    assert reference is not None
    assert message.to == ["alex@example.org"] and reference in message.subject
    # Text and HTML parts.
    assert reference in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and isinstance(html, str) and reference in html


def test_a_notification_not_yet_due_is_left_for_later() -> None:
    row = receipt(due_at=NOW + dt.timedelta(hours=1))
    assert not outbox.notification_send(notification_id=row.pk, now=NOW).sent
    assert mail.outbox == []
    assert outbox.notification_send(notification_id=row.pk, now=NOW + dt.timedelta(hours=1)).sent


def test_an_smtp_failure_counts_the_attempt_and_backs_off(settings: Settings) -> None:
    settings.EMAIL_BACKEND = BROKEN
    row = receipt()
    outcome = outbox.notification_send(notification_id=row.pk, now=NOW)
    assert not outcome.sent and outcome.retry_in is not None
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.due_at == NOW + dt.timedelta(seconds=outcome.retry_in)
    # A duplicate message arriving before the backoff is over does not try again early.
    assert outbox.notification_send(notification_id=row.pk, now=NOW).retry_in is None
    row.refresh_from_db()
    assert row.attempts == 1


def test_after_the_last_attempt_the_notification_is_failed(settings: Settings) -> None:
    settings.EMAIL_BACKEND = BROKEN
    settings.CLINIC_NOTIFICATION_MAX_ATTEMPTS = 3
    row = receipt()
    now = NOW
    for _attempt in range(3):
        outcome = outbox.notification_send(notification_id=row.pk, now=now)
        now += dt.timedelta(seconds=outcome.retry_in or 0)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 3
    assert outcome.retry_in is None  # no further retry is scheduled


@pytest.mark.parametrize("attempts", [1, 2, 3, 4, 5, 8, 12])
def test_retry_delays_grow_exponentially_with_jitter_and_a_cap(
    settings: Settings, attempts: int
) -> None:
    base = settings.CLINIC_NOTIFICATION_RETRY_BASE_SECONDS
    cap = settings.CLINIC_NOTIFICATION_RETRY_MAX_SECONDS
    step = min(cap, base * 2 ** (attempts - 1))
    delays = {outbox.retry_delay(attempts) for _ in range(200)}
    assert all(step / 2 <= d <= step for d in delays)
    assert len(delays) > 50  # jittered, not one fixed value


def test_the_recorded_error_never_holds_the_recipient(settings: Settings) -> None:
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    row = receipt(recipient="alex.smith@example.org")
    outbox.notification_send(notification_id=row.pk, now=NOW)
    row.refresh_from_db()
    assert "SMTPRecipientsRefused" in row.last_error
    assert "alex.smith@example.org" not in row.last_error and "<recipient>" in row.last_error


def test_a_failing_sms_backend_is_retried_like_email(settings: Settings) -> None:
    settings.CLINIC_SMS_BACKEND = "tests.intake.services.test_outbox.DownSmsBackend"
    row = receipt(
        kind=Notification.Kind.STAFF_ALERT, channel="sms", recipient="+4477", template="staff_alert"
    )
    outcome = outbox.notification_send(notification_id=row.pk, now=NOW)
    assert outcome.retry_in is not None
    row.refresh_from_db()
    assert row.attempts == 1 and "provider unavailable" in row.last_error


class DownSmsBackend(sms.BaseSmsBackend):
    def send_messages(self, messages: Sequence[sms.SmsMessage]) -> int:
        raise OSError("provider unavailable")


# --- Queueing -----------------------------------------------------------------------------------


def test_queueing_with_the_broker_down_returns_at_once_and_leaves_the_row_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = receipt()

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.send_notifications, "apply_async", refuse)
    outbox.reset_broker_pause()
    try:
        assert outbox.notification_enqueue(notifications=[row]) is False
        row.refresh_from_db()
        assert row.status == "pending"
    finally:
        outbox.reset_broker_pause()


def test_alerts_go_on_the_urgent_queue_and_the_rest_on_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        tasks.send_notifications, "apply_async", lambda **kw: seen.append(kw["queue"])
    )
    outbox.notification_enqueue(notifications=[receipt()])
    outbox.notification_enqueue(notifications=[receipt(kind=Notification.Kind.STAFF_ALERT)])
    outbox.notification_enqueue(notifications=[receipt(kind=Notification.Kind.ESCALATION)])
    assert seen == ["default", "urgent", "urgent"]


def test_a_group_with_an_alert_is_one_urgent_task_that_sends_the_alert_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.send_notifications, "apply_async", lambda **kw: seen.append(kw))
    first, alert = receipt(), receipt(kind=Notification.Kind.STAFF_ALERT)
    assert outbox.notification_enqueue(notifications=[first, alert])
    assert len(seen) == 1
    assert seen[0]["queue"] == "urgent"
    assert seen[0]["args"] == [[alert.pk, first.pk]]
    # What monitoring (flower, the broker) shows of the task: the ids, nothing about anyone.
    assert seen[0]["argsrepr"] == repr([[alert.pk, first.pk]])
    assert seen[0]["kwargsrepr"] == "{}"


def test_a_fresh_web_process_knows_the_send_task_by_name() -> None:
    # The services queue the task by name; a process that never imported intake.tasks (a web
    # worker, or this suite run one file at a time) must still find it, or every message
    # would wait for the sweep instead of going at once.
    import subprocess
    import sys

    code = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from intake.services.outbox import SEND_NOTIFICATIONS_TASK\n"
        "assert SEND_NOTIFICATIONS_TASK in current_app.tasks, sorted(current_app.tasks)\n"
    )
    env = {"DJANGO_SETTINGS_MODULE": "clinic.settings_test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


# --- The sweep ----------------------------------------------------------------------------------


def test_the_sweep_queues_rows_due_for_30_seconds_and_not_fresh_or_sent_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[int] = []

    def enqueue(notifications: Sequence[Notification], countdown: float | None = None) -> bool:
        queued.append(notifications[0].pk)
        return True

    monkeypatch.setattr(outbox, "notification_enqueue", enqueue)
    lost = receipt(due_at=NOW - dt.timedelta(seconds=31))
    fresh = receipt(due_at=NOW - dt.timedelta(seconds=5))
    later = receipt(due_at=NOW + dt.timedelta(hours=23))  # a reminder for tomorrow
    receipt(due_at=NOW - dt.timedelta(minutes=5), status="sent")
    receipt(due_at=NOW - dt.timedelta(minutes=5), status="failed")
    alert = receipt(due_at=NOW - dt.timedelta(seconds=40), kind=Notification.Kind.STAFF_ALERT)
    assert outbox.notification_sweep(now=NOW) == 2
    assert queued == [alert.pk, lost.pk]  # alerts first
    # Swept once: not again for 5 minutes (it may be waiting behind a backlog), so the next
    # sweeps take only the row that has become stale since.
    assert outbox.notification_sweep(now=NOW + dt.timedelta(seconds=31)) == 1
    assert queued[-1] == fresh.pk
    assert outbox.notification_sweep(now=NOW + dt.timedelta(seconds=299)) == 0
    assert outbox.notification_sweep(now=NOW + dt.timedelta(seconds=300)) == 2
    assert later.pk not in queued


def test_rows_the_broker_refused_are_tried_again_at_the_next_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    up = {"broker": False}
    monkeypatch.setattr(
        outbox, "notification_enqueue", lambda notifications, countdown=None: up["broker"]
    )
    row = receipt(due_at=NOW - dt.timedelta(minutes=1))
    assert outbox.notification_sweep(now=NOW) == 0
    row.refresh_from_db()
    assert row.queued_at is None
    up["broker"] = True
    assert outbox.notification_sweep(now=NOW + dt.timedelta(seconds=30)) == 1


def test_a_reminder_is_sent_by_the_sweep_once_its_time_has_come() -> None:
    reminder = receipt(due_at=NOW + dt.timedelta(hours=24))
    outbox.notification_sweep(now=NOW + dt.timedelta(hours=23, minutes=59))
    assert mail.outbox == []
    # Eager tasks in tests: queued means sent here. Sweep runs after due_at + 30 s.
    outbox.notification_sweep(now=NOW + dt.timedelta(hours=24, seconds=31))
    reminder.refresh_from_db()
    assert reminder.status == "sent" and len(mail.outbox) == 1
    outbox.notification_sweep(now=NOW + dt.timedelta(hours=25))
    assert len(mail.outbox) == 1


# --- Retry now ----------------------------------------------------------------------------------


def test_retry_now_leaves_sent_not_needed_and_future_messages_alone(
    clinic_admin: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    failed = receipt(status="failed", attempts=6)
    stuck = receipt(due_at=timezone.now() - dt.timedelta(minutes=10))
    future = receipt(due_at=timezone.now() + dt.timedelta(days=10))  # next week's reminder
    not_needed = receipt(status="cancelled")
    sent = receipt(status="sent", attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        count = outbox.notification_retry(
            notification_ids=[r.pk for r in (failed, stuck, future, not_needed, sent)],
            actor=clinic_admin,
        )
    assert count == 2
    statuses = {
        r.pk: Notification.objects.get(pk=r.pk).status for r in (failed, stuck, future, not_needed)
    }
    assert statuses == {
        failed.pk: "sent",
        stuck.pk: "sent",
        future.pk: "pending",
        not_needed.pk: "cancelled",
    }
    assert len(mail.outbox) == 2
    events = AuditEvent.objects.filter(details__retry=True)
    assert sorted(e.details["notification"] for e in events) == sorted([failed.pk, stuck.pk])
    assert all(e.actor == clinic_admin for e in events)
