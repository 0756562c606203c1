"""intake/plainsql.py: statements built from model metadata read and write exactly what the
ORM would, on SQLite here and on PostgreSQL in CI."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from intake import plainsql
from intake.models import Notification, Patient, Submission
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 18, 10, 30, 15, 123456, tzinfo=dt.UTC)


def test_fetch_loads_the_row_with_only_the_fields_asked_for() -> None:
    made = SubmissionFactory(
        answers={"rf_fever": "no", "pain_regions": ["calf_left"], "pain_score_now": 4},
        interruption_shown_at=WHEN,
        interrupted_rules=["EMG_ALI"],
    )
    found = plainsql.fetch(
        Submission,
        fields=("token", "answers", "interruption_shown_at", "interrupted_rules"),
        token=made.token,
    )
    assert found is not None and found.pk == made.pk
    assert found.answers == {"rf_fever": "no", "pain_regions": ["calf_left"], "pain_score_now": 4}
    assert found.interruption_shown_at == WHEN
    assert found.interrupted_rules == ["EMG_ALI"]
    assert {"status", "identity", "reasons"} <= found.get_deferred_fields()
    assert found.status == made.status  # a left-out field still loads, with a query of its own


def test_fetch_finds_nothing_for_an_unknown_key() -> None:
    assert plainsql.fetch(Submission, fields=("token",), token="no-such-token") is None


def test_update_writes_only_rows_that_match_every_condition() -> None:
    sent = SubmissionFactory(version=3)  # a sent form, not a draft
    values = {"answers": {"rf_fever": "yes"}, "updated_at": WHEN, "version": 4}
    assert plainsql.update(Submission, values, pk=sent.pk, status="draft", version=3) == 0
    draft = Submission.objects.create(token="a-draft", version=3)
    assert plainsql.update(Submission, values, pk=draft.pk, status="draft", version=2) == 0
    assert plainsql.update(Submission, values, pk=draft.pk, status="draft", version=3) == 1
    sent.refresh_from_db()
    assert sent.version == 3 and sent.answers != {"rf_fever": "yes"}
    draft.refresh_from_db()
    assert (draft.answers, draft.updated_at, draft.version) == ({"rf_fever": "yes"}, WHEN, 4)


def test_insert_fills_defaults_and_timestamps_and_returns_saved_rows_in_order() -> None:
    submission = SubmissionFactory()
    rows = [
        {
            "submission_id": submission.pk,
            "kind": kind,
            "recipient": f"{kind}@example.org",
            "template": kind,
            "due_at": WHEN,
        }
        for kind in ("staff_alert", "patient_receipt")
    ]
    saved = plainsql.insert(Notification, rows)
    assert [n.kind for n in saved] == ["staff_alert", "patient_receipt"]
    for instance in saved:
        stored = Notification.objects.get(pk=instance.pk)
        assert stored.recipient == instance.recipient == f"{instance.kind}@example.org"
        assert (stored.status, stored.channel, stored.attempts) == ("pending", "email", 0)
        assert stored.appointment_id is None and stored.sent_at is None
        assert stored.due_at == WHEN and stored.created_at is not None
        assert stored.submission_id == submission.pk
        assert not instance._state.adding


def test_insert_of_a_patient_then_an_update_round_trips_dates_and_text() -> None:
    [patient] = plainsql.insert(
        Patient,
        [
            {
                "full_name": "Zoë O'Brien",
                "date_of_birth": dt.date(1961, 4, 12),
                "email": "zoe@example.org",
                "phone": "07700 900123",
                "preferred_contact": "email",
                "gp_practice": "",
                "nhs_number": "",
            }
        ],
    )
    plainsql.update(Patient, {"phone": "07700 900999", "updated_at": WHEN}, pk=patient.pk)
    stored = Patient.objects.get(pk=patient.pk)
    assert stored.full_name == "Zoë O'Brien" and stored.date_of_birth == dt.date(1961, 4, 12)
    assert stored.phone == "07700 900999" and stored.updated_at == WHEN
    assert stored.created_at is not None


def test_first_pk_matches_case_insensitively_and_takes_the_lowest() -> None:
    born = dt.date(1961, 4, 12)
    rows = [
        {"full_name": "A", "date_of_birth": born, "email": email, "phone": "1"}
        for email in ("Sam@Example.org", "sam@example.org", "other@example.org")
    ]
    first, second, _other = plainsql.insert(Patient, rows)
    found = plainsql.first_pk(Patient, upper={"email": "SAM@EXAMPLE.ORG"}, date_of_birth=born)
    assert found == first.pk < second.pk
    assert (
        plainsql.first_pk(Patient, upper={"email": "sam@example.org"}, date_of_birth=WHEN.date())
        is None
    )
    assert plainsql.first_pk(Patient, full_name="A", phone="1") == first.pk


def test_insert_unless_inserts_only_when_nothing_matches() -> None:
    born = dt.date(1961, 4, 12)
    row = {"full_name": "Sam", "date_of_birth": born, "email": "Sam@Example.org", "phone": "1"}
    key: dict[str, Any] = {"upper": {"email": "sam@example.org"}, "date_of_birth": born}
    created = plainsql.insert_unless(Patient, row, **key)
    assert created is not None
    stored = Patient.objects.get(pk=created)
    assert (stored.full_name, stored.email, stored.created_at is not None) == (
        "Sam",
        "Sam@Example.org",
        True,
    )
    assert plainsql.insert_unless(Patient, {**row, "full_name": "Sam again"}, **key) is None
    assert Patient.objects.count() == 1
    # Another date of birth is another person.
    other = plainsql.insert_unless(Patient, row, upper=key["upper"], date_of_birth=WHEN.date())
    assert other is not None and Patient.objects.count() == 2


def test_insert_unless_writes_json_columns_too() -> None:
    row = {"token": "unless-json", "answers": {"rf_fever": "no"}, "interrupted_rules": ["EMG_ALI"]}
    created = plainsql.insert_unless(Submission, row, token="unless-json")
    assert created is not None
    stored = Submission.objects.get(pk=created)
    assert stored.answers == {"rf_fever": "no"} and stored.interrupted_rules == ["EMG_ALI"]
    assert stored.status == "draft" and stored.identity == {}
    assert plainsql.insert_unless(Submission, row, token="unless-json") is None
