"""Plain SQL for the few reads and writes that every patient request makes.

Django's ORM compiles each query anew, and on the questionnaire's pages that compiling was a
large part of a page save and of sending a form (bench/README.md). The statements here are
built once per shape from the models' own metadata (table and column names, quoted by the
database backend), every value is a parameter converted by the model field itself
(`get_db_prep_save`), and every row read goes through the converters the ORM applies,
so they stay in step with the models on PostgreSQL and SQLite. Only the patient's hot path
uses them (`services`, `selectors`); everything else, the staff side included, uses the ORM.

Unlike `Model.save()`: no signals, no `auto_now` on updates (pass the timestamp), no
validation. Conditions are equalities joined by AND.

The fence (issue 16). Only the draft and sending services call this module (and the patient
page read, `selectors.drafts.submission_get_for_patient`, that loads their draft): the test in
tests/intake/test_plainsql_fence.py holds that. With the setting CLINIC_PLAINSQL false, every
public function here does the same through the ORM instead (`_orm_*` below), the way back if
a Django upgrade breaks what this module leans on; tests/intake/test_plainsql_contract.py
names those Django internals and fails loudly when one changes, and checks that both paths give
the same rows. The switch is read once (and again when a test overrides the setting): each
call pays one look-up of a module-level flag.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.db import (
    DEFAULT_DB_ALIAS,
    InterfaceError,
    OperationalError,
    connections,
    models,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils import timezone

from intake.encryption import EncryptedFieldBase
from intake.models import AuditedQuerySet

M = TypeVar("M", bound=models.Model)

# CLINIC_PLAINSQL, read once here and again whenever a test overrides it (`override_settings`,
# pytest-django's `settings`): the only per-call cost of the switch is reading this flag.
_plain_sql: bool = bool(getattr(settings, "CLINIC_PLAINSQL", True))


def _on_setting_changed(*, setting: str, value: Any, **kwargs: Any) -> None:
    global _plain_sql
    if setting == "CLINIC_PLAINSQL":
        _plain_sql = True if value is None else bool(value)


setting_changed.connect(_on_setting_changed)


def plain_sql_enabled() -> bool:
    """Whether the public functions below run their own SQL (True) or the ORM (False)."""
    return _plain_sql


# Identifiers in these statements come from model metadata and are quoted by the backend;
# every value is a parameter. Hence the `noqa: S608` below.


def _db() -> BaseDatabaseWrapper:
    # The connection itself, looked up once per statement: `django.db.connection` is a proxy
    # that finds this thread's connection again on every attribute, dozens of times a row.
    return connections[DEFAULT_DB_ALIAS]


def _quote(name: str) -> str:
    return str(_db().ops.quote_name(name))


def _pk(model: type[models.Model]) -> models.Field[Any, Any]:
    pk = model._meta.pk
    if pk is None:  # every concrete model has one; this keeps the type checker honest
        raise TypeError(f"{model.__name__} has no primary key")
    return pk


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = _pk(model) if name == "pk" else model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def _compared(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A field a condition compares: never an encrypted one, whose value SQL cannot match (each
    encryption differs); its lookup hash is the column to compare (issue 18)."""
    field = _field(model, name)
    if isinstance(field, EncryptedFieldBase):
        raise TypeError(f"{model.__name__}.{name} is encrypted: SQL cannot compare its value")
    return field


def _where(model: type[models.Model], names: Sequence[str]) -> str:
    return " AND ".join(f"{_quote(_compared(model, n).column)} = %s" for n in names)


def _where_params(
    model: type[models.Model], where: Mapping[str, Any], db: BaseDatabaseWrapper
) -> list[Any]:
    return [_field(model, n).get_db_prep_value(v, db) for n, v in where.items()]


@functools.cache
def _select(
    model: type[models.Model], fields: tuple[str, ...], where: tuple[str, ...]
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    wanted = {_pk(model).attname, *(_field(model, n).attname for n in fields)}
    # In the model's own column order, which Model.from_db expects for a partial row.
    selected = tuple(f for f in model._meta.concrete_fields if f.attname in wanted)
    columns = ", ".join(_quote(f.column) for f in selected)
    table = _quote(model._meta.db_table)
    return f"SELECT {columns} FROM {table} WHERE {_where(model, where)}", selected  # noqa: S608


def fetch(model: type[M], *, fields: Sequence[str], **where: Any) -> M | None:
    """The row of `model` whose fields equal `where` (a unique key), with only `fields` and the
    primary key loaded: reading any other field costs a query, as with `QuerySet.only()`.

    Each value goes through the converters the ORM would apply (the backend's, then the
    field's: JSON decoding, SQLite's dates), and the instance is built by `Model.from_db`.

    This is the first query of every questionnaire request, so it doubles as Django's
    connection health check (CONN_HEALTH_CHECKS) instead of a `SELECT 1` round trip before it:
    if the connection kept from an earlier request has died (the database restarted), it is
    closed and the query asked again, once, on a new one, which is what the check would do.
    """
    if not _plain_sql:
        return _orm_fetch(model, fields, where)
    db = _db()
    # health_check_* (Django 5.1+) are not in django-stubs 5.2.9 yet.
    checking = (
        db.health_check_enabled  # type: ignore[attr-defined]
        and not db.health_check_done  # type: ignore[attr-defined]
        and db.connection is not None
        and not db.in_atomic_block
    )
    if checking:
        db.health_check_done = True  # type: ignore[attr-defined]  # this query is the check
        try:
            return _fetch(db, model, fields, where)
        except (OperationalError, InterfaceError):
            db.close()  # a dead connection: the next query opens a new one
    return _fetch(db, model, fields, where)


def _fetch(
    db: BaseDatabaseWrapper,
    model: type[M],
    fields: Sequence[str],
    where: Mapping[str, Any],
) -> M | None:
    sql, selected = _select(model, tuple(fields), tuple(where))
    with db.cursor() as cursor:
        cursor.execute(sql, _where_params(model, where, db))
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for field, value in zip(selected, row, strict=True):
        column = field.get_col(model._meta.db_table)
        for convert in [*db.ops.get_db_converters(column), *column.get_db_converters(db)]:
            value = convert(value, column, db)
        values.append(value)
    return model.from_db(db.alias, [f.attname for f in selected], values)


@functools.cache
def _first_pk_sql(model: type[models.Model], where: tuple[str, ...], upper: tuple[str, ...]) -> str:
    pk = _quote(_pk(model).column)
    table = _quote(model._meta.db_table)
    conditions = _matching(model, where, upper)
    return f"SELECT {pk} FROM {table} WHERE {conditions} ORDER BY {pk} LIMIT 1"  # noqa: S608


def _matching(model: type[models.Model], where: tuple[str, ...], upper: tuple[str, ...]) -> str:
    """The WHERE of `first_pk` and `insert_unless`: `upper` fields ignoring case, then `where`
    fields equal (parameters in that order)."""
    conditions = [f"UPPER({_quote(_compared(model, n).column)}) = UPPER(%s)" for n in upper] + [
        f"{_quote(_compared(model, n).column)} = %s" for n in where
    ]
    return " AND ".join(conditions)


def _insertable(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    """The columns an insert writes: every concrete field but the (generated) primary key."""
    pk = _pk(model)
    return tuple(f for f in model._meta.concrete_fields if f is not pk)


def _complete(
    fields: tuple[models.Field[Any, Any], ...], row: Mapping[str, Any], now: Any
) -> dict[str, Any]:
    """`row` with every field left out given its default, as `Model()` would give it, and
    `auto_now` / `auto_now_add` timestamps set to `now`."""
    return {f.attname: row[f.attname] if f.attname in row else _default(f, now) for f in fields}


def first_pk(
    model: type[models.Model], *, upper: Mapping[str, str] | None = None, **where: Any
) -> Any:
    """The lowest primary key among rows whose fields equal `where` and, ignoring case, `upper`
    (as `field__iexact`; PostgreSQL serves it from an index on UPPER(field)); None if none."""
    if not _plain_sql:
        return _orm_first_pk(model, upper or {}, where)
    upper = upper or {}
    sql = _first_pk_sql(model, tuple(where), tuple(upper))
    db = _db()
    with db.cursor() as cursor:
        cursor.execute(sql, [*upper.values(), *_where_params(model, where, db)])
        found = cursor.fetchone()
    return found[0] if found else None


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...], where: tuple[str, ...]) -> str:
    sets = ", ".join(f"{_quote(_field(model, n).column)} = %s" for n in names)
    table = _quote(model._meta.db_table)
    return f"UPDATE {table} SET {sets} WHERE {_where(model, where)}"  # noqa: S608


def update(model: type[models.Model], values: Mapping[str, Any], **where: Any) -> int:
    """Set `values` on the rows whose fields equal `where`; returns how many rows changed.

    Like `QuerySet.update()`: one statement, no signals, and `auto_now` fields are not touched
    unless given. Unlike the audited `update()` of submissions (intake.models.AuditedQuerySet),
    no audit row: the service calling this records what needs recording."""
    if not _plain_sql:
        return _orm_update(model, values, where)
    sql = _update_sql(model, tuple(values), tuple(where))
    db = _db()
    params = [_field(model, n).get_db_prep_save(v, db) for n, v in values.items()]
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *_where_params(model, where, db)])
        return int(cursor.rowcount)


@functools.cache
def _insert_sql(
    model: type[models.Model], count: int
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    pk = _pk(model)
    fields = _insertable(model)
    columns = ", ".join(_quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = _quote(model._meta.db_table)
    values = ", ".join([row] * count)
    sql = f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {_quote(pk.column)}"  # noqa: S608
    return sql, fields


def insert(model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    """Insert `rows` (field attnames to values: `submission_id` for a foreign key) in one
    statement and return them as saved instances, in order.

    A field left out takes its default (`_complete`)."""
    if not rows:
        return []
    if not _plain_sql:
        return _orm_insert(model, rows)
    sql, fields = _insert_sql(model, len(rows))
    now = timezone.now()
    complete = [_complete(fields, row, now) for row in rows]
    db = _db()
    params = [f.get_db_prep_save(row[f.attname], db) for row in complete for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [found[0] for found in cursor.fetchall()]
    pk = _pk(model)
    saved = []
    for key, row in zip(keys, complete, strict=True):
        instance = model(**{pk.attname: key}, **row)
        instance._state.adding = False
        instance._state.db = db.alias
        saved.append(instance)
    return saved


@functools.cache
def _insert_unless_sql(
    model: type[models.Model], vendor: str, where: tuple[str, ...], upper: tuple[str, ...]
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    pk = _pk(model)
    fields = _insertable(model)
    values = []
    for field in fields:
        # In INSERT ... SELECT, PostgreSQL reads a quoted value as text, which a character,
        # date or time column takes by assignment but a JSON one does not: say what it is.
        # (By the column's type: an encrypted JSON field is a text column, its value a token.)
        if vendor == "postgresql" and field.get_internal_type() == "JSONField":
            values.append("CAST(%s AS jsonb)")
        else:
            values.append("%s")
    table = _quote(model._meta.db_table)
    columns = ", ".join(_quote(f.column) for f in fields)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(values)} "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {_matching(model, where, upper)}) "
        f"RETURNING {_quote(pk.column)}"
    )
    return sql, fields


def insert_unless(
    model: type[models.Model],
    row: Mapping[str, Any],
    *,
    upper: Mapping[str, str] | None = None,
    **where: Any,
) -> Any:
    """Insert `row` (as `insert`) unless a row already matches `where` and, ignoring case,
    `upper` (as `first_pk`); the new primary key, or None if one matched. One statement, so
    a first-time patient costs one round trip rather than a look-up and then an insert.

    Not a guard against two inserts racing (there is no unique constraint behind it)."""
    if not _plain_sql:
        return _orm_insert_unless(model, row, upper or {}, where)
    upper = upper or {}
    db = _db()
    sql, fields = _insert_unless_sql(model, db.vendor, tuple(where), tuple(upper))
    complete = _complete(fields, row, timezone.now())
    params = [f.get_db_prep_save(complete[f.attname], db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *upper.values(), *_where_params(model, where, db)])
        found = cursor.fetchone()
    return found[0] if found else None


def _default(field: models.Field[Any, Any], now: Any) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


# ---------------------------------------------------------------------------------------------
# The same through the ORM (CLINIC_PLAINSQL=false). Same arguments, same results, same field
# conversions (the ORM's own); each compiles its query on every call, which is what the plain
# statements above save.
# ---------------------------------------------------------------------------------------------


def _orm_fetch(model: type[M], fields: Sequence[str], where: Mapping[str, Any]) -> M | None:
    # Django's own CONN_HEALTH_CHECKS runs here: a `SELECT 1` (is_usable) before the first
    # query of a request on a kept connection, where the plain path lets its query be the check.
    return model._default_manager.only(*fields).filter(**where).first()


def _orm_matching(
    model: type[M], upper: Mapping[str, str], where: Mapping[str, Any]
) -> models.QuerySet[M]:
    # UPPER(column) = UPPER(%s), as the plain statement (and the functional index) has it;
    # `__iexact` would be LIKE on SQLite.
    ignoring_case: list[Exact[Any]] = [
        Exact(Upper(name), Upper(models.Value(value))) for name, value in upper.items()
    ]
    return model._default_manager.filter(*ignoring_case, **where)


def _orm_first_pk(
    model: type[models.Model], upper: Mapping[str, str], where: Mapping[str, Any]
) -> Any:
    return _orm_matching(model, upper, where).order_by("pk").values_list("pk", flat=True).first()


def _orm_update(
    model: type[models.Model], values: Mapping[str, Any], where: Mapping[str, Any]
) -> int:
    rows = model._default_manager.filter(**where)
    if isinstance(rows, AuditedQuerySet):
        # As the plain UPDATE: no audit row of its own. The sending service records the sending
        # itself, and a draft page save is deliberately not recorded (docs/operations.md).
        return rows.update_unaudited(**values)
    return rows.update(**values)


def _orm_insert(model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    # Model() gives left-out fields their defaults; bulk_create sets auto_now / auto_now_add
    # (each from its own clock reading, not one `now` for the lot) and returns the primary keys.
    return model._default_manager.bulk_create([model(**row) for row in rows])


def _orm_insert_unless(
    model: type[models.Model],
    row: Mapping[str, Any],
    upper: Mapping[str, str],
    where: Mapping[str, Any],
) -> Any:
    """`insert_unless` as a look-up, then an insert, in one transaction: two round trips
    (four with BEGIN and COMMIT) where the plain path has one statement.

    What differs under concurrency: on SQLite, where the settings begin every transaction
    IMMEDIATE, the transaction takes the write lock before the look-up, so no other insert can
    come between the two and this is as safe as the plain statement. On PostgreSQL neither is a
    guard against two inserts racing (no unique constraint is behind either), and here the
    window between the look-up and the insert is a round trip wide rather than inside one
    statement."""
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        if _orm_matching(model, upper, where).exists():
            return None
        [created] = model._default_manager.bulk_create([model(**row)])
    return created.pk
