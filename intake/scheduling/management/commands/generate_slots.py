"""Make the diary's future slots match the weekly availability and its exceptions.

    python manage.py generate_slots --weeks 8

Idempotent (run it as often as you like); beat runs it nightly. Never deletes a booked slot:
slots that leave or a closure now cover but that have a booking are reported as clashes, for
reception to move those patients.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.scheduling.services import slots


class Command(BaseCommand):
    help = "Generate bookable slots from the availability rules for the next N weeks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--weeks",
            type=int,
            default=settings.CLINIC_SLOT_WEEKS,
            help="How many weeks ahead, from today (default CLINIC_SLOT_WEEKS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = slots.slot_generate(weeks=options["weeks"])
        except ValidationError as error:
            raise CommandError(f"--weeks: {' '.join(error.messages)}") from error
        self.stdout.write(
            f"Slots for {options['weeks']} weeks: {result.created} created, "
            f"{result.removed} removed, {result.clashes} booked slots clash with the availability"
        )
        if result.clashes:
            self.stdout.write(
                self.style.WARNING(
                    "Move the patients booked into slots that leave or a closure now covers."
                )
            )
