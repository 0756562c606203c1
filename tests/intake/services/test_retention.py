"""Retention (intake/services/retention.py, issue 18): what has outlived its period goes, what
has not stays, and a second run finds nothing.

Runs on SQLite and on PostgreSQL, where the audit events go through the database function
intake_audit_purge() (its own refusals are in tests/intake/test_retention_postgres.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from intake import tasks
from intake.models import (
    AuditEvent,
    Escalation,
    Notification,
    Patient,
    RetentionRun,
    Submission,
    SubmissionNote,
)
from intake.scheduling.models import Appointment
from intake.services import retention
from tests.factories import PatientFactory, SlotFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
YEAR = dt.timedelta(days=365.25)


def years_ago(years: float) -> dt.datetime:
    return NOW - years * YEAR


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Rows written inside get `moment` for their auto_now(_add) times: the only way to make an
    old audit event, which nothing may UPDATE afterwards."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def old_patient(years: float) -> Patient:
    """A patient last changed `years` ago (when they last sent a form)."""
    with clock_at(years_ago(years)):
        return PatientFactory()


def case(years: float, **fields: Any) -> Submission:
    """A form sent `years` ago and closed then, by a patient as old (unless `fields` name
    one, or None); `fields` override any column."""
    sent = years_ago(years)
    patient = fields.pop("patient") if "patient" in fields else old_patient(years)
    with clock_at(sent):
        columns: dict[str, Any] = {
            "patient": patient,
            "status": Submission.Status.CLOSED,
            "submitted_at": sent,
            "awaiting_since": sent,
            "status_changed_at": sent,
        }
        return SubmissionFactory(**{**columns, **fields})


def attended(submission: Submission, years: float) -> Appointment:
    start = years_ago(years).replace(microsecond=0)
    slot = SlotFactory(start=start, end=start + dt.timedelta(minutes=30))
    return Appointment.objects.create(
        submission=submission,
        slot=slot,
        clinician=slot.clinician,
        starts_at=slot.start,
        ends_at=slot.end,
        status=Appointment.Status.ATTENDED,
        booked_at=start - dt.timedelta(days=7),
    )


def noted(submission: Submission, years: float) -> SubmissionNote:
    with clock_at(years_ago(years)):
        return SubmissionNote.objects.create(submission=submission, text="Seen in clinic.")


def message(
    submission: Submission, *, days: float, status: str = Notification.Status.SENT, **fields: Any
) -> Notification:
    """A receipt written (and, if sent, sent) `days` ago."""
    when = NOW - dt.timedelta(days=days)
    with clock_at(when):
        return Notification.objects.create(
            submission=submission,
            kind=Notification.Kind.PATIENT_RECEIPT,
            recipient="alex@example.org",
            template="patient_receipt",
            status=status,
            sent_at=when if status == Notification.Status.SENT else None,
            **fields,
        )


def audit_event(years: float, label: str) -> AuditEvent:
    with clock_at(years_ago(years)):
        return AuditEvent.objects.create(action=AuditEvent.Action.VIEW, object_repr=label)


def run() -> RetentionRun:
    return retention.retention_apply(now=NOW)


def nothing_removed() -> dict[str, int]:
    return dict.fromkeys(retention.RETENTION_COUNTS, 0)


# --- Cases -------------------------------------------------------------------------------------


def test_a_form_sent_9_years_ago_goes_with_all_it_holds_and_one_7_years_old_stays() -> None:
    # Alex sent a form 9 years ago, was seen then, and has not been in contact since.
    gone = case(9)
    appointment = attended(gone, 9)
    noted(gone, 9)
    message(gone, days=9 * 365)
    Escalation.objects.create(submission=gone, level="URGENT", created_at=years_ago(9))
    alex = gone.patient
    assert alex is not None
    # Bea sent hers 7 years ago: still inside the 8 years.
    kept = case(7)
    attended(kept, 7)
    noted(kept, 7)

    done = run()

    assert not Submission.objects.filter(pk=gone.pk).exists()
    assert not Appointment.objects.filter(pk=appointment.pk).exists()
    assert not Patient.objects.filter(pk=alex.pk).exists()
    assert not SubmissionNote.objects.filter(submission_id=gone.pk).exists()
    assert not Notification.objects.filter(submission_id=gone.pk).exists()
    assert not Escalation.objects.filter(submission_id=gone.pk).exists()
    kept.refresh_from_db()
    assert kept.appointments.count() == 1 and kept.notes.count() == 1
    assert Patient.objects.filter(submissions=kept).exists()
    assert done.counts == {
        **nothing_removed(),
        "submissions": 1,
        "appointments": 1,
        "patients": 1,
        "notes": 1,
        "notifications": 1,
        "escalations": 1,
    }
    assert done.finished_at is not None and done.started_at <= done.finished_at


def test_deleting_a_case_is_audited_by_the_system_with_the_reason_and_no_values() -> None:
    gone = case(9)
    appointment = attended(gone, 9)
    run()
    events = AuditEvent.objects.filter(submission_id=gone.pk, action=AuditEvent.Action.DELETE)
    assert {(e.actor_kind, e.details.get("reason")) for e in events} == {("system", "retention")}
    assert {e.details.get("appointment") for e in events} == {appointment.pk, None}
    assert all(e.object_repr == gone.reference for e in events)


def test_running_twice_is_a_no_op() -> None:
    case(9)
    attended(case(10), 10)
    case(2)
    message(case(1), days=200)
    first = run()
    assert first.counts["submissions"] == 2 and first.counts["messages"] == 1
    rows = (Submission.objects.count(), Patient.objects.count(), AuditEvent.objects.count())

    second = run()

    assert second.counts == nothing_removed()
    assert second.finished_at is not None
    assert (Submission.objects.count(), Patient.objects.count()) == rows[:2]
    assert AuditEvent.objects.count() == rows[2]  # the second run deleted nothing to audit


@pytest.mark.parametrize(
    "contact",
    ["an appointment 7 years ago", "a note 2 years ago", "an appointment to come"],
)
def test_contact_after_the_form_was_sent_keeps_it(contact: str) -> None:
    # The period counts from the last contact with the patient, not from the sending.
    old = case(9)
    if contact == "an appointment 7 years ago":
        attended(old, 7)
    elif contact == "a note 2 years ago":
        noted(old, 2)
    else:
        attended(old, -0.1)
    assert run().counts["submissions"] == 0
    assert Submission.objects.filter(pk=old.pk).exists()


def test_a_status_change_or_an_override_within_the_period_keeps_the_form() -> None:
    reopened = case(9, status_changed_at=years_ago(1))
    overridden = case(9, overridden_at=years_ago(3), override_reason="Clinical judgement")
    assert run().counts["submissions"] == 0
    assert Submission.objects.filter(pk__in=[reopened.pk, overridden.pk]).count() == 2


def test_a_patient_seen_again_within_the_period_keeps_their_older_forms() -> None:
    # The record is the patient's: kept whole for 8 years after the last contact.
    first = case(12)
    again = case(1, patient=first.patient)
    stranger = case(12)
    done = run()
    assert Submission.objects.filter(pk__in=[first.pk, again.pk]).count() == 2
    assert not Submission.objects.filter(pk=stranger.pk).exists()
    assert done.counts["submissions"] == 1 and done.counts["patients"] == 1


def test_a_draft_that_showed_the_emergency_advice_is_a_case_kept_as_long() -> None:
    def advised(years: float) -> Submission:
        return case(
            years,
            status=Submission.Status.DRAFT,
            reference=None,
            submitted_at=None,
            patient=None,
            interruption_shown_at=years_ago(years),
        )

    old, recent = advised(9), advised(7)
    # A plain draft is not retention's: purge_expired_drafts deletes it after days.
    plain = case(9, status=Submission.Status.DRAFT, reference=None, submitted_at=None)
    run()
    assert not Submission.objects.filter(pk=old.pk).exists()
    assert Submission.objects.filter(pk__in=[recent.pk, plain.pk]).count() == 2


def test_a_patient_left_without_forms_goes_unless_changed_within_the_period() -> None:
    orphan = old_patient(9)
    changed_lately = old_patient(9)
    Patient.objects.filter(pk=changed_lately.pk).update(updated_at=years_ago(1))
    with_a_form = case(9, patient=old_patient(9))
    attended(with_a_form, 1)
    assert run().counts["patients"] == 1
    assert not Patient.objects.filter(pk=orphan.pk).exists()
    assert Patient.objects.filter(pk__in=[changed_lately.pk, with_a_form.patient_id]).count() == 2


@override_settings(CLINIC_RETENTION_DAYS=30, CLINIC_AUDIT_RETENTION_DAYS=400)
def test_the_period_is_the_setting() -> None:
    month_and_a_half = case(45 / 365.25)
    three_weeks = case(21 / 365.25)
    run()
    assert not Submission.objects.filter(pk=month_and_a_half.pk).exists()
    assert Submission.objects.filter(pk=three_weeks.pk).exists()


def test_cases_are_deleted_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "CASE_BATCH", 2)
    for _ in range(5):
        case(9)
    assert run().counts["submissions"] == 5
    assert not Submission.objects.exists()


# --- Messages --------------------------------------------------------------------------------


def test_delivered_messages_older_than_90_days_lose_their_recipient_and_nothing_else() -> None:
    form = case(1)
    Status = Notification.Status
    old_sent = message(form, days=91)
    old_cancelled = message(form, days=91, status=Status.CANCELLED)
    recent = message(form, days=89)
    pending = message(form, days=200, status=Status.PENDING)
    failed = message(form, days=200, status=Status.FAILED, last_error="550 mailbox full")

    assert run().counts["messages"] == 2

    for row in (old_sent, old_cancelled):
        blanked = Notification.objects.get(pk=row.pk)
        assert (blanked.recipient, blanked.last_error) == ("", "")
        assert (blanked.kind, blanked.status, blanked.template) == (
            row.kind,
            row.status,
            row.template,
        )
        assert (blanked.created_at, blanked.sent_at) == (row.created_at, row.sent_at)
    for row in (recent, pending, failed):
        untouched = Notification.objects.get(pk=row.pk)
        assert (untouched.recipient, untouched.last_error) == (row.recipient, row.last_error)
    assert run().counts["messages"] == 0


@override_settings(CLINIC_MESSAGE_RETENTION_DAYS=7)
def test_the_message_period_is_the_setting() -> None:
    form = case(1)
    week_old, day_old = message(form, days=8), message(form, days=1)
    run()
    assert Notification.objects.get(pk=week_old.pk).recipient == ""
    assert Notification.objects.get(pk=day_old.pk).recipient == "alex@example.org"


# --- Sessions --------------------------------------------------------------------------------


def test_expired_sessions_are_cleared_and_live_ones_stay() -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    live, expired = store(), store()
    live["x"] = expired["x"] = 1
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )

    assert run().counts["sessions"] == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert run().counts["sessions"] == 0


# --- Audit events ----------------------------------------------------------------------------


def test_audit_events_older_than_the_setting_are_removed_and_younger_ones_stay() -> None:
    # On PostgreSQL this goes through intake_audit_purge(), the one way past the triggers.
    old = audit_event(9, "nine years ago")
    young = audit_event(7, "seven years ago")
    done = run()
    assert done.counts["audit_events"] == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert run().counts["audit_events"] == 0


# --- The run's record, the task and beat -----------------------------------------------------


def test_a_run_that_fails_part_way_keeps_what_it_did_and_never_says_it_finished() -> None:
    gone = case(9)
    with (
        mock.patch.object(retention, "_purge_audit_events", side_effect=RuntimeError("denied")),
        pytest.raises(RuntimeError),
    ):
        run()
    failed = RetentionRun.objects.get()
    assert failed.finished_at is None
    assert failed.counts["submissions"] == 1
    assert not Submission.objects.filter(pk=gone.pk).exists()  # committed before the failure


def test_the_nightly_task_runs_the_job_and_returns_its_record() -> None:
    case(9)
    run_id = tasks.apply_retention()
    assert RetentionRun.objects.get(pk=run_id).counts["submissions"] == 1
    assert not Submission.objects.exists()


def test_beat_runs_the_job_daily() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "intake.tasks.apply_retention"
    assert entry["task"] == tasks.apply_retention.name
    assert entry["schedule"] == 24 * 3600
    # Longer than the minute other tasks get: a first run may have years to delete.
    assert tasks.apply_retention.soft_time_limit == 55 * 60


def test_the_command_runs_the_job_and_prints_the_counts(capsys: pytest.CaptureFixture[str]) -> None:
    case(9)
    call_command("apply_retention")
    out = capsys.readouterr().out
    assert "submissions 1, appointments 0, patients 1," in out
    assert RetentionRun.objects.get().finished_at is not None
