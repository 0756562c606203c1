"""Encryption at rest (issue 18): what SQL sees is tokens, what the app reads is the text.

The free-text answers, the NHS number, staff notes and reasons are written through the patient's
pages (intake/plainsql.py, or the ORM with CLINIC_PLAINSQL=false: `make pytest-orm` runs this
file that way too) and the staff services; then every column of every table is read with plain
SQL, as `psql` would, and must not hold any of them; and the app still reads them back. A key
rotation: rows written under an old key are read with [new, old], `reencrypt` moves them to the
new key, after which the old key alone opens nothing and the new one everything.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_django
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.auth.models import User
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from intake import encryption, plainsql
from intake.encryption import DecryptionError
from intake.models import AuditEvent, Patient, RulesetChange, Submission, SubmissionNote
from intake.scheduling.models import Appointment, AvailabilityException, BookingRequest
from intake.scheduling.services import booking, requests
from intake.selectors.drafts import submission_get_for_patient
from intake.services import workflow
from tests.factories import (
    PatientFactory,
    SlotFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
)
from tests.intake.conftest import CONSENT, fill_until, start
from tests.journey import identity_for, vignette_answers

pytestmark = pytest.mark.django_db

# What a patient types, and a valid NHS number: none may be found by SQL anywhere.
PROBLEM = "Quillfeather ache behind the left knee"
MEDICINES = "Zebrafinch 20 mg tablets twice daily"
ALLERGIES = "Marmoset pollen and penicillin"
NHS_NUMBER = "9434765919"
PATIENT_TEXT = (PROBLEM, MEDICINES, ALLERGIES, NHS_NUMBER)
# What staff type.
NOTE = "Phoned Thistlewick daughter, will call back"
OVERRIDE = "Pulse absent per Gallowglass review"
CANCELLED = "Clashes with Wendigo dialysis slot"
BOOKING_NOTE = "Needs Quokka wheelchair access"
LEAVE = "Brambleford surgery recovery"
RELEASE = "Kept: Nightjar history matters"
# Triage's note to reception (issue 20's booking request).
RECEPTION_NOTE = "Book with the Pangolin registrar, mornings"
STAFF_TEXT = (NOTE, OVERRIDE, CANCELLED, BOOKING_NOTE, LEAVE, RELEASE, RECEPTION_NOTE)

# Every encrypted column (table, column): what the models declare, checked below.
ENCRYPTED = {
    ("intake_patient", "nhs_number"),
    ("intake_submission", "identity"),
    ("intake_submission", "answers"),
    ("intake_submission", "held_input"),
    ("intake_submission", "typed_input"),
    ("intake_submission", "override_reason"),
    ("intake_submissionnote", "text"),
    ("intake_rulesetchange", "reason"),
    ("intake_appointment", "cancel_reason"),
    ("intake_appointment", "notes"),
    ("intake_availabilityexception", "reason"),
    ("scheduling_bookingrequest", "note"),
}


def every_stored_value() -> Iterator[tuple[str, str, Any]]:
    """(table, column, value) for every column of every row of every table, read with plain
    SQL: what `psql` or a copy of the database would show."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - a table the database named
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    yield table, column, value


def assert_sql_sees_none_of(texts: tuple[str, ...]) -> None:
    found = [
        (table, column)
        for table, column, value in every_stored_value()
        if value is not None and any(text in str(value) for text in texts)
    ]
    assert found == []


def assert_encrypted_columns_hold_only_tokens() -> None:
    seen = set()
    for table, column, value in every_stored_value():
        if (table, column) in ENCRYPTED and value:
            seen.add((table, column))
            assert encryption.is_token(str(value)), (table, column)
    assert seen  # the test wrote something to check


def raw(table: str, column: str, pk: int) -> str:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(column)} FROM {q(table)} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_the_models_encrypt_exactly_the_columns_this_file_checks() -> None:
    from django.apps import apps

    declared = {
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, encryption.EncryptedFieldBase)
    }
    assert declared == ENCRYPTED


# --- The patient's pages (plainsql, or the ORM with CLINIC_PLAINSQL=false) ------------------


def test_sql_sees_no_free_text_or_nhs_number_while_the_patient_pages_read_them_back(
    patient: Client,
) -> None:
    answers = {
        **vignette_answers(),
        "main_problem_text": PROBLEM,
        "medication_list": MEDICINES,
        "allergies": ALLERGIES,
    }
    identity = {**identity_for(answers), "nhs_number": NHS_NUMBER}
    draft = start(patient)
    fill_until(patient, draft, answers, identity=identity)

    # Stored: tokens only, in the draft's answers and identity too.
    assert_sql_sees_none_of(PATIENT_TEXT)
    assert_encrypted_columns_hold_only_tokens()
    # Read back through the patient's own read (plainsql.fetch, or the ORM) ...
    loaded = submission_get_for_patient(draft.token)
    assert loaded is not None
    assert loaded.answers["main_problem_text"] == PROBLEM
    assert loaded.identity["nhs_number"] == NHS_NUMBER
    # ... and shown on the check page, as typed.
    page = patient.get(f"/intake/{draft.token}/check/").content.decode()
    for text in (PROBLEM, MEDICINES, ALLERGIES):
        assert text in page

    response = patient.post(f"/intake/{draft.token}/check/", CONSENT)
    assert response.status_code == 302
    assert_sql_sees_none_of(PATIENT_TEXT)
    assert_encrypted_columns_hold_only_tokens()
    sent = Submission.objects.select_related("patient").get(pk=draft.pk)
    assert sent.status == Submission.Status.SUBMITTED
    assert (sent.answers["medication_list"], sent.answers["allergies"]) == (MEDICINES, ALLERGIES)
    assert sent.patient is not None and sent.patient.nhs_number == NHS_NUMBER
    # The patient is found again by the number's keyed hash, never the number itself.
    assert sent.patient.nhs_number_hash == encryption.lookup_hash(NHS_NUMBER)
    assert plainsql.first_pk(Patient, nhs_number_hash=encryption.lookup_hash(NHS_NUMBER)) == (
        sent.patient.pk
    )


# --- Staff: notes and reasons -----------------------------------------------------------------


def test_sql_sees_no_staff_note_or_reason_while_the_app_reads_them_back(
    triage_nurse: User, receptionist: User
) -> None:
    case = SubmissionFactory(tier="URGENT")
    workflow.submission_add_note(submission=case, text=NOTE, actor=triage_nurse)
    workflow.submission_override_tier(
        submission=case, tier="SOON", reason=OVERRIDE, actor=triage_nurse
    )
    release = RulesetChange.objects.create(
        submission=case,
        from_ruleset="2026.1",
        to_ruleset="2026.2",
        old_tier="URGENT",
        new_tier="SOON",
        reason=RELEASE,
    )
    triaged = TriagedSubmissionFactory()
    slot = SlotFactory()
    appointment = booking.appointment_book(
        submission=triaged, slot=slot, actor=receptionist, notes=BOOKING_NOTE
    )
    booking.appointment_cancel(appointment=appointment, reason=CANCELLED, actor=receptionist)
    leave = AvailabilityException.objects.create(
        clinician=slot.clinician, starts_at=slot.start, ends_at=slot.end, reason=LEAVE
    )
    guided = SubmissionFactory(tier="SOON")
    requests.submission_triage(submission=guided, actor=triage_nurse, note=RECEPTION_NOTE)

    assert_sql_sees_none_of(STAFF_TEXT)
    assert_encrypted_columns_hold_only_tokens()
    assert SubmissionNote.objects.get(submission=case).text == NOTE
    assert Submission.objects.get(pk=case.pk).override_reason == OVERRIDE
    assert RulesetChange.objects.get(pk=release.pk).reason == RELEASE
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.notes, stored.cancel_reason) == (BOOKING_NOTE, CANCELLED)
    assert AvailabilityException.objects.get(pk=leave.pk).reason == LEAVE
    assert BookingRequest.objects.get(submission=guided).note == RECEPTION_NOTE


def test_the_mid_form_emergency_follow_up_is_an_encrypted_note(triage_nurse: User) -> None:
    draft = SubmissionFactory(
        status=Submission.Status.DRAFT,
        reference=None,
        submitted_at=None,
        interruption_shown_at=SubmissionFactory.build().submitted_at,
    )
    workflow.submission_record_emergency_follow_up(submission=draft, text=NOTE, actor=triage_nurse)
    assert_sql_sees_none_of((NOTE,))
    assert NOTE in SubmissionNote.objects.get(submission=draft).text


# --- What the fields store ---------------------------------------------------------------------


def test_empty_text_stays_empty_and_json_keeps_its_types() -> None:
    answers = {"age_years": 71, "smoker": True, "leg": None, "where": ["calf", "foot"], "t": "é"}
    case = SubmissionFactory(answers=answers, override_reason="")
    assert raw("intake_submission", "override_reason", case.pk) == ""
    # The whole document is one token: no key (question code) shows either.
    stored = raw("intake_submission", "answers", case.pk)
    assert encryption.is_token(stored) and "age_years" not in stored
    assert Submission.objects.get(pk=case.pk).answers == answers
    # Even an empty document: SQL cannot tell which drafts have answers.
    empty = SubmissionFactory(answers={})
    assert encryption.is_token(raw("intake_submission", "answers", empty.pk))
    assert Submission.objects.get(pk=empty.pk).answers == {}


def test_the_same_text_is_stored_differently_each_time() -> None:
    first, second = (
        SubmissionFactory(override_reason=OVERRIDE),
        SubmissionFactory(override_reason=OVERRIDE),
    )
    assert raw("intake_submission", "override_reason", first.pk) != raw(
        "intake_submission", "override_reason", second.pk
    )


def test_sql_lookups_that_cannot_work_on_a_token_are_refused_not_silently_empty() -> None:
    SubmissionFactory(override_reason=OVERRIDE)
    with pytest.raises(FieldError, match="encrypted"):
        Submission.objects.filter(override_reason=OVERRIDE).count()
    with pytest.raises(FieldError):
        Submission.objects.filter(override_reason__icontains="Pulse").count()
    with pytest.raises(FieldError):
        Submission.objects.filter(answers__main_problem_text="Aching calves").count()
    with pytest.raises(FieldError):
        Patient.objects.filter(nhs_number__startswith="943").count()
    # plainsql refuses too (it builds its own SQL; the ORM fallback raises FieldError).
    with pytest.raises((TypeError, FieldError), match="encrypted"):
        plainsql.first_pk(Patient, nhs_number=NHS_NUMBER)
    # What SQL can still answer: whether it is empty.
    assert Submission.objects.filter(override_reason="").count() == 0
    assert Submission.objects.exclude(override_reason="").count() == 1
    assert Submission.objects.filter(answers__isnull=False).count() == 1


def test_a_value_stored_before_its_column_was_encrypted_is_read_as_it_is() -> None:
    case = SubmissionFactory()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q('intake_submission')} SET {q('override_reason')} = %s, "  # noqa: S608
            f"{q('answers')} = %s WHERE id = %s",
            ["Written before issue 18", json.dumps({"main_problem_text": "old"}), case.pk],
        )
    loaded = Submission.objects.get(pk=case.pk)
    assert loaded.override_reason == "Written before issue 18"
    assert loaded.answers == {"main_problem_text": "old"}


def test_a_token_no_key_opens_raises_naming_the_column_not_the_value(
    settings: pytest_django.Settings,
) -> None:
    case = SubmissionFactory(override_reason=OVERRIDE)
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError) as raised:
        Submission.objects.values_list("override_reason", flat=True).get(pk=case.pk)
    message = str(raised.value)
    assert "intake_submission.override_reason" in message
    assert "CLINIC_FIELD_ENCRYPTION_KEYS" in message
    assert OVERRIDE not in message and "gAAAA" not in message


def test_without_keys_nothing_is_read_or_written_and_the_variable_is_named(
    settings: pytest_django.Settings,
) -> None:
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CLINIC_FIELD_ENCRYPTION_KEYS must be set"):
        SubmissionFactory(override_reason=OVERRIDE)
    with pytest.raises(CommandError, match="CLINIC_FIELD_ENCRYPTION_KEYS and"):
        reencrypt()
    settings.CLINIC_LOOKUP_HASH_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="CLINIC_LOOKUP_HASH_KEY must be set"):
        encryption.lookup_hash(NHS_NUMBER)


# --- The NHS number's keyed hash ----------------------------------------------------------------


def test_the_lookup_hash_follows_the_nhs_number_through_save_update_and_bulk_create(
    settings: pytest_django.Settings,
) -> None:
    patient = PatientFactory(nhs_number=NHS_NUMBER)
    assert patient.nhs_number_hash == encryption.lookup_hash(NHS_NUMBER)
    assert len(patient.nhs_number_hash) == 64 and NHS_NUMBER not in patient.nhs_number_hash
    Patient.objects.filter(pk=patient.pk).update(nhs_number="4857773456")
    patient.refresh_from_db()
    assert patient.nhs_number_hash == encryption.lookup_hash("4857773456")
    [bulk] = Patient.objects.bulk_create([PatientFactory.build(nhs_number=NHS_NUMBER)])
    assert Patient.objects.get(pk=bulk.pk).nhs_number_hash == encryption.lookup_hash(NHS_NUMBER)
    assert PatientFactory(nhs_number="").nhs_number_hash == ""
    # Keyed: another key, another hash, so a list of every NHS number's plain SHA-256 (there
    # are only a billion) does not reverse the column.
    settings.CLINIC_LOOKUP_HASH_KEY = "another-lookup-hash-key-of-32-characters"
    assert encryption.lookup_hash(NHS_NUMBER) != patient.nhs_number_hash


# --- Key rotation -------------------------------------------------------------------------------

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def reencrypt() -> str:
    out = io.StringIO()
    call_command("reencrypt", "--batch-size", "2", stdout=out)
    return out.getvalue()


def test_a_key_rotation_reads_old_rows_and_reencrypt_moves_them_to_the_new_key(
    settings: pytest_django.Settings, triage_nurse: User
) -> None:
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    cases = [
        SubmissionFactory(answers={"main_problem_text": PROBLEM}, override_reason=OVERRIDE)
        for _ in range(3)
    ]
    patient = cases[0].patient
    assert patient is not None
    Patient.objects.filter(pk=patient.pk).update(nhs_number=NHS_NUMBER)
    workflow.submission_add_note(submission=cases[0], text=NOTE, actor=triage_nurse)
    before = raw("intake_submission", "answers", cases[0].pk)
    assert Fernet(OLD_KEY.encode()).decrypt(before.encode())

    # The new key first, the old one kept: old rows read, new writes use the new key.
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert Submission.objects.get(pk=cases[0].pk).answers == {"main_problem_text": PROBLEM}
    written = SubmissionFactory(override_reason=OVERRIDE)
    Fernet(NEW_KEY.encode()).decrypt(raw("intake_submission", "override_reason", written.pk))

    out = reencrypt()
    assert "intake_submission.answers: 3 re-encrypted, 1 current" in out
    assert "intake_submission.override_reason: 3 re-encrypted, 1 current" in out
    assert "intake_submissionnote.text: 1 re-encrypted" in out
    assert "intake_patient.nhs_number: 1 re-encrypted" in out
    assert "intake_appointment.notes: empty" in out
    for text in (PROBLEM, OVERRIDE, NOTE, NHS_NUMBER):
        assert text not in out  # counts and column names, never a value

    # The old key alone no longer opens anything; the new one opens everything.
    for table, column, value in every_stored_value():
        if (table, column) in ENCRYPTED and value:
            with pytest.raises(InvalidToken):
                Fernet(OLD_KEY.encode()).decrypt(str(value).encode())
            Fernet(NEW_KEY.encode()).decrypt(str(value).encode())
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(DecryptionError):
        Submission.objects.get(pk=cases[0].pk)
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert Submission.objects.get(pk=cases[0].pk).override_reason == OVERRIDE
    assert Patient.objects.get(pk=patient.pk).nhs_number == NHS_NUMBER
    assert SubmissionNote.objects.get().text == NOTE

    # Idempotent: a second run finds everything current and rewrites nothing.
    after = raw("intake_submission", "answers", cases[0].pk)
    again = reencrypt()
    assert "re-encrypted" not in again and "intake_submission.answers: 4 current" in again
    assert raw("intake_submission", "answers", cases[0].pk) == after

    # One audit event per run, by the system, with the counts: no value.
    runs = list(AuditEvent.objects.filter(action=AuditEvent.Action.REENCRYPT).order_by("id"))
    assert len(runs) == 2
    assert runs[0].actor_kind == AuditEvent.ActorKind.SYSTEM and runs[0].submission_id is None
    assert runs[0].details["columns"]["intake_submission.answers"] == {
        "re-encrypted": 3,
        "current": 1,
    }
    assert not any(text in json.dumps(runs[0].details) for text in PATIENT_TEXT + STAFF_TEXT)


def test_reencrypt_encrypts_a_value_left_in_the_clear_and_fixes_a_stale_hash() -> None:
    case = SubmissionFactory()
    patient = case.patient
    assert patient is not None
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q('intake_submission')} SET {q('override_reason')} = %s "  # noqa: S608
            "WHERE id = %s",
            [OVERRIDE, case.pk],
        )
        cursor.execute(
            f"UPDATE {q('intake_patient')} SET {q('nhs_number_hash')} = 'stale' "  # noqa: S608
            "WHERE id = %s",
            [patient.pk],
        )
    out = reencrypt()
    assert "intake_submission.override_reason: 1 encrypted" in out
    assert "intake_patient.nhs_number_hash: 1 updated" in out
    assert_sql_sees_none_of((OVERRIDE,))
    assert Submission.objects.get(pk=case.pk).override_reason == OVERRIDE
    assert Patient.objects.get(pk=patient.pk).nhs_number_hash == ""


def test_reencrypt_fails_and_changes_nothing_it_cannot_read(
    settings: pytest_django.Settings,
) -> None:
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    case = SubmissionFactory(override_reason=OVERRIDE)
    before = raw("intake_submission", "override_reason", case.pk)
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key removed too early
    with pytest.raises(CommandError, match=r"could not be decrypted with any key"):
        reencrypt()
    assert raw("intake_submission", "override_reason", case.pk) == before
    settings.CLINIC_FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # put back: nothing was lost
    assert Submission.objects.get(pk=case.pk).override_reason == OVERRIDE
