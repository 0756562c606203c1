"""The Celery tasks (intake/tasks.py): ids in, one service call, and the outbox's own retries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from pytest_django import Settings

from intake import emails, tasks
from intake.models import Notification
from intake.services import outbox
from tests.intake.services.helpers import receipt

pytestmark = pytest.mark.django_db

BROKEN = "tests.support.mail.BrokenBackend"


def test_the_task_requeues_itself_with_the_backoff(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
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


def test_one_failing_row_of_a_task_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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
