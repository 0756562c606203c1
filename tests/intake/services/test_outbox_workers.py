"""The outbox against a real Redis and a real Celery worker process (issue 6's "must show").

Each test starts its own redis-server on a spare port and its own worker (`tests/workers.py`),
which runs the production settings against the test database and writes mail and text messages
into files; the machine's shared Redis is never stopped. The patient's side runs in this process
with Celery queueing to that private Redis for real.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from intake import tasks
from intake.models import Notification, Submission
from intake.services import outbox
from tests.journey import CONSENT
from tests.servers import PrivateRedis
from tests.workers import Worker, live_broker, wait_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

ONCALL = "oncall@clinic.test"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def make_worker(redis_server: PrivateRedis, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def make(**env: str) -> Worker:
        worker = Worker(broker_url=redis_server.url, folder=tmp_path / f"w{len(started)}", **env)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def send_form(patient: Client, submission: Submission) -> tuple[_MonkeyPatchedWSGIResponse, float]:
    """The patient presses "Send"; returns the response and how long it took."""
    started = time.monotonic()
    response = patient.post(f"/intake/{submission.token}/check/", CONSENT)
    return response, time.monotonic() - started


def alerts(worker: Worker) -> list[Message]:
    return worker.emails(to=ONCALL)


def test_an_urgent_submission_alerts_once_within_5_seconds(
    journey: Callable[..., Submission],
    patient: Client,
    redis_server: PrivateRedis,
    make_worker: Callable[..., Worker],
) -> None:
    worker = make_worker()
    worker.start()
    draft = journey("V19")  # suspected DVT: URGENT
    with live_broker(redis_server.url):
        response, _ = send_form(patient, draft)
        committed = time.monotonic()
    assert response.status_code == 302
    took = wait_for(lambda: len(alerts(worker)) >= 1, 5, "the on-call alert")
    assert took < 5
    sent = Submission.objects.get(pk=draft.pk)
    assert sent.reference is not None and sent.patient is not None
    wait_for(lambda: not Notification.objects.filter(status="pending").exists(), 5, "all rows sent")
    time.sleep(0.5)  # a duplicate would have arrived by now
    [alert] = alerts(worker)
    assert sent.reference in alert["Subject"]
    assert len(worker.emails(to=sent.patient.email)) == 1  # the receipt
    assert len(worker.texts()) == 1  # the text to the on-call phone
    assert time.monotonic() - committed < 10


def test_broker_down_the_patient_is_not_held_up_and_the_sweep_delivers_once(
    journey: Callable[..., Submission],
    patient: Client,
    redis_server: PrivateRedis,
    make_worker: Callable[..., Worker],
) -> None:
    draft = journey("V19")
    redis_server.stop()  # the broker dies before the patient presses Send
    with live_broker(redis_server.url):
        response, took = send_form(patient, draft)
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    assert took < 2, f"sending the form took {took:.2f} s with the broker down"
    # Committed: the submission and its outbox rows, all still pending.
    sent = Submission.objects.get(pk=draft.pk)
    assert sent.status == Submission.Status.SUBMITTED and sent.patient is not None
    rows = Notification.objects.filter(submission=sent)
    assert rows.count() == 3 and all(r.status == "pending" for r in rows)

    # The broker comes back; a worker runs the sweep, as beat would every 30 s.
    redis_server.start()
    _reconnect(redis_server.url)
    worker = make_worker(CLINIC_OUTBOX_SWEEP_AFTER_SECONDS="1")
    worker.start()
    time.sleep(1.1)
    with live_broker(redis_server.url):
        tasks.sweep_outbox.apply_async(queue="urgent")
        wait_for(lambda: len(alerts(worker)) >= 1, 10, "the swept alert")
        wait_for(lambda: not rows.filter(status="pending").exists(), 10, "all rows sent")
        tasks.sweep_outbox.apply_async(queue="urgent")  # a later sweep finds nothing to do
        time.sleep(1.5)
    assert len(alerts(worker)) == 1
    assert len(worker.emails(to=sent.patient.email)) == 1
    assert len(worker.texts()) == 1


def _reconnect(url: str) -> None:
    """This process's pooled connections to the dead server are stale: open new ones."""
    from tests.workers import _drop_pools

    _drop_pools()


def test_a_worker_killed_mid_send_delivers_exactly_once_after_restart(
    journey: Callable[..., Submission],
    redis_server: PrivateRedis,
    make_worker: Callable[..., Worker],
) -> None:
    # This worker hangs inside the mail backend (after it began sending, before it finished).
    slow = make_worker(
        EMAIL_BACKEND="tests.support.mail.SlowFileBackend",
        TEST_SLOW_MAIL_SECONDS="60",
        CLINIC_ONCALL_PHONES="",
        # The message the dead worker held goes back to the queue soon (the sweep would too).
        CELERY_VISIBILITY_TIMEOUT_SECONDS="2",
    )
    with live_broker(redis_server.url):
        journey("V02")  # emergency: the alert is queued mid-form, at the interruption
    # Started after the patient is done: on SQLite an open sending transaction blocks writers.
    slow.start()
    markers = slow.mail_dir.glob
    wait_for(lambda: any(markers("sending-*.marker")), 10, "the worker to start sending")
    slow.kill()
    assert alerts(slow) == []
    alert = Notification.objects.get(kind="staff_alert", channel="email")
    wait_for(lambda: _pending(alert), 10, "the killed send to roll back")

    # Restarted, with a working mail backend, on the same broker and database.
    worker = make_worker(
        CLINIC_ONCALL_PHONES="",
        CLINIC_OUTBOX_SWEEP_AFTER_SECONDS="1",
        CELERY_VISIBILITY_TIMEOUT_SECONDS="2",
    )
    worker.mail_dir = slow.mail_dir
    worker.env["EMAIL_FILE_PATH"] = str(slow.mail_dir)
    time.sleep(2.1)
    worker.start()
    with live_broker(redis_server.url):
        tasks.sweep_outbox.apply_async(queue="urgent")
        wait_for(lambda: len(alerts(worker)) >= 1, 15, "the alert after the restart")
        time.sleep(3)  # the redelivered original and the sweep's copy have both run by now
    assert len(alerts(worker)) == 1
    alert.refresh_from_db()
    assert alert.status == "sent"


def _pending(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.status == "pending"


def test_the_same_notification_queued_twice_sends_one_email(
    journey: Callable[..., Submission],
    redis_server: PrivateRedis,
    make_worker: Callable[..., Worker],
) -> None:

    draft = journey("V10", send=True)  # routine: only the receipt (eagerly sent: re-arm it)
    receipt = Notification.objects.get(submission=draft)
    Notification.objects.filter(pk=receipt.pk).update(status="pending", sent_at=None, attempts=0)
    worker = make_worker()
    with live_broker(redis_server.url):
        assert outbox.notification_enqueue(notifications=[receipt])
        assert outbox.notification_enqueue(notifications=[receipt])
    worker.start(concurrency=2)
    wait_for(lambda: len(worker.emails()) >= 1, 10, "the receipt")
    time.sleep(1.5)
    assert len(worker.emails()) == 1
    receipt.refresh_from_db()
    assert receipt.status == "sent" and receipt.attempts == 1


def test_smtp_failures_retry_with_backoff_then_fail_visibly(
    journey: Callable[..., Submission],
    redis_server: PrivateRedis,
    make_worker: Callable[..., Worker],
) -> None:
    from tests.servers import free_port

    draft = journey("V10", send=True)
    receipt = Notification.objects.get(submission=draft)
    Notification.objects.filter(pk=receipt.pk).update(status="pending", sent_at=None, attempts=0)
    # Nothing listens on this port: every SMTP connection is refused.
    worker = make_worker(
        EMAIL_URL=f"smtp://127.0.0.1:{free_port()}",
        CLINIC_NOTIFICATION_MAX_ATTEMPTS="3",
        CLINIC_NOTIFICATION_RETRY_BASE_SECONDS="0.4",
    )
    worker.start()

    with live_broker(redis_server.url):
        outbox.notification_enqueue(notifications=[receipt])
    wait_for(lambda: _status(receipt) == "failed", 20, "the row to be marked failed")
    receipt.refresh_from_db()
    assert receipt.attempts == 3
    assert "ConnectionRefusedError" in receipt.last_error
    log = worker.log.read_text()
    assert log.count("attempt 1 failed; retry in") == 1
    assert log.count("attempt 2 failed; retry in") == 1
    assert "failed after 3 attempts" in log


def _status(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


def test_a_configured_but_dead_result_backend_does_not_hold_up_the_patient(
    journey: Callable[..., Submission],
    patient: Client,
    redis_server: PrivateRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from celery.backends.redis import RedisBackend

    from clinic.celery import app
    from tests.servers import free_port

    draft = journey("V19")
    # As if CELERY_RESULT_BACKEND named a Redis that is down (nothing listens on the port).
    dead = RedisBackend(app=app, url=f"redis://127.0.0.1:{free_port()}/1")
    monkeypatch.setattr(type(app), "backend", property(lambda _app: dead))
    with live_broker(redis_server.url):
        response, took = send_form(patient, draft)
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    assert took < 2, f"sending the form took {took:.2f} s with the result backend down"
