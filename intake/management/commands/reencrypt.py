"""Re-encrypt every encrypted column with the current key, after a key rotation (issue 18).

    CLINIC_FIELD_ENCRYPTION_KEYS=<new>,<old> manage.py reencrypt [--batch-size 500]

Prints how many values of each column it re-encrypted, found current or could not read (counts
and column names only, never a value) and fails if any could not be read: then keep the old keys
until they can. docs/security.md, "Key rotation", gives the whole procedure.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.encryption import BATCH_SIZE
from intake.services import encryption

# The order outcomes are printed in.
OUTCOMES = (
    "re-encrypted",
    "encrypted",
    "updated",
    "current",
    "changed meanwhile",
    "unreadable",
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column with the first key of CLINIC_FIELD_ENCRYPTION_KEYS "
        "and update the NHS number lookup hashes. Idempotent; run after adding a new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"rows per batch, each committed on its own (default {BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        keys = len(settings.CLINIC_FIELD_ENCRYPTION_KEYS)
        if not keys or not settings.CLINIC_LOOKUP_HASH_KEY:
            raise CommandError(
                "CLINIC_FIELD_ENCRYPTION_KEYS and CLINIC_LOOKUP_HASH_KEY must be set "
                "(docs/security.md, Encryption at rest)."
            )
        self.stdout.write(f"Re-encrypting with the first of {keys} key(s) ...")
        reports = encryption.encrypted_fields_reencrypt(batch_size=options["batch_size"])
        for report in reports:
            found = [f"{report.counts[o]} {o}" for o in OUTCOMES if report.counts.get(o)]
            self.stdout.write(f"  {report.column}: {', '.join(found) or 'empty'}")
        unreadable = sum(report.unreadable for report in reports)
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be decrypted with any key in "
                "CLINIC_FIELD_ENCRYPTION_KEYS and were left as they are: keep every old key "
                "until this command reports none (docs/security.md)."
            )
        self.stdout.write(
            self.style.SUCCESS("Done: every encrypted value is under the current key.")
        )
