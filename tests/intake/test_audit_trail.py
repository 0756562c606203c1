"""The audit nothing bypasses (issue 17): every change to a submission or an appointment leaves
an audit row, wherever it comes from.

- A bulk `update()` or `delete()` on submissions or appointments, from anywhere (a command, a
  shell, this test), leaves one row per affected row with the changed field names, never the
  values (intake.models.AuditedQuerySet).
- The patient's own actions are recorded with actor "patient": sending the form, the emergency
  advice being shown, the resume link, cancelling through the emailed link. A plain draft page
  save is not (docs/operations.md, "The audit log", says why).
- A staff change leaves the one event its service always wrote, unchanged.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks

import clinic
import intake
from intake.emails import cancel_token
from intake.models import AuditEvent, Submission
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking
from intake.services import drafts, sending, workflow
from tests.factories import (
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
    logged_in,
)
from tests.intake.services.helpers import NOW, filled_draft
from tests.journey import CONSENT, IDENTITY

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
Kind = AuditEvent.ActorKind
# A value no audit row may ever hold: it stands for free text and identity details.
CANARY = "Zebedee Canary-Quill"


def events(**filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def assert_no_canary() -> None:
    for event in AuditEvent.objects.all():
        row = json.dumps([event.object_repr, event.changed_fields, event.details])
        assert CANARY not in row


# --- Bulk changes: QuerySet.update() and delete() -------------------------------------------


def test_a_bulk_update_of_submissions_leaves_an_audit_row_per_row() -> None:
    changed = [SubmissionFactory(), SubmissionFactory(), SubmissionFactory()]
    untouched = SubmissionFactory(tier="URGENT")
    # What a management command or a shell would do: no service, no actor.
    count = Submission.objects.filter(tier="ROUTINE").update(
        override_reason=CANARY, identity={"full_name": CANARY}
    )
    assert count == 3
    recorded = events()
    assert [e.submission_id for e in recorded] == [s.pk for s in changed]
    for event, submission in zip(recorded, changed, strict=True):
        assert event.action == Action.CHANGE
        assert event.actor_kind == Kind.SYSTEM and event.actor is None
        assert event.actor_username == "" and event.actor_label == "system"
        assert event.changed_fields == ["identity", "override_reason"]  # names only
        assert event.details == {"via": "queryset.update"}
        assert event.object_repr == submission.reference
    assert not events(submission_id=untouched.pk)
    assert_no_canary()
    # The reason is encrypted (issue 18): compared once read back, not in SQL.
    reasons = [s.override_reason for s in Submission.objects.filter(tier="ROUTINE")]
    assert reasons == [CANARY] * 3


def test_a_bulk_update_by_a_known_actor_names_them(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    Submission.objects.filter(pk=submission.pk).audited(
        actor=triage_nurse, ip_address="192.0.2.7", details={"ticket": "DATA-12"}
    ).update(status=Submission.Status.CLOSED)
    [event] = events()
    assert (event.actor, event.actor_username, event.actor_kind) == (
        triage_nurse,
        "tess",
        Kind.STAFF,
    )
    assert event.ip_address == "192.0.2.7"
    assert event.changed_fields == ["status"]
    assert event.details == {"via": "queryset.update", "ticket": "DATA-12"}


def test_a_bulk_update_that_matches_nothing_records_nothing() -> None:
    SubmissionFactory()
    assert Submission.objects.filter(tier="EMERGENCY").update(tier="URGENT") == 0
    assert not events()


def test_a_refused_bulk_update_changes_and_records_nothing() -> None:
    SubmissionFactory()
    with pytest.raises(TypeError, match="slice"):
        Submission.objects.all()[:1].update(tier="URGENT")
    assert not events()
    assert not Submission.objects.filter(tier="URGENT").exists()


def test_bulk_update_and_related_managers_are_audited_too() -> None:
    first, second = SubmissionFactory(), SubmissionFactory()
    first.tier, second.tier = "SOON", "URGENT"
    Submission.objects.bulk_update([first, second], ["tier"])
    assert [(e.submission_id, e.changed_fields) for e in events()] == [
        (first.pk, ["tier"]),
        (second.pk, ["tier"]),
    ]


def test_a_bulk_update_of_appointments_names_each_appointment(receptionist: User) -> None:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=SlotFactory(), actor=receptionist
    )
    booked_events = len(events())
    Appointment.objects.filter(pk=appointment.pk).update(notes=CANARY)
    [event] = events()[booked_events:]
    assert event.action == Action.CHANGE and event.actor_kind == Kind.SYSTEM
    assert event.submission_id == appointment.submission_id
    assert event.object_repr == appointment.submission.reference
    assert event.changed_fields == ["notes"]
    assert event.details == {"appointment": appointment.pk, "via": "queryset.update"}
    # Through the submission's related manager too.
    appointment.submission.appointments.update(notes="")
    assert len(events()) == booked_events + 2
    assert_no_canary()


def test_deleting_a_staff_user_audits_what_it_clears_on_their_cases(triage_nurse: User) -> None:
    submission = SubmissionFactory(assigned_to=triage_nurse)
    triage_nurse.delete()  # Django's SET_NULL: an update through the base manager
    [event] = events(submission_id=submission.pk)
    assert event.changed_fields == ["assigned_to"]
    submission.refresh_from_db()
    assert submission.assigned_to is None


def test_a_bulk_delete_leaves_an_audit_row_per_row() -> None:
    old = Submission.objects.create(token="old-draft", expires_at=NOW - dt.timedelta(days=1))
    kept = Submission.objects.create(token="new-draft", expires_at=NOW + dt.timedelta(days=1))
    assert drafts.submission_purge_expired_drafts(now=NOW) == 1
    [event] = events()
    assert event.action == Action.DELETE and event.actor_kind == Kind.SYSTEM
    assert event.submission_id == old.pk and event.changed_fields == []
    assert event.details == {"via": "queryset.delete", "reason": "expired_draft"}
    assert event.object_repr == f"Draft {old.pk}"
    assert list(Submission.objects.all()) == [kept]


def test_only_plainsqls_orm_path_skips_the_audit() -> None:
    """`update_unaudited` is the one way round the audited update(): the patient's page saves
    through plainsql's ORM fallback, which must match plainsql's own UPDATE. Nobody else."""
    callers = set()
    for package in (intake, clinic):
        for path in Path(package.__path__[0]).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr == "update_unaudited":
                    callers.add(path.name)
    assert callers == {"plainsql.py"}


# --- The patient's own actions ----------------------------------------------------------------


@pytest.mark.parametrize("plain_sql", [True, False], ids=["plainsql", "orm"])
def test_sending_the_form_is_audited_with_actor_patient(plain_sql: bool) -> None:
    with override_settings(CLINIC_PLAINSQL=plain_sql):
        draft = filled_draft("V19", main_problem_text=CANARY)
        assert not events(submission_id=draft.pk)  # page saves are not recorded
        sent = sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    [event] = events(submission_id=sent.pk)
    assert event.action == Action.SUBMIT
    assert event.actor is None and event.actor_username == ""
    assert event.actor_kind == Kind.PATIENT and event.actor_label == "patient"
    assert event.object_repr == sent.reference
    assert "answers" in event.changed_fields and "status" in event.changed_fields
    assert event.details == {"from": "draft", "to": "submitted", "tier": "URGENT"}
    assert_no_canary()
    # A replayed POST (a double click) sends nothing more and records nothing more.
    sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    assert len(events(submission_id=sent.pk)) == 1


@pytest.mark.parametrize("plain_sql", [True, False], ids=["plainsql", "orm"])
def test_sending_costs_one_insert_more_for_its_audit_row(
    plain_sql: bool, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """With plainsql (production), the sending transaction was three statements for a new
    patient; the audit row is the fourth, and the only addition (docs/operations.md). The ORM
    fallback looks the patient up first, and adds the same one INSERT."""
    with override_settings(CLINIC_PLAINSQL=plain_sql):
        draft = filled_draft("V19")
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False),
        ):
            sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    statements = [
        " ".join(q["sql"].split()[:3]).replace('"', "")
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    patient_lookup = [] if plain_sql else ["SELECT 1 AS"]
    assert statements == [
        *patient_lookup,
        "INSERT INTO intake_patient",
        "UPDATE intake_submission SET",
        "INSERT INTO intake_notification",
        "INSERT INTO intake_auditevent",
    ]


def test_the_patient_sending_through_the_pages_is_audited(journey: object) -> None:
    assert callable(journey)
    sent = journey("V07", send=True)
    assert [(e.action, e.actor_kind) for e in events(submission_id=sent.pk)] == [
        (Action.SUBMIT, Kind.PATIENT)
    ]


def test_the_emergency_advice_shown_is_audited_once_with_actor_patient() -> None:
    draft = filled_draft("V02")  # an emergency: the save interrupts
    [event] = events(submission_id=draft.pk)
    assert event.action == Action.EMERGENCY_SHOWN
    assert event.actor_kind == Kind.PATIENT
    assert event.details["rules"] == draft.interrupted_rules and event.details["reopened"] is False
    assert {"interruption_shown_at", "interrupted_rules", "tier"} <= set(event.changed_fields)
    # The next page's save, already interrupted for the same rule: nothing new to record.
    drafts.submission_save_step(submission=draft, step_answers={}, now=NOW)
    assert len(events(submission_id=draft.pk)) == 1


def test_a_plain_draft_page_save_is_not_audited() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(
        submission=draft, step_answers={"main_problem_text": CANARY}, identity=IDENTITY, now=NOW
    )
    assert not events()


def test_the_resume_link_is_audited_without_the_date_given() -> None:
    draft = filled_draft()
    born = dt.date.fromisoformat(draft.identity["date_of_birth"])
    wrong = born - dt.timedelta(days=1)
    assert not drafts.submission_check_resume(submission=draft, date_of_birth=wrong)
    assert drafts.submission_check_resume(submission=draft, date_of_birth=born)
    failed, unlocked = events(submission_id=draft.pk)
    assert failed.action == unlocked.action == Action.RESUME
    assert failed.actor_kind == unlocked.actor_kind == Kind.PATIENT
    assert failed.changed_fields == unlocked.changed_fields == ["resume_failures"]
    assert failed.details == {"unlocked": False, "failures": 1, "link_closed": False}
    assert unlocked.details == {"unlocked": True, "failures": 0, "link_closed": False}
    for event in (failed, unlocked):
        assert wrong.isoformat() not in json.dumps(event.details)
        assert born.isoformat() not in json.dumps(event.details)


def test_the_patients_cancel_link_is_audited_with_actor_patient(receptionist: User) -> None:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=SlotFactory(), actor=receptionist
    )
    booked = len(events())
    url = f"/appointment/cancel/{cancel_token(appointment.pk)}/"
    response = Client().post(url, {"reason": ""})
    assert response.status_code == 200
    cancelled = events()[booked:]
    assert [(e.action, e.actor_kind, e.actor) for e in cancelled] == [
        (Action.STATUS, Kind.PATIENT, None),
        (Action.CANCEL, Kind.PATIENT, None),
    ]
    assert cancelled[1].details["by_patient"] is True
    assert cancelled[0].ip_address == "127.0.0.1"


# --- Staff changes: the event their service always wrote, unchanged --------------------------


def test_a_staff_change_leaves_its_one_existing_audit_row(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    workflow.submission_assign(
        submission=submission, assignee=triage_nurse, actor=triage_nurse, ip_address="192.0.2.9"
    )
    [event] = events()
    assert event.action == Action.ASSIGN
    assert (event.actor, event.actor_username, event.actor_kind) == (
        triage_nurse,
        "tess",
        Kind.STAFF,
    )
    assert event.changed_fields == ["assigned_to"]
    assert event.details == {"to": "tess"}
    assert event.ip_address == "192.0.2.9"
    assert event.object_repr == submission.reference


def test_events_recorded_before_actor_kinds_read_as_before() -> None:
    """Rows from before migration 0019 have no kind; the history names them as it did."""
    staff = AuditEvent.objects.create(action=Action.VIEW, actor_username="tess")
    system = AuditEvent.objects.create(action=Action.ESCALATION)
    assert (staff.actor_kind, staff.actor_label) == ("", "tess")
    assert (system.actor_kind, system.actor_label) == ("", "system")


def test_starting_a_review_records_the_reviewer_taking_the_case(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    workflow.submission_start_review(submission=submission, actor=triage_nurse)
    status, assign = events()
    assert (status.action, status.changed_fields) == (Action.STATUS, ["status"])
    assert (assign.action, assign.changed_fields) == (Action.ASSIGN, ["assigned_to"])
    assert assign.details == {"to": "tess", "taken_on_review": True}
    assert assign.actor == triage_nurse
    # Already assigned: the status only.
    workflow.submission_set_status(
        submission=submission, status=Submission.Status.TRIAGED, actor=triage_nurse
    )
    workflow.submission_start_review(submission=submission, actor=triage_nurse)
    assert [e.action for e in events()[2:]] == [Action.STATUS, Action.STATUS]


def test_the_case_history_names_the_patient_as_who_sent_it(triage_nurse: User) -> None:
    sent = sending.submission_submit(
        submission=filled_draft("V19"), consent_answers=CONSENT, now=NOW
    )
    page = logged_in(triage_nurse).get(f"/admin/intake/submission/{sent.pk}/history/")
    assert page.status_code == 200
    assert re.search(r"·\s*patient\s*·\s*Form sent", page.content.decode())
