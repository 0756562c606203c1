"""Encryption at rest after a key rotation: every encrypted column re-encrypted with the current
key, and the NHS numbers' lookup hashes brought up to date (issue 18; docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models

from intake import encryption
from intake.models import AuditEvent
from intake.services import audit


@dataclass(frozen=True)
class ColumnReport:
    """What `reencrypt` found in one column: how many values had each outcome (names and
    counts, never a value). For an encrypted column: "re-encrypted" (was under an older key),
    "current" (already under the first key), "encrypted" (was stored without encryption),
    "unreadable" (no key opens it: left as it is), "changed meanwhile" (the app saved it first,
    with the current key). For a lookup hash: "updated", "current", "unreadable"."""

    column: str
    counts: dict[str, int]

    @property
    def unreadable(self) -> int:
        return self.counts.get("unreadable", 0)


def _fields(kind: type) -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    """The concrete fields of this kind in every installed model, in a stable order. A proxy
    model (scheduling's CaseToBook) has its concrete model's table: left out, so that no column
    is rewritten twice."""
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, kind):
                yield model, field


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    if pk is None:  # every concrete model has one; this keeps the type checker honest
        raise TypeError(f"{model.__name__} has no primary key")
    return pk.column


def encrypted_fields_reencrypt(*, batch_size: int = encryption.BATCH_SIZE) -> list[ColumnReport]:
    """Re-encrypt every value of every encrypted column under the first key of
    CLINIC_FIELD_ENCRYPTION_KEYS (what a rotation needs before the old key is removed), encrypt
    any value stored without encryption, and bring every NHS number's lookup hash up to date
    with CLINIC_LOOKUP_HASH_KEY. Idempotent: a second run finds everything "current".

    Not one transaction: `batch_size` rows at a time, each batch committed on its own, so a run
    over a large table holds no lock for long and can run while the clinic works (a value is
    rewritten only if it is still the one read: a save in between wins). Interrupted, it is
    simply run again. Re-encryption changes no value, so it writes no audit row per record:
    one audit event for the run, actor the system, with the counts per column (names and
    numbers only). Side effects: the encrypted columns and lookup hashes; one audit event.
    """
    reports = []
    for model, field in _fields(encryption.EncryptedFieldBase):
        counts = encryption.rewrite_column(
            connection,
            table=model._meta.db_table,
            column=field.column,
            pk=_pk_column(model),
            rewrite=encryption.reencrypt_value,
            batch_size=batch_size,
        )
        reports.append(ColumnReport(f"{model._meta.db_table}.{field.column}", dict(counts)))
    for model, field in _fields(encryption.LookupHashField):
        source = model._meta.get_field(getattr(field, "source", ""))
        if not isinstance(source, models.Field):
            raise TypeError(f"{model.__name__}.{field.name}: its source is not a column")
        counts = encryption.rehash_column(
            connection,
            table=model._meta.db_table,
            source=source.column,
            target=field.column,
            pk=_pk_column(model),
            batch_size=batch_size,
        )
        reports.append(ColumnReport(f"{model._meta.db_table}.{field.column}", dict(counts)))
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.REENCRYPT,
        object_repr="manage.py reencrypt",
        details={
            "keys": len(settings.CLINIC_FIELD_ENCRYPTION_KEYS),
            "columns": {report.column: report.counts for report in reports},
        },
    )
    return reports
