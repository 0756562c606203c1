"""Erase one patient's personal data, at their request (UK GDPR Art. 17).

    python manage.py patient_erase alex@example.org --reason "Email of 3 March, ref 2026-031" \
        --by cleo --confirmed-by omar

--by names the clinic admin who runs it (recorded as the actor); --confirmed-by a second,
different clinic admin, needed when any of the record is inside CLINIC_RETENTION_DAYS. Shows
what it will do and asks for "erase" unless --no-input. intake/services/data_rights.py says
what is kept and what deleted; docs/operations.md has the procedure.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.management.data_rights import add_patient_arguments, find_patient, staff_account
from intake.selectors.data_rights import patient_get_erasure_plan
from intake.services import data_rights


class Command(BaseCommand):
    help = (
        "Erase one patient's personal data (found by email, and --dob if several share it): "
        "forms inside CLINIC_RETENTION_DAYS are anonymised (a second clinic admin confirms "
        "with --confirmed-by), everything else is deleted. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_patient_arguments(parser)
        parser.add_argument(
            "--reason",
            required=True,
            help="why (kept in the audit log: how the request came and its date or reference; "
            "never the patient's name or contact details)",
        )
        parser.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="the clinic admin running this (recorded as who erased)",
        )
        parser.add_argument(
            "--confirmed-by",
            metavar="USERNAME",
            help="a second clinic admin who confirms (needed inside the retention period)",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        patient = find_patient(options)
        actor = staff_account(options["by"], "--by")
        confirmer = options["confirmed_by"]
        confirmed_by = staff_account(confirmer, "--confirmed-by") if confirmer else None
        plan = patient_get_erasure_plan(patient)
        self.stdout.write(
            f"Patient #{patient.pk}: {len(plan.retained)} form(s) inside the retention period "
            "will be anonymised (coded clinical data kept), "
            f"{len(plan.deleted)} form(s) deleted; the patient record will be "
            + ("anonymised." if plan.retained else "deleted.")
        )
        if plan.needs_confirmation:
            self.stdout.write("Inside the retention period: a second clinic admin confirms.")
        if options["interactive"]:
            answer = input("This cannot be undone. Type 'erase' to go on: ")
            if answer.strip().lower() != "erase":
                raise CommandError("Nothing erased.")
        try:
            result = data_rights.patient_erase(
                patient=patient,
                reason=options["reason"],
                actor=actor,
                confirmed_by=confirmed_by,
                via="command",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased patient #{result.patient_id}: {len(result.anonymised)} form(s) "
                f"anonymised, {len(result.deleted)} deleted, patient record "
                + ("deleted." if result.patient_deleted else "anonymised.")
            )
        )
