"""The migrations that encrypt existing rows (intake 0026, scheduling 0004; issue 18), and their
reverse, which gives the plain values back (JSON columns as JSON again on PostgreSQL).

Rows are written at the migrations just before, as a clinic running the release before
encryption would have them, then the database is migrated forward and back. SQLite here;
CI runs the same on PostgreSQL, where the JSON columns go from jsonb to text and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from intake import encryption, plainsql
from intake.models import Patient, Submission, SubmissionNote
from intake.scheduling.models import Appointment, AvailabilityException
from tests.intake.test_encryption import ENCRYPTED, assert_sql_sees_none_of, every_stored_value

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE: list[tuple[str, str | None]] = [
    ("intake", "0025_patient_data_rights"),
    ("scheduling", "0003_appointment_bulk_changes_audited"),
]
# Up to the encryption, and the appointment's updated_at (issue 21, scheduling 0005) and the
# submission's typed_input (issue 19, intake 0028, encrypted from the start: existing rows get
# an encrypted empty document) that the app's models, used to read the rows back, already have.
ENCRYPTING: list[tuple[str, str | None]] = [
    ("intake", "0028_typed_input"),
    ("scheduling", "0005_appointment_updated_at"),
]
# Encrypted columns of tables made after these migrations, encrypted from the start: nothing
# plain for a migration to encrypt (issue 20's booking request, scheduling 0006).
BORN_ENCRYPTED = {("scheduling_bookingrequest", "note")}
ANSWERS = {"main_problem_text": "Heronsgate cramp at night", "age_years": 71, "smoker": True}
IDENTITY = {"full_name": "Ada Brook", "nhs_number": "9434765919", "date_of_birth": "1950-01-01"}
HELD = {"step": "red_flags", "data": {"main_problem_text": ["Heronsgate cramp at night"]}}
TEXTS = {
    "override": "Tier lowered: Whimbrel scan normal",
    "note": "Left Ptarmigan voicemail",
    "release": "Kept URGENT: Sandpiper history",
    "notes": "Wants Avocet interpreter",
    "cancel": "Patient in Curlew hospital",
    "leave": "Godwit course",
}
CANARIES = (*TEXTS.values(), "Heronsgate", "9434765919")


def migrate(targets: list[tuple[str, str | None]]) -> None:
    MigrationExecutor(connection).migrate(targets)


def apps_at(targets: list[tuple[str, str | None]]) -> Apps:
    nodes = [(app, name) for app, name in targets if name is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


@pytest.fixture
def before_encryption() -> Iterator[Apps]:
    migrate(BEFORE)
    yield apps_at(BEFORE)
    migrate(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))


def write_rows(apps: Apps) -> dict[str, int]:
    """Plain values in every column the migrations encrypt, written with the models of then."""

    # Historical models are built at run time from the migrations: no static type to give them.
    def model(app: str, name: str) -> Any:
        return apps.get_model(app, name)

    now = timezone.now()
    patient = model("intake", "Patient").objects.create(
        full_name="Ada Brook",
        date_of_birth=dt.date(1950, 1, 1),
        email="ada@example.org",
        phone="07700900000",
        preferred_contact="email",
        nhs_number="9434765919",
    )
    submission = model("intake", "Submission").objects.create(
        token="encryption-migration",
        status="booked",
        patient=patient,
        reference="LEG-ENCR-TEST",
        submitted_at=now,
        identity=IDENTITY,
        answers=ANSWERS,
        held_input=HELD,
        override_reason=TEXTS["override"],
    )
    empty = model("intake", "Submission").objects.create(token="empty-draft")
    note = model("intake", "SubmissionNote").objects.create(
        submission=submission, text=TEXTS["note"]
    )
    model("intake", "RulesetChange").objects.create(
        submission=submission,
        from_ruleset="1",
        to_ruleset="2",
        old_tier="URGENT",
        new_tier="SOON",
        reason=TEXTS["release"],
    )
    clinician = model("scheduling", "Clinician").objects.create(name="Dr Vein", role="nurse")
    kind = model("scheduling", "AppointmentType").objects.create(
        name="Vein clinic", duration_minutes=30, roles=["nurse"], location="Room 4"
    )
    leave = model("scheduling", "AvailabilityException").objects.create(
        clinician=clinician,
        starts_at=now,
        ends_at=now + dt.timedelta(days=1),
        reason=TEXTS["leave"],
    )
    slot = model("scheduling", "Slot").objects.create(
        clinician=clinician, appointment_type=kind, start=now, end=now + dt.timedelta(hours=1)
    )
    appointment = model("scheduling", "Appointment").objects.create(
        submission=submission,
        slot=slot,
        clinician=clinician,
        starts_at=slot.start,
        ends_at=slot.end,
        status="cancelled",
        notes=TEXTS["notes"],
        cancel_reason=TEXTS["cancel"],
    )
    return {
        "patient": patient.pk,
        "submission": submission.pk,
        "empty": empty.pk,
        "note": note.pk,
        "leave": leave.pk,
        "appointment": appointment.pk,
    }


def test_encrypting_migrations_encrypt_every_row_and_their_reverse_decrypts_it(
    before_encryption: Apps,
) -> None:
    ids = write_rows(before_encryption)
    plain = {(table, column): value for table, column, value in every_stored_value()}
    assert plain[("intake_patient", "nhs_number")] == "9434765919"  # as a clinic has it today

    migrate(ENCRYPTING)

    assert_sql_sees_none_of(CANARIES)
    stored = [(t, c, v) for t, c, v in every_stored_value() if (t, c) in ENCRYPTED and v]
    assert {(t, c) for t, c, _v in stored} == ENCRYPTED - BORN_ENCRYPTED
    assert all(encryption.is_token(str(v)) for _t, _c, v in stored)
    # The app reads every value back, with its type (JSON numbers and booleans too), once the
    # later migrations have brought the tables to the app's models (new columns and tables).
    migrate(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))
    submission = Submission.objects.get(pk=ids["submission"])
    assert (submission.answers, submission.identity) == (ANSWERS, IDENTITY)
    assert submission.held_input == HELD
    assert submission.typed_input == {}
    assert submission.override_reason == TEXTS["override"]
    assert Submission.objects.get(pk=ids["empty"]).answers == {}
    assert SubmissionNote.objects.get(pk=ids["note"]).text == TEXTS["note"]
    assert submission.ruleset_changes.get().reason == TEXTS["release"]
    appointment = Appointment.objects.get(pk=ids["appointment"])
    assert (appointment.notes, appointment.cancel_reason) == (TEXTS["notes"], TEXTS["cancel"])
    assert AvailabilityException.objects.get(pk=ids["leave"]).reason == TEXTS["leave"]
    # The patient is found by the keyed hash the migration computed.
    patient = Patient.objects.get(pk=ids["patient"])
    assert patient.nhs_number == "9434765919"
    assert (
        plainsql.first_pk(Patient, nhs_number_hash=encryption.lookup_hash("9434765919"))
        == (ids["patient"])
    )

    migrate(BEFORE)

    # Back as they were, to the byte for text; JSON as JSON (jsonb on PostgreSQL).
    back = {(table, column): value for table, column, value in every_stored_value()}
    for table, column in ENCRYPTED - BORN_ENCRYPTED:
        if column in ("identity", "answers", "held_input"):
            continue
        if (table, column) == ("intake_submission", "typed_input"):
            assert (table, column) not in back  # added after the encryption, gone again
            continue
        assert back[(table, column)] == plain[(table, column)], (table, column)
    old = apps_at(BEFORE).get_model("intake", "Submission").objects.get(pk=ids["submission"])
    assert (old.answers, old.identity, old.held_input) == (ANSWERS, IDENTITY, HELD)
