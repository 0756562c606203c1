"""The outbox in one process: sending exactly once, backoff, failure, the sweep, escalation,
the SMS backends and the admin's view of it all. Real-worker tests: test_outbox_workers.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from intake import emails, sms, tasks
from intake.models import AuditEvent, Escalation, Notification, Submission
from intake.services import drafts, escalation, outbox
from tests.factories import STAFF_PASSWORD, SubmissionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
BROKEN = "tests.support.mail.BrokenBackend"


def receipt(**fields: Any) -> Notification:
    submission = SubmissionFactory()
    defaults = {
        "kind": Notification.Kind.PATIENT_RECEIPT,
        "recipient": "alex@example.org",
        "template": "patient_receipt",
        "due_at": NOW,
    }
    return Notification.objects.create(submission=submission, **{**defaults, **fields})


# --- Sending ------------------------------------------------------------------------------------


def test_a_pending_notification_is_sent_once_and_marked_sent() -> None:
    row = receipt()
    assert outbox.notification_send(notification_id=row.pk, now=NOW).sent
    assert not outbox.notification_send(notification_id=row.pk, now=NOW).sent
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    [message] = mail.outbox
    reference = row.submission.reference
    assert message.to == ["alex@example.org"] and reference in message.subject
    # Text and HTML parts.
    assert reference in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and reference in html


def test_a_notification_not_yet_due_is_left_for_later() -> None:
    row = receipt(due_at=NOW + dt.timedelta(hours=1))
    assert not outbox.notification_send(notification_id=row.pk, now=NOW).sent
    assert mail.outbox == []
    assert outbox.notification_send(notification_id=row.pk, now=NOW + dt.timedelta(hours=1)).sent


def test_an_smtp_failure_counts_the_attempt_and_backs_off(settings: Any) -> None:
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


def test_after_the_last_attempt_the_notification_is_failed(settings: Any) -> None:
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


def test_the_task_requeues_itself_with_the_backoff(settings: Any, monkeypatch: Any) -> None:
    settings.EMAIL_BACKEND = BROKEN
    row = receipt(due_at=timezone.now())
    queued: list[float | None] = []
    monkeypatch.setattr(
        outbox,
        "notification_enqueue",
        lambda notifications, countdown=None: queued.append(countdown),
    )
    assert tasks.send_notifications([row.pk]) == 0
    row.refresh_from_db()
    assert len(queued) == 1 and queued[0] is not None
    assert 0 < queued[0] <= settings.CLINIC_NOTIFICATION_RETRY_BASE_SECONDS


@pytest.mark.parametrize("attempts", [1, 2, 3, 4, 5, 8, 12])
def test_retry_delays_grow_exponentially_with_jitter_and_a_cap(
    settings: Any, attempts: int
) -> None:
    base = settings.CLINIC_NOTIFICATION_RETRY_BASE_SECONDS
    cap = settings.CLINIC_NOTIFICATION_RETRY_MAX_SECONDS
    step = min(cap, base * 2 ** (attempts - 1))
    delays = {outbox.retry_delay(attempts) for _ in range(200)}
    assert all(step / 2 <= d <= step for d in delays)
    assert len(delays) > 50  # jittered, not one fixed value


def test_queueing_with_the_broker_down_returns_at_once_and_leaves_the_row_pending(
    monkeypatch: Any,
) -> None:
    row = receipt()

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.send_notifications, "apply_async", refuse)
    outbox.reset_broker_pause()
    try:
        assert outbox.notification_enqueue(notifications=[row]) is False
        row.refresh_from_db()
        assert row.status == "pending"
    finally:
        outbox.reset_broker_pause()


def test_alerts_go_on_the_urgent_queue_and_the_rest_on_default(monkeypatch: Any) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        tasks.send_notifications, "apply_async", lambda **kw: seen.append(kw["queue"])
    )
    outbox.notification_enqueue(notifications=[receipt()])
    outbox.notification_enqueue(notifications=[receipt(kind=Notification.Kind.STAFF_ALERT)])
    outbox.notification_enqueue(notifications=[receipt(kind=Notification.Kind.ESCALATION)])
    assert seen == ["default", "urgent", "urgent"]


def test_a_group_with_an_alert_is_one_urgent_task_that_sends_the_alert_first(
    monkeypatch: Any,
) -> None:
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.send_notifications, "apply_async", lambda **kw: seen.append(kw))
    first, alert = receipt(), receipt(kind=Notification.Kind.STAFF_ALERT)
    assert outbox.notification_enqueue(notifications=[first, alert])
    assert len(seen) == 1
    assert seen[0]["queue"] == "urgent"
    assert seen[0]["args"] == [[alert.pk, first.pk]]
    # What monitoring (flower, the broker) shows of the task: the ids, nothing about anyone.
    assert seen[0]["argsrepr"] == repr([[alert.pk, first.pk]])
    assert seen[0]["kwargsrepr"] == "{}"


def test_one_failing_row_of_a_task_does_not_stop_the_others(monkeypatch: Any) -> None:
    requeued: list[list[int]] = []
    monkeypatch.setattr(
        outbox,
        "notification_enqueue",
        lambda notifications, countdown=None: requeued.append([n.pk for n in notifications]),
    )
    broken = receipt(due_at=timezone.now())
    fine = receipt(due_at=timezone.now())
    real_deliver = emails.deliver

    def deliver(notification: Notification) -> None:
        if notification.pk == broken.pk:
            raise ConnectionRefusedError("mail server down")
        real_deliver(notification)

    monkeypatch.setattr(emails, "deliver", deliver)
    assert tasks.send_notifications([broken.pk, fine.pk]) == 1
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.status, broken.attempts, fine.status) == ("pending", 1, "sent")
    assert requeued == [[broken.pk]]  # only the failed row goes again, with its backoff
    assert len(mail.outbox) == 1


# --- The sweep ----------------------------------------------------------------------------------


def test_the_sweep_queues_rows_due_for_30_seconds_and_not_fresh_or_sent_ones(
    monkeypatch: Any,
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        outbox,
        "notification_enqueue",
        lambda notifications, countdown=None: queued.append(notifications[0].pk) or True,
    )
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


def test_rows_the_broker_refused_are_tried_again_at_the_next_sweep(monkeypatch: Any) -> None:
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


# --- SMS ----------------------------------------------------------------------------------------


def test_the_file_sms_backend_writes_one_file_per_message(settings: Any, tmp_path: Path) -> None:
    settings.CLINIC_SMS_BACKEND = "intake.sms.FileSmsBackend"
    settings.CLINIC_SMS_FILE_PATH = str(tmp_path)
    sms.send(to="+447700900001", body="Test")
    [path] = tmp_path.glob("*.sms")
    assert path.read_text() == "To: +447700900001\n\nTest\n"


def test_the_console_sms_backend_prints(settings: Any, capsys: Any) -> None:
    settings.CLINIC_SMS_BACKEND = "intake.sms.ConsoleSmsBackend"
    sms.send(to="+447700900001", body="Hello")
    assert "SMS to +447700900001: Hello" in capsys.readouterr().out


def test_a_failing_sms_backend_is_retried_like_email(settings: Any) -> None:
    settings.CLINIC_SMS_BACKEND = "tests.intake.services.test_outbox.DownSmsBackend"
    row = receipt(
        kind=Notification.Kind.STAFF_ALERT, channel="sms", recipient="+4477", template="staff_alert"
    )
    outcome = outbox.notification_send(notification_id=row.pk, now=NOW)
    assert outcome.retry_in is not None
    row.refresh_from_db()
    assert row.attempts == 1 and "provider unavailable" in row.last_error


class DownSmsBackend(sms.BaseSmsBackend):
    def send_messages(self, messages: Any) -> int:
        raise OSError("provider unavailable")


def test_an_sms_alert_carries_no_patient_data() -> None:
    submission = SubmissionFactory(tier="URGENT", reference="LEG-AAAA-BBBB")
    row = Notification(
        submission=submission,
        kind="staff_alert",
        channel="sms",
        recipient="+44",
        template="staff_alert",
    )
    text = emails.render(row).text
    assert "LEG-AAAA-BBBB" in text and "URGENT" in text
    assert f"/admin/intake/submission/{submission.pk}/change/" in text
    assert submission.patient.full_name not in text and submission.patient.phone not in text


# --- Escalation ---------------------------------------------------------------------------------


def overdue(tier: str, minutes: int, **fields: Any) -> Submission:
    return SubmissionFactory(tier=tier, submitted_at=NOW - dt.timedelta(minutes=minutes), **fields)


def test_an_emergency_escalates_once_after_15_minutes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    form = overdue("EMERGENCY", 0)
    assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(minutes=14)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(minutes=15)) == 1
    assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(minutes=16)) == 0
    assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(hours=3)) == 0
    [row] = Escalation.objects.filter(submission=form)
    assert row.level == "EMERGENCY"
    [message] = [m for m in mail.outbox if m.to == ["lead@clinic.test"]]
    assert form.reference in message.subject and "ESCALATION" in message.subject
    assert form.patient.full_name not in message.body
    event = AuditEvent.objects.get(action="escalation")
    assert event.submission_id == form.pk and event.details == {
        "level": "EMERGENCY",
        "waited_minutes": 15,
    }


def test_an_urgent_form_escalates_after_60_minutes_and_a_soon_one_never() -> None:
    urgent = overdue("URGENT", 0)
    overdue("SOON", 0)
    overdue("ROUTINE", 0)
    assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(minutes=59)) == 0
    assert escalation.submission_escalate_overdue(now=NOW + dt.timedelta(minutes=60)) == 1
    assert list(Escalation.objects.values_list("submission_id", "level")) == [(urgent.pk, "URGENT")]


def test_forms_already_in_review_or_beyond_do_not_escalate() -> None:
    for status in ("in_review", "triaged", "booked", "closed", "referred"):
        overdue("EMERGENCY", 30, status=status)
    assert escalation.submission_escalate_overdue(now=NOW) == 0
    assert not Escalation.objects.exists() and mail.outbox == []


def test_a_form_raised_to_emergency_escalates_again_at_the_new_level() -> None:
    form = overdue("URGENT", 61)
    assert escalation.submission_escalate_overdue(now=NOW) == 1
    Submission.objects.filter(pk=form.pk).update(tier="EMERGENCY", tier_rank=4)
    assert escalation.submission_escalate_overdue(now=NOW) == 1
    assert escalation.submission_escalate_overdue(now=NOW) == 0
    assert sorted(Escalation.objects.values_list("level", flat=True)) == ["EMERGENCY", "URGENT"]


def test_escalation_times_are_configurable(settings: Any) -> None:
    settings.CLINIC_ESCALATION_MINUTES = {"EMERGENCY": 5, "URGENT": 30}
    overdue("EMERGENCY", 5)
    overdue("URGENT", 29)
    assert escalation.submission_escalate_overdue(now=NOW) == 1


# --- Admin --------------------------------------------------------------------------------------


def staff_client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=STAFF_PASSWORD)
    return client


def test_failed_notifications_are_listed_and_retry_now_sends_them(
    clinic_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failed = receipt(status="failed", attempts=6, last_error="SMTPServerDisconnected: gone")
    client = staff_client(clinic_admin)
    page = client.get("/admin/intake/notification/?status__exact=failed")
    html = page.content.decode()
    assert page.status_code == 200
    assert "SMTPServerDisconnected: gone" in html and "alex@example.org" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/intake/notification/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 1
    assert len(mail.outbox) == 1


def test_retry_now_needs_the_change_permission(triage_nurse: Any) -> None:
    failed = receipt(status="failed", attempts=6)
    client = staff_client(triage_nurse)
    assert client.get("/admin/intake/notification/").status_code == 200
    client.post(
        "/admin/intake/notification/", {"action": "retry_now", "_selected_action": [failed.pk]}
    )
    failed.refresh_from_db()
    assert failed.status == "failed" and mail.outbox == []


def test_the_admin_home_shows_failed_and_stuck_messages(
    clinic_admin: Any, receptionist: Any
) -> None:
    client = staff_client(clinic_admin)
    assert "All messages sent" in client.get("/admin/").content.decode()
    receipt(status="failed")
    receipt(due_at=timezone.now() - dt.timedelta(minutes=10))
    receipt(due_at=timezone.now())  # pending, but only just due: fine
    html = client.get("/admin/").content.decode()
    assert "1 failed message" in html and "1 waiting more than 5 minutes" in html
    # Staff who cannot see the outbox do not get the line.
    assert "failed message" not in staff_client(receptionist).get("/admin/").content.decode()


def test_a_mid_form_alert_names_the_rule_that_interrupted_the_patient() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers={"rf_bladder_bowel": "yes"}, now=NOW)
    alert = Notification.objects.get(submission=draft, kind="staff_alert", channel="email")
    rendered = emails.render(alert)
    assert "Top reason: Suspected CES" in rendered.text
    assert (
        "Suspected CES"
        in emails.render(
            Notification.objects.get(submission=draft, kind="staff_alert", channel="sms")
        ).text
    )


def test_retry_now_leaves_sent_not_needed_and_future_messages_alone(
    clinic_admin: Any, django_capture_on_commit_callbacks: Any
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


def test_the_recorded_error_never_holds_the_recipient(settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingBackend"
    row = receipt(recipient="alex.smith@example.org")
    outbox.notification_send(notification_id=row.pk, now=NOW)
    row.refresh_from_db()
    assert "SMTPRecipientsRefused" in row.last_error
    assert "alex.smith@example.org" not in row.last_error and "<recipient>" in row.last_error


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
