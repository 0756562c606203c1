"""Escalation (intake/services/escalation.py): EMERGENCY and URGENT forms nobody has started to
review in time are escalated to the clinical lead, once per level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from intake.models import AuditEvent, Escalation, Submission
from intake.services import escalation
from tests.factories import SubmissionFactory
from tests.intake.services.helpers import NOW

pytestmark = pytest.mark.django_db


def overdue(tier: str, minutes: int, **fields: object) -> Submission:
    return SubmissionFactory(tier=tier, submitted_at=NOW - dt.timedelta(minutes=minutes), **fields)


def test_an_emergency_escalates_once_after_15_minutes(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
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
    assert form.reference is not None and form.patient is not None
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


def test_escalation_times_are_configurable(settings: Settings) -> None:
    settings.CLINIC_ESCALATION_MINUTES = {"EMERGENCY": 5, "URGENT": 30}
    overdue("EMERGENCY", 5)
    overdue("URGENT", 29)
    assert escalation.submission_escalate_overdue(now=NOW) == 1
