"""What intake/plainsql.py leans on in Django, and that its two paths agree (issue 16).

plainsql builds its own SQL but borrows the ORM's pieces to stay in step with the models: model
metadata, each field's conversion of values going in and coming out, `Model.from_db`, and the
connection's health-check flags (which are not in django-stubs, so the type checker will not
notice if they change). After upgrading Django, a failure here names what moved and what to
re-check in plainsql; until it is fixed, CLINIC_PLAINSQL=false runs the ORM path instead.

The equivalence tests run each public function through the plain SQL path and the ORM path
(CLINIC_PLAINSQL=false) on the running database (SQLite here, PostgreSQL in CI) and compare.
"""

from __future__ import annotations

import datetime as dt
import inspect
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.expressions import Col
from django.db.models.options import Options
from django.db.models.sql.compiler import SQLCompiler
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from clinic.env import env_bool
from intake import plainsql
from intake.encryption import lookup_hash
from intake.models import Notification, Patient, Submission
from intake.scheduling.models import AppointmentType, Clinician
from intake.selectors.drafts import PATIENT_PAGE_FIELDS, submission_get_for_patient
from tests.factories import PatientFactory, SubmissionFactory, staff_user

LONDON = zoneinfo.ZoneInfo("Europe/London")
# Summer time, microseconds, and a zone other than the database's UTC.
WHEN = dt.datetime(2026, 7, 18, 10, 30, 15, 123456, tzinfo=LONDON)
LATER = dt.datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=dt.UTC)


def _moved(what: str, recheck: str) -> str:
    return (
        f"Django changed {what}, which intake/plainsql.py relies on: re-check {recheck}, "
        "then this test. Meanwhile CLINIC_PLAINSQL=false runs the ORM path (issue 16)."
    )


def _parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


# --- The switch -----------------------------------------------------------------------------


def test_the_environment_decides_the_mode_and_a_test_can_switch_it() -> None:
    from_env = env_bool("CLINIC_PLAINSQL", default=True)
    assert settings.CLINIC_PLAINSQL is from_env
    assert plainsql.plain_sql_enabled() is from_env
    with override_settings(CLINIC_PLAINSQL=not from_env):
        assert plainsql.plain_sql_enabled() is (not from_env)
    assert plainsql.plain_sql_enabled() is from_env


# --- The Django internals plainsql leans on -------------------------------------------------


def test_model_metadata() -> None:
    meta = Submission._meta
    assert isinstance(meta, Options)
    field_names = [f.attname for f in meta.concrete_fields]
    assert field_names[0] == "id" and "patient_id" in field_names, _moved(
        "Options.concrete_fields (the columns, by attname, in the model's order)",
        "_select, _insertable and the order Model.from_db expects",
    )
    assert meta.pk is not None and meta.pk.attname == "id", _moved("Options.pk", "_pk")
    assert meta.db_table == "intake_submission", _moved("Options.db_table", "every statement")
    token = meta.get_field("token")
    assert isinstance(token, models.Field) and token.concrete and token.column == "token", _moved(
        "Options.get_field / Field.concrete / Field.column", "_field"
    )
    patient = meta.get_field("patient")
    assert isinstance(patient, models.ForeignKey)
    assert (patient.attname, patient.column) == ("patient_id", "patient_id"), _moved(
        "ForeignKey.attname / column", "insert (rows keyed by attname) and _field"
    )


def test_quote_name() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    assert _parameters(BaseDatabaseOperations.quote_name) == ["self", "name"]
    assert db.ops.quote_name("intake_submission") == '"intake_submission"', _moved(
        "connection.ops.quote_name", "_quote (every identifier in every statement)"
    )


def test_value_conversion_going_in() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    assert _parameters(models.Field.get_db_prep_save) == ["self", "value", "connection"], _moved(
        "Field.get_db_prep_save(value, connection)", "update, insert and insert_unless"
    )
    assert _parameters(models.Field.get_db_prep_value) == [
        "self",
        "value",
        "connection",
        "prepared",
    ], _moved("Field.get_db_prep_value(value, connection, prepared)", "_where_params")
    answers = Submission._meta.get_field("answers")
    assert isinstance(answers, models.JSONField)
    prepared = answers.get_db_prep_save({"a": ["ü", None]}, db)
    assert not isinstance(prepared, dict), _moved(
        "JSONField.get_db_prep_save (no longer serialises the value)", "update and insert"
    )
    shown = Submission._meta.get_field("interruption_shown_at")
    assert isinstance(shown, models.DateTimeField)
    assert shown.get_db_prep_value(WHEN, db) is not None


def test_value_conversion_coming_out() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    assert _parameters(models.Field.get_col) == ["self", "alias", "output_field"], _moved(
        "Field.get_col(alias, output_field=None)", "_fetch"
    )
    assert _parameters(Col.get_db_converters) == ["self", "connection"], _moved(
        "Col.get_db_converters(connection)", "_fetch"
    )
    assert _parameters(BaseDatabaseOperations.get_db_converters) == ["self", "expression"], _moved(
        "connection.ops.get_db_converters(expression)", "_fetch"
    )
    # _fetch applies the backend's converters, then the field's, as the ORM's compiler does.
    source = inspect.getsource(SQLCompiler.get_converters)
    backend = source.find("self.connection.ops.get_db_converters(expression)")
    field = source.find("expression.get_db_converters(self.connection)")
    assert 0 <= backend < field, _moved(
        "SQLCompiler.get_converters (which converters, in which order)", "_fetch"
    )
    # A converter is called as convert(value, expression, connection).
    answers = Submission._meta.get_field("answers")
    assert isinstance(answers, models.JSONField)
    column = answers.get_col(Submission._meta.db_table)
    value: Any = answers.get_db_prep_save({"a": ["ü", None]}, db)
    value = getattr(value, "dumps", lambda v: v)(getattr(value, "adapted", value))
    for convert in [*db.ops.get_db_converters(column), *column.get_db_converters(db)]:
        value = convert(value, column, db)
    assert value == {"a": ["ü", None]}, _moved(
        "the converters' calling convention or JSON decoding", "_fetch"
    )


def test_model_from_db_and_instance_state() -> None:
    assert isinstance(inspect.getattr_static(models.Model, "from_db"), classmethod)
    assert _parameters(Submission.from_db) == ["db", "field_names", "values"], _moved(
        "Model.from_db(db, field_names, values)", "_fetch"
    )
    # A partial row, in concrete_fields order: the rest are deferred.
    loaded = Submission.from_db("default", ["id", "token"], [7, "t"])
    assert (loaded.pk, loaded.token) == (7, "t")
    assert "answers" in loaded.get_deferred_fields(), _moved(
        "Model.from_db with a partial row (deferred fields)", "_fetch and fetch's docstring"
    )
    assert (loaded._state.adding, loaded._state.db) == (False, "default")
    # insert builds instances from attnames (submission_id) and marks them saved.
    made = Notification(id=3, submission_id=5, appointment_id=None, kind="k")
    assert made.submission_id == 5 and hasattr(made._state, "adding"), _moved(
        "Model(**attnames) or Model._state", "insert"
    )


def test_defaults_and_automatic_timestamps() -> None:
    created = Patient._meta.get_field("created_at")
    updated = Patient._meta.get_field("updated_at")
    assert getattr(created, "auto_now_add", None) is True, _moved("auto_now_add", "_default")
    assert getattr(updated, "auto_now", None) is True, _moved("auto_now", "_default")
    assert _parameters(models.Field.get_default) == ["self"]
    assert Submission._meta.get_field("answers").get_default() == {}, _moved(
        "Field.get_default", "_complete"
    )


def test_the_backend_can_return_inserted_keys() -> None:
    # plainsql writes `RETURNING pk` itself (it does not use Django's return_insert_columns or
    # fetch_returned_insert_rows), so the backend must support it as Django's bulk_create does.
    features = connections[DEFAULT_DB_ALIAS].features
    assert features.can_return_columns_from_insert, _moved(
        "the backend's RETURNING support", "insert and insert_unless"
    )
    assert features.can_return_rows_from_bulk_insert, _moved(
        "the backend's multi-row RETURNING support", "insert"
    )


def test_the_connection_health_check_flags() -> None:
    db = connections[DEFAULT_DB_ALIAS]
    for name in ("health_check_enabled", "health_check_done", "in_atomic_block", "connection"):
        assert hasattr(db, name), _moved(f"BaseDatabaseWrapper.{name}", "fetch's health check")
    # Django checks at the start of a cursor unless health_check_done; a request start resets
    # it; a new connection is healthy. fetch sets it to make its own query the check.
    cursor = BaseDatabaseWrapper._cursor  # type: ignore[attr-defined]  # private, not in the stubs
    assert "self.close_if_health_check_failed()" in inspect.getsource(cursor)
    check = inspect.getsource(BaseDatabaseWrapper.close_if_health_check_failed)
    assert "self.health_check_done" in check and "self.is_usable()" in check, _moved(
        "BaseDatabaseWrapper.close_if_health_check_failed", "fetch's health check"
    )
    request_start = inspect.getsource(BaseDatabaseWrapper.close_if_unusable_or_obsolete)
    assert "self.health_check_done = False" in request_start, _moved(
        "close_if_unusable_or_obsolete (no longer marks the check due)", "fetch's health check"
    )
    assert "self.health_check_done = True" in inspect.getsource(BaseDatabaseWrapper.connect)


@pytest.mark.django_db(transaction=True)
def test_the_draft_read_is_the_health_check_in_plain_mode_and_djangos_in_orm_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft = Submission.objects.create(token="health-check", answers={"rf_fever": "no"})
    db = connections[DEFAULT_DB_ALIAS]
    checks: list[bool] = []

    def counted_is_usable() -> bool:
        checks.append(True)
        return True

    monkeypatch.setattr(db, "is_usable", counted_is_usable)
    monkeypatch.setattr(db, "health_check_enabled", True)
    for plain, separate_checks in ((True, []), (False, [True])):
        checks.clear()
        # As at the start of a request on a kept connection (health_check_*: not in django-stubs).
        db.health_check_done = False  # type: ignore[attr-defined]
        with override_settings(CLINIC_PLAINSQL=plain), CaptureQueriesContext(db) as queries:
            found = submission_get_for_patient(draft.token)
        assert found is not None and found.answers == {"rf_fever": "no"}
        assert db.health_check_done  # type: ignore[attr-defined]
        assert len(queries.captured_queries) == 1
        assert checks == separate_checks, _moved(
            "when Django runs its connection health check", "fetch's health check"
        )


# --- The two paths give the same results ----------------------------------------------------


def _plain_then_orm() -> Iterator[bool]:
    for plain in (True, False):
        with override_settings(CLINIC_PLAINSQL=plain):
            yield plain


def _values(instance: models.Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    loaded = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
        if f.attname not in loaded and f.attname not in ("id", *skip)
    }


def _stored(model: type[models.Model], pk: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return _values(model._default_manager.get(pk=pk), skip=skip)


AUTO = ("created_at", "updated_at")
ANSWERS = {
    "rf_fever": "no",
    "pain_regions": ["calf_left", "foot_right"],
    "pain_score_now": 4,
    "temperature": 37.5,
    "notes": 'Zoë\'s "worst" pain – 3 days',
    "nothing": None,
    "flag": True,
    "nested": {"a": [1, {"b": False}]},
}


@pytest.mark.django_db
def test_fetch_gives_the_same_instance_both_ways() -> None:
    patient = PatientFactory()
    handler = staff_user("handler")
    made = Submission.objects.create(
        token="same-both-ways",
        patient=patient,
        answers=ANSWERS,
        identity={"full_name": "Zoë O'Brien", "date_of_birth": "1961-04-12"},
        interruption_shown_at=WHEN,
        interruption_handled_at=LATER,
        interruption_handled_by=handler,
        interrupted_rules=["EMG_ALI"],
        held_input={},
        tier="URGENT",
    )
    bare = Submission.objects.create(token="bare")  # nullable FKs and datetimes left empty
    found: list[Submission | None] = []
    for token in (made.token, bare.token):
        for fields in (PATIENT_PAGE_FIELDS, ("token", "patient", "answers")):
            for _plain in _plain_then_orm():
                found.append(plainsql.fetch(Submission, fields=fields, token=token))
            plain, orm = found[-2:]
            assert plain is not None and orm is not None
            assert (plain.pk, _values(plain)) == (orm.pk, _values(orm))
            assert plain.get_deferred_fields() == orm.get_deferred_fields()
            assert (plain._state.adding, plain._state.db) == (orm._state.adding, orm._state.db)
    assert found[0] is not None and found[0].interruption_shown_at == WHEN
    for _plain in _plain_then_orm():
        assert plainsql.fetch(Submission, fields=("token",), token="none") is None
    # Booleans, a nullable one-to-one key, a JSON list.
    user = staff_user("clinician")
    clinician = Clinician.objects.create(
        name="Dr A", role="vascular_surgeon", user=user, active=False
    )
    kind = AppointmentType.objects.create(
        name="New", duration_minutes=20, roles=["vascular_surgeon"]
    )
    for model, pk, fields in (
        (Clinician, clinician.pk, ("name", "user", "active")),
        (AppointmentType, kind.pk, ("roles", "active", "duration_minutes")),
    ):
        plain_row, orm_row = (
            plainsql.fetch(model, fields=fields, pk=pk) for _ in _plain_then_orm()
        )
        assert plain_row is not None and orm_row is not None
        assert _values(plain_row) == _values(orm_row)


@pytest.mark.django_db
def test_update_counts_and_writes_the_same_both_ways() -> None:
    patient = PatientFactory()
    values = {
        "answers": ANSWERS,
        "interruption_shown_at": WHEN,
        "interrupted_rules": ["EMG_ALI", "EMG_CLI"],
        "patient_id": patient.pk,
        "updated_at": LATER,
        "version": 4,
    }
    results = []
    for plain in _plain_then_orm():
        draft = Submission.objects.create(token=f"update-{plain}", version=3)
        sent = SubmissionFactory(version=3)  # a sent form
        counts = [
            plainsql.update(Submission, values, pk=sent.pk, status="draft", version=3),
            plainsql.update(Submission, values, pk=draft.pk, status="draft", version=2),
            plainsql.update(Submission, values, pk=draft.pk, status="draft", version=3),
            plainsql.update(Submission, values, pk=draft.pk, status="draft", version=3),
        ]
        # Back to empty: a nullable key and datetime set to NULL.
        cleared = plainsql.update(
            Submission, {"patient_id": None, "interruption_shown_at": None}, pk=sent.pk
        )
        results.append(
            (
                counts,
                cleared,
                _stored(Submission, draft.pk, skip=("token", "created_at")),
                Submission.objects.filter(pk=sent.pk)
                .values_list("version", "patient", "interruption_shown_at")
                .get(),
            )
        )
    assert results[0] == results[1]
    assert results[0][0] == [0, 0, 1, 0] and results[0][1] == 1
    assert results[0][2]["updated_at"] == LATER and results[0][2]["answers"] == ANSWERS
    # Many rows at once, and a boolean.
    for kind in ("A", "B", "C"):
        AppointmentType.objects.create(name=kind, duration_minutes=15)
    counts = []
    for _plain in _plain_then_orm():
        counts.append(plainsql.update(AppointmentType, {"active": False}, active=True))
        counts.append(plainsql.update(AppointmentType, {"active": True}, active=False))
    assert counts == [3, 3, 3, 3]


@pytest.mark.django_db
def test_insert_writes_and_returns_the_same_both_ways() -> None:
    submission = Submission.objects.create(token="outbox")
    rows = [
        {
            "submission_id": submission.pk,
            "appointment_id": None,
            "kind": kind,
            "channel": "email",
            "recipient": f"{kind}@example.org",
            "template": kind,
            "due_at": WHEN,
        }
        for kind in ("staff_alert", "patient_receipt")
    ]
    returned, stored = [], []
    for _plain in _plain_then_orm():
        saved = plainsql.insert(Notification, rows)
        assert all(n.pk is not None and not n._state.adding for n in saved)
        assert all(n.created_at is not None for n in saved)
        returned.append([_values(n, skip=AUTO) for n in saved])
        stored.append([_stored(Notification, n.pk, skip=AUTO) for n in saved])
    assert returned[0] == returned[1] and stored[0] == stored[1]
    assert [r["kind"] for r in stored[0]] == ["staff_alert", "patient_receipt"]
    assert stored[0][0]["status"] == "pending" and stored[0][0]["due_at"] == WHEN
    for _plain in _plain_then_orm():
        assert plainsql.insert(Notification, []) == []
    # A boolean and a JSON list left to their defaults.
    kinds = [
        [_stored(AppointmentType, t.pk) for t in plainsql.insert(AppointmentType, [row])]
        for row, _plain in zip(
            ({"name": "X", "duration_minutes": 5}, {"name": "Y", "duration_minutes": 5}),
            _plain_then_orm(),
            strict=True,
        )
    ]
    assert [{**k, "name": ""} for [k] in kinds] == [
        {
            "name": "",
            "code": None,
            "duration_minutes": 5,
            "roles": [],
            "location": "",
            "active": True,
        }
    ] * 2


@pytest.mark.django_db
def test_first_pk_and_insert_unless_agree_both_ways() -> None:
    born = dt.date(1961, 4, 12)
    row = {"full_name": "Sam", "date_of_birth": born, "email": "Sam@Example.org", "phone": "1"}
    made = [
        plainsql.insert(Patient, [{**row, "email": email}])[0].pk
        for email in ("Sam@Example.org", "sam@example.org", "other@example.org")
    ]
    lookups: list[dict[str, Any]] = [
        {"upper": {"email": "SAM@EXAMPLE.ORG"}, "date_of_birth": born},
        {"upper": {"email": "sam@example.org"}, "date_of_birth": WHEN.date()},
        {"upper": {"email": "s%m@example.org"}, "date_of_birth": born},  # no LIKE wildcards
        {"full_name": "Sam", "phone": "1"},
        # Encrypted (issue 18): found by its keyed hash.
        {"nhs_number_hash": lookup_hash("9434765919")},
    ]
    found = [
        [plainsql.first_pk(Patient, **lookup) for lookup in lookups] for _ in _plain_then_orm()
    ]
    assert found[0] == found[1] == [made[0], None, None, made[0], None]
    created = []
    for plain in _plain_then_orm():
        email = f"new-{plain}@example.org"
        key: dict[str, Any] = {"upper": {"email": email.upper()}, "date_of_birth": born}
        first = plainsql.insert_unless(Patient, {**row, "email": email}, **key)
        again = plainsql.insert_unless(Patient, {**row, "email": email, "phone": "2"}, **key)
        assert first is not None and again is None
        created.append(_stored(Patient, first, skip=AUTO))
        stored = Patient.objects.get(pk=first)
        assert stored.created_at is not None and stored.updated_at is not None
        # JSON columns in INSERT ... SELECT (cast on PostgreSQL) and an exact-match key.
        token = f"unless-{plain}"
        json_row = {"token": token, "answers": ANSWERS, "interrupted_rules": ["EMG_ALI"]}
        new = plainsql.insert_unless(Submission, json_row, token=token)
        assert plainsql.insert_unless(Submission, json_row, token=token) is None
        created.append(_stored(Submission, new, skip=(*AUTO, "token")))
    assert created[0]["email"] == "new-True@example.org"
    assert {**created[0], "email": ""} == {**created[2], "email": ""}
    assert created[1] == created[3] and created[1]["answers"] == ANSWERS
