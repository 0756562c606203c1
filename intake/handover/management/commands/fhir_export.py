"""`manage.py fhir_export LEG-XXXX-XXXX`: one case's FHIR resources as a Bundle, on stdout.

For a one-off transfer, or to see what the API sends. Audited (action "export", by the system);
the output is patient data: write it only where patient data may be kept.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.handover import selectors
from intake.handover.export import case_bundle
from intake.models import AuditEvent
from intake.services import audit


class Command(BaseCommand):
    help = "Print a sent form's FHIR resources (a Bundle of type collection) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="The form's reference, e.g. LEG-AB12-CD34.")
        parser.add_argument("--indent", type=int, default=2, help="JSON indent (0: one line).")

    def handle(self, *args: Any, **options: Any) -> None:
        reference = str(options["reference"]).strip().upper()
        submission = selectors.submission_get_sent(reference=reference)
        if submission is None:
            raise CommandError(f"No sent form has the reference {reference}.")
        bundle = case_bundle(submission)
        audit.audit_record(
            actor=None,
            action=AuditEvent.Action.EXPORT,
            submission=submission,
            details={"via": "manage.py fhir_export", "format": "fhir_bundle"},
        )
        data = json.loads(bundle.model_dump_json())
        indent = options["indent"] or None
        self.stdout.write(json.dumps(data, indent=indent, ensure_ascii=False))
