"""Delete or blank what has outlived its retention period (docs/operations.md, "Retention").
Beat runs the same service daily; this is for the demo (no beat) and for running it by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from intake.services import retention


class Command(BaseCommand):
    help = (
        "Delete cases past CLINIC_RETENTION_DAYS, blank message recipients past "
        "CLINIC_MESSAGE_RETENTION_DAYS, clear expired sessions, and delete audit events past "
        "CLINIC_AUDIT_RETENTION_DAYS. Prints what it removed (counts only)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = retention.retention_apply()
        counts = ", ".join(f"{name} {count}" for name, count in run.counts.items())
        self.stdout.write(f"Retention run {run.pk}: {counts}.")
