"""`manage.py patient_export` and `patient_erase` (issue 18): one patient, found by email (and
date of birth when several share it), never showing anyone else's data; files readable by their
owner only; erasure run by a named clinic admin and, inside retention, confirmed by another."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from intake import roles
from intake.models import AuditEvent, Patient, Submission
from tests.factories import PatientFactory, SubmissionFactory, staff_user
from tests.intake.data_rights_world import days_ago

pytestmark = pytest.mark.django_db

EMAIL = "quill.family@canary-mail.example"
REASON = "Letter of 3 March, ref DR-2026-031"


@pytest.fixture
def quill() -> Patient:
    """Quentin, with one form sent a year ago: inside the retention period."""
    patient = PatientFactory(
        full_name="Quentin Canary-Quill", email=EMAIL, date_of_birth="1961-04-12"
    )
    SubmissionFactory(patient=patient, submitted_at=days_ago(365))
    return patient


@pytest.fixture
def twin(quill: Patient) -> Patient:
    """Quinn shares the family's email address, with another date of birth."""
    return PatientFactory(full_name="Quinn Canary-Quill", email=EMAIL, date_of_birth="1990-09-09")


@pytest.fixture
def second_admin(db: None) -> User:
    return staff_user("omar", roles.CLINIC_ADMIN)


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_export_writes_the_json_and_html_for_the_owner_only(quill: Patient, tmp_path: Path) -> None:
    out = tmp_path / "request-031"
    printed = run("patient_export", EMAIL.upper(), "--out", str(out))
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".html", ".json"]
    assert all(f.name.startswith(f"patient-{quill.pk}-") for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    data = json.loads(files[1].read_text())
    assert data["patient"]["full_name"] == "Quentin Canary-Quill"
    assert "Quentin Canary-Quill" in files[0].read_text()
    assert "Canary-Quill" not in printed  # ids and paths on the terminal, no names
    event = AuditEvent.objects.get(action="export")
    assert event.actor_kind == "system" and event.details["via"] == "command"


def test_export_records_who_ran_it(quill: Patient, clinic_admin: User, tmp_path: Path) -> None:
    run("patient_export", EMAIL, "--out", str(tmp_path), "--by", "cleo")
    assert AuditEvent.objects.get(action="export").actor == clinic_admin


@pytest.mark.parametrize("command", ["patient_export", "patient_erase"])
def test_several_patients_with_the_email_are_refused_saying_only_how_many(
    command: str, quill: Patient, twin: Patient, clinic_admin: User, tmp_path: Path
) -> None:
    extra = ["--out", str(tmp_path)] if command == "patient_export" else []
    extra += (
        ["--reason", REASON, "--by", "cleo", "--no-input"] if command == "patient_erase" else []
    )
    with pytest.raises(CommandError) as refused:
        run(command, EMAIL, *extra)
    message = str(refused.value)
    assert "2 patient records" in message and "--dob" in message
    for theirs in ("Quentin", "Quinn", "Canary", "1961", "1990", f"#{quill.pk}", f"#{twin.pk}"):
        assert theirs not in message
    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(action__in=["export", "erase"]).exists()
    assert Patient.objects.filter(pk__in=[quill.pk, twin.pk]).count() == 2


def test_the_date_of_birth_says_whose_request_it_is(
    quill: Patient, twin: Patient, tmp_path: Path
) -> None:
    run("patient_export", EMAIL, "--dob", "1990-09-09", "--out", str(tmp_path))
    [json_file] = tmp_path.glob("*.json")
    data = json.loads(json_file.read_text())
    assert data["patient"]["id"] == twin.pk
    assert "Quentin" not in json_file.read_text()


def test_no_match_is_refused(quill: Patient, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No patient record matches"):
        run("patient_export", "nobody@canary-mail.example", "--out", str(tmp_path))


def test_erase_inside_retention_needs_a_second_admin(
    quill: Patient, clinic_admin: User, second_admin: User
) -> None:
    with pytest.raises(CommandError, match="second clinic admin must confirm"):
        run("patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--no-input")
    assert Patient.objects.get(pk=quill.pk).full_name == "Quentin Canary-Quill"
    with pytest.raises(CommandError, match="not by you"):
        run(
            "patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--confirmed-by", "cleo",
            "--no-input",
        )  # fmt: skip
    printed = run(
        "patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--confirmed-by", "omar",
        "--no-input",
    )  # fmt: skip
    assert f"Erased patient #{quill.pk}: 1 form(s) anonymised, 0 deleted" in printed
    assert Patient.objects.get(pk=quill.pk).full_name == "[erased]"
    summary = AuditEvent.objects.get(action="erase", submission__isnull=True)
    assert summary.actor == clinic_admin
    assert summary.details["confirmed_by"] == "omar" and summary.details["via"] == "command"


def test_erase_past_retention_needs_no_second_admin(quill: Patient, clinic_admin: User) -> None:
    Submission.objects.filter(patient=quill).update(submitted_at=days_ago(9 * 365))
    run("patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--no-input")
    assert not Patient.objects.filter(pk=quill.pk).exists()


@pytest.mark.parametrize(
    ("by", "confirmer", "message"),
    [
        ("nobody", "omar", "--by: no staff account"),
        ("cleo", "nobody", "--confirmed-by: no staff account"),
        ("tess", "omar", "Only a clinic admin"),
        ("cleo", "tess", "only an active clinic admin"),
    ],
)
def test_erase_is_refused_unless_two_clinic_admins_are_named(
    quill: Patient,
    clinic_admin: User,
    second_admin: User,
    triage_nurse: User,
    by: str,
    confirmer: str,
    message: str,
) -> None:
    with pytest.raises(CommandError, match=message):
        run(
            "patient_erase", EMAIL, "--reason", REASON, "--by", by, "--confirmed-by", confirmer,
            "--no-input",
        )  # fmt: skip
    assert Patient.objects.get(pk=quill.pk).full_name == "Quentin Canary-Quill"


def test_erase_asks_first_and_a_no_erases_nothing(
    quill: Patient, clinic_admin: User, second_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing erased"):
        run("patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--confirmed-by", "omar")
    assert Patient.objects.get(pk=quill.pk).full_name == "Quentin Canary-Quill"
    monkeypatch.setattr("builtins.input", lambda prompt: "erase")
    run("patient_erase", EMAIL, "--reason", REASON, "--by", "cleo", "--confirmed-by", "omar")
    assert Patient.objects.get(pk=quill.pk).full_name == "[erased]"
