"""Delete unfinished forms past their expiry. Beat runs the same service daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from intake.services import drafts


class Command(BaseCommand):
    help = "Delete draft forms not saved for CLINIC_DRAFT_LIFETIME_DAYS days (default 7)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = drafts.submission_purge_expired_drafts()
        self.stdout.write(f"Deleted {count} expired draft(s).")
