"""A copy of everything held about one patient, for their request (UK GDPR Art. 15 and 20).

    python manage.py patient_export alex@example.org --out /secure/requests/2026-031
    python manage.py patient_export alex@example.org --dob 1961-04-12 --out DIR --by cleo

Writes DIR/patient-<id>-<date>.json (machine-readable) and .html (to read or print), readable
by the owner only; audited ("export", by --by or the system). When several patients have the
email address it refuses and says how many: give --dob. docs/operations.md has the procedure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intake.management.data_rights import add_patient_arguments, find_patient, staff_account
from intake.services import data_rights


class Command(BaseCommand):
    help = (
        "Export everything held about one patient (found by email, and --dob if several share "
        "it) as JSON and HTML files in --out DIR, for a subject access request. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_patient_arguments(parser)
        parser.add_argument(
            "--out", required=True, type=Path, metavar="DIR", help="where to write the files"
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the staff account of whoever runs this, for the audit log (else: system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        patient = find_patient(options)
        actor = staff_account(options["by"], "--by") if options["by"] else None
        export = data_rights.patient_export(patient=patient, actor=actor, via="command")
        out: Path = options["out"]
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        written = []
        for suffix, text in ((".json", export.json_text), (".html", export.html)):
            path = out / f"{export.stem}{suffix}"
            # Owner-only from the start: the files are health data.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
            written.append(path)
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(
            self.style.SUCCESS(f"Exported patient #{patient.pk}: {len(written)} files written.")
        )
