"""Encryption at rest (issue 18): model fields that store patients' free text, staff notes and
reasons, and the NHS number, encrypted; and the keyed hash that still finds a patient by NHS
number. docs/security.md, "Encryption at rest", says what is encrypted, what is not, and why.

The fields are django-fernet-encrypted-fields' (its EncryptedFieldMixin over Django's fields;
Fernet from `cryptography`: AES-128-CBC and HMAC-SHA256, a random IV per value), with four
changes, each for a reason:

1. The keys. The library derives its keys from SECRET_KEY (and SALT_KEY), so rotating the secret
   key would make every stored value unreadable. Here they are CLINIC_FIELD_ENCRYPTION_KEYS, a
   MultiFernet over them: new values are encrypted with the first key, reads try each in turn,
   and `manage.py reencrypt` moves old values to the first key (rotation).
2. An empty string stays an empty string (the library writes NULL, which the NOT NULL columns of
   `blank=True` text fields refuse). An empty column tells nothing but that it is empty.
3. A value that no key decrypts raises DecryptionError. The library hands the token back as if
   it were the text, which staff would see, and the next save would encrypt inside a second
   token. A value that is not a token at all (a row written before the migration that
   encrypted the column) is read as it is, as the library does, and `reencrypt` encrypts it.
4. JSON: the whole document is one token (`EncryptedJSONField` below). The library's JSON field
   encrypts each leaf as a string, so numbers, booleans and nulls came back as strings, the keys
   stayed readable, and a page save paid one encryption per answer.

What a column holds is opaque to SQL: only "is it empty" and "is it null" can be asked of it
(other lookups raise FieldError rather than silently match nothing). Nothing queries these
columns (the queue filters on status and tier columns; patients are found by the keyed hash).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable
from encrypted_fields.fields import EncryptedFieldMixin  # type: ignore[import-untyped]

KEYS_SETTING = "CLINIC_FIELD_ENCRYPTION_KEYS"
HASH_KEY_SETTING = "CLINIC_LOOKUP_HASH_KEY"


class DecryptionError(Exception):
    """A stored token that none of CLINIC_FIELD_ENCRYPTION_KEYS decrypts: names the column,
    never the value."""


# ---------------------------------------------------------------------------------------------
# Keys: read from the settings once, again when a test overrides them.
# ---------------------------------------------------------------------------------------------


def _required(name: str) -> Any:
    value = getattr(settings, name, None)
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG is off. See .env.example and "
            "docs/security.md (Encryption at rest)."
        )
    return value


@functools.cache
def fernet() -> MultiFernet:
    """The keys as one MultiFernet: encrypts with the first, decrypts with any."""
    return MultiFernet([Fernet(key) for key in _required(KEYS_SETTING)])


@functools.cache
def current_fernet() -> Fernet:
    """The first (current) key alone: what `reencrypt` checks a token against."""
    return Fernet(_required(KEYS_SETTING)[0])


@functools.cache
def _hash_key() -> bytes:
    return str(_required(HASH_KEY_SETTING)).encode()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in (KEYS_SETTING, HASH_KEY_SETTING):
        fernet.cache_clear()
        current_fernet.cache_clear()
        _hash_key.cache_clear()


setting_changed.connect(_on_setting_changed)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def encrypt(text: str) -> str:
    """`text` as a Fernet token (ASCII) under the current key."""
    return fernet().encrypt(text.encode()).decode("ascii")


def is_token(value: str) -> bool:
    """Whether `value` has the shape of a Fernet token (version byte 0x80, timestamp, IV, whole
    AES blocks and the HMAC, in URL-safe base64): what a column holds once encrypted."""
    if not value.startswith("gAAAAA"):
        return False
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    return raw[0] == 0x80 and len(raw) >= 73 and (len(raw) - 57) % 16 == 0


def decrypt(value: str, *, column: str = "an encrypted column") -> str:
    """The text of a stored value: a token decrypted with whichever key opens it, or a value
    stored before its column was encrypted, as it is. DecryptionError if it is a token that no
    key opens (a key removed too early): the message names the column, never the value."""
    try:
        return fernet().decrypt(value.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        if is_token(value):
            raise DecryptionError(
                f"A value in {column} cannot be decrypted with any key in {KEYS_SETTING}: was "
                "a key removed before `manage.py reencrypt` had run? See docs/security.md."
            ) from None
        return value


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 of `value` under CLINIC_LOOKUP_HASH_KEY, in hex; "" for "". Equal values
    give equal hashes, so a column of these can be indexed and matched for equality, while the
    value itself cannot be read back or guessed without the key."""
    if not value:
        return ""
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


class EmptyOnlyExact(models.lookups.Exact):  # type: ignore[type-arg]
    """`field=""` (or None) on an encrypted field: empty values are stored as they are. Any
    other value could never match (each encryption has its own IV), so it is refused rather
    than silently matching nothing: compare values once read, in Python."""

    def __init__(self, lhs: Any, rhs: Any) -> None:
        if rhs not in ("", None):
            raise FieldError(
                f"{getattr(lhs, 'target', lhs)} is encrypted: SQL can only ask whether it is "
                'empty (="" or __isnull). Compare its values in Python.'
            )
        super().__init__(lhs, rhs)


class EncryptedFieldBase:
    """Every encrypted field of the project: placed before the library's EncryptedFieldMixin,
    it gives our keys (1), keeps empty strings (2), reads strictly (3), and refuses lookups
    that SQL cannot answer on a token."""

    # Besides these (and "exact" only with ""), a lookup on an encrypted column could only
    # compare tokens, which never match (each encryption has its own IV): refused (FieldError)
    # rather than silently matching nothing.
    allowed_lookups = frozenset({"isnull", "exact"})

    @property
    def f(self) -> MultiFernet:
        # The library's own name for the Fernet its get_prep_value encrypts with.
        return fernet()

    @property
    def keys(self) -> list[bytes]:
        return [key.encode() for key in _required(KEYS_SETTING)]

    def _column(self) -> str:
        model = getattr(self, "model", None)
        table = model._meta.db_table if model is not None else "?"
        return f"{table}.{getattr(self, 'column', '?')}"

    def get_prep_value(self, value: Any) -> Any:
        if value == "":
            return ""
        return super().get_prep_value(value)  # type: ignore[misc]

    def to_python(self, value: Any) -> Any:
        # The library decrypts here too (with a flag on the shared field to skip it while a
        # form cleans, which is not thread-safe). Only values read from the database are
        # tokens, and `from_db_value` decrypts those; a form's value is the text itself.
        return super(EncryptedFieldMixin, self).to_python(value)  # type: ignore[misc]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.to_python(decrypt(value, column=self._column()))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self.allowed_lookups:
            return None
        if lookup_name == "exact":
            return EmptyOnlyExact
        return super().get_lookup(lookup_name)  # type: ignore[misc]

    def get_transform(self, name: str) -> Any:
        return None  # no JSON keys, no text functions: SQL sees only a token


# The library's EncryptedTextField and EncryptedCharField are its mixin over Django's field and
# nothing else; written out here so that the type checker (the library ships no types) sees the
# Django field, and types the model attributes as it types a TextField's or a CharField's.


class EncryptedTextField(
    EncryptedFieldBase,
    EncryptedFieldMixin,  # type: ignore[misc]
    models.TextField[str | Combinable, str],
):
    """A TextField stored as a Fernet token (a text column)."""


class EncryptedCharField(
    EncryptedFieldBase,
    EncryptedFieldMixin,  # type: ignore[misc]
    models.CharField[str | int | Combinable, str],
):
    """A CharField stored as a Fernet token. The column is text: a token is far longer than
    `max_length`, which still limits the value itself (forms, `full_clean`)."""


class EncryptedJSONField(EncryptedFieldBase, EncryptedFieldMixin, models.JSONField):  # type: ignore[misc]
    """A JSONField whose whole document is stored as one Fernet token, in a text column.

    Types survive (numbers, booleans, null, nesting) and a save costs one encryption whatever
    the number of answers. An empty dict is encrypted too: the column never shows which
    questions were answered."""

    allowed_lookups = frozenset({"isnull"})

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(json.dumps(value, cls=self.encoder))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return json.loads(decrypt(value, column=self._column()), cls=self.decoder)


class LookupHashField(models.CharField[str | int | Combinable, str]):
    """The keyed hash (`lookup_hash`) of another field of the same row, for equality look-ups
    on an encrypted field: set from it on every `Model.save()` and `bulk_create()`, like an
    `auto_now` timestamp. A writer that bypasses both (intake/plainsql.py) passes it itself."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = lookup_hash(str(getattr(model_instance, self.source) or ""))
        setattr(model_instance, self.attname, value)
        return value


# ---------------------------------------------------------------------------------------------
# Whole columns: the migrations that encrypt them (and decrypt them when reversed), and
# `manage.py reencrypt` after a key rotation (intake/services/encryption.py).
# ---------------------------------------------------------------------------------------------

# A stored value -> (what was found, the value to store instead or None to leave it).
Rewrite = Callable[[str], tuple[str, str | None]]

# Rows per batch: each batch is one SELECT, its UPDATEs and its own transaction.
BATCH_SIZE = 500


def encrypt_plain(value: str) -> tuple[str, str | None]:
    """For the migration that encrypts a column: a value not yet encrypted, encrypted."""
    if is_token(value):
        decrypt(value)  # a token no key opens: stop, rather than encrypt it a second time
        return "already encrypted", None
    return "encrypted", encrypt(value)


def decrypt_token(value: str) -> tuple[str, str | None]:
    """For the same migration reversed: a token, decrypted (any key)."""
    if not is_token(value):
        return "not encrypted", None
    return "decrypted", decrypt(value)


def reencrypt_value(value: str) -> tuple[str, str | None]:
    """For `reencrypt`: a token under an older key, re-encrypted with the current one; a value
    stored without encryption, encrypted; a token under the current key, left as it is; a token
    that no key opens, left as it is and counted as unreadable."""
    if not is_token(value):
        return "encrypted", encrypt(value)
    token = value.encode("ascii")
    try:
        current_fernet().decrypt(token)
    except InvalidToken:
        pass
    else:
        return "current", None
    try:
        return "re-encrypted", fernet().rotate(token).decode("ascii")
    except InvalidToken:
        return "unreadable", None


def _batches(
    connection: BaseDatabaseWrapper,
    *,
    table: str,
    columns: tuple[str, ...],
    pk: str,
    where: str,
    batch_size: int,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows (pk, *columns) of `table` matching `where`, in primary-key order, `batch_size` at a
    time: one SELECT per batch, so no long-held cursor or lock."""
    q = connection.ops.quote_name
    selected = ", ".join(q(name) for name in (pk, *columns))
    last: Any = None
    while True:
        after = f"{q(pk)} > %s AND " if last is not None else ""
        # Names come from model metadata or a migration's constants, quoted; values are params.
        sql = (
            f"SELECT {selected} FROM {q(table)} WHERE {after}{where} "  # noqa: S608
            f"ORDER BY {q(pk)} LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*([last] if last is not None else []), batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def rewrite_column(
    connection: BaseDatabaseWrapper,
    *,
    table: str,
    column: str,
    rewrite: Rewrite,
    pk: str = "id",
    batch_size: int = BATCH_SIZE,
) -> Counter[str]:
    """Pass every non-empty value of `table.column` through `rewrite`, in batches; how many
    values had each outcome. A value is written only if it is still the one that was read (an
    UPDATE ... WHERE column = the old value), so this can run while the app is serving: a save
    in between wins, with the current key, and is counted as "changed meanwhile"."""
    q = connection.ops.quote_name
    update = (
        f"UPDATE {q(table)} SET {q(column)} = %s "  # noqa: S608
        f"WHERE {q(pk)} = %s AND {q(column)} = %s"
    )
    where = f"{q(column)} IS NOT NULL AND {q(column)} <> ''"
    counts: Counter[str] = Counter()
    for rows in _batches(
        connection, table=table, columns=(column,), pk=pk, where=where, batch_size=batch_size
    ):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for key, value in rows:
                outcome, new = rewrite(value)
                if new is not None:
                    cursor.execute(update, [new, key, value])
                    if cursor.rowcount == 0:
                        outcome = "changed meanwhile"
                counts[outcome] += 1
    return counts


def rehash_column(
    connection: BaseDatabaseWrapper,
    *,
    table: str,
    source: str,
    target: str,
    pk: str = "id",
    batch_size: int = BATCH_SIZE,
) -> Counter[str]:
    """Set `target` to the keyed hash of the (decrypted) `source` on every row where it is not
    that already: after the migration that adds it, or a change of CLINIC_LOOKUP_HASH_KEY."""
    q = connection.ops.quote_name
    update = (
        f"UPDATE {q(table)} SET {q(target)} = %s "  # noqa: S608
        f"WHERE {q(pk)} = %s AND {q(source)} = %s"
    )
    column = f"{table}.{source}"
    counts: Counter[str] = Counter()
    for rows in _batches(
        connection,
        table=table,
        columns=(source, target),
        pk=pk,
        where="1 = 1",
        batch_size=batch_size,
    ):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for key, value, stored in rows:
                try:
                    wanted = lookup_hash(decrypt(value, column=column) if value else "")
                except DecryptionError:
                    counts["unreadable"] += 1
                    continue
                if wanted == stored:
                    counts["current"] += 1
                    continue
                cursor.execute(update, [wanted, key, value])
                counts["updated" if cursor.rowcount else "changed meanwhile"] += 1
    return counts
