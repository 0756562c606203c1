"""The outbox in the admin (intake/backoffice/admin/records.py): failed messages listed without
their recipients, "retry now" for those who may change them, and the admin home's line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from tests.factories import logged_in
from tests.intake.services.helpers import receipt

pytestmark = pytest.mark.django_db


def test_failed_notifications_are_listed_and_retry_now_sends_them(
    clinic_admin: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    failed = receipt(status="failed", attempts=6, last_error="SMTPServerDisconnected: gone")
    client = logged_in(clinic_admin)
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


def test_retry_now_needs_the_change_permission(triage_nurse: User) -> None:
    failed = receipt(status="failed", attempts=6)
    client = logged_in(triage_nurse)
    assert client.get("/admin/intake/notification/").status_code == 200
    client.post(
        "/admin/intake/notification/", {"action": "retry_now", "_selected_action": [failed.pk]}
    )
    failed.refresh_from_db()
    assert failed.status == "failed" and mail.outbox == []


def test_the_admin_home_shows_failed_and_stuck_messages(
    clinic_admin: User, receptionist: User
) -> None:
    client = logged_in(clinic_admin)
    assert "All messages sent" in client.get("/admin/").content.decode()
    receipt(status="failed")
    receipt(due_at=timezone.now() - dt.timedelta(minutes=10))
    receipt(due_at=timezone.now())  # pending, but only just due: fine
    html = client.get("/admin/").content.decode()
    assert "1 failed message" in html and "1 waiting more than 5 minutes" in html
    # Staff who cannot see the outbox do not get the line.
    assert "failed message" not in logged_in(receptionist).get("/admin/").content.decode()
