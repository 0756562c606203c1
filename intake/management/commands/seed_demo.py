"""Demo data for `make run`: staff accounts to log in with. Idempotent; never in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

# Documented in the README. Demo accounts exist only where DEBUG is on.
DEMO_PASSWORD = "demo-clinic-2026"  # noqa: S105 - a published demo password, by design

DEMO_USERS = (
    # username, display name, superuser?
    ("admin", "Clinic Admin", True),
    ("triage", "Tess Triage", False),
    ("reception", "Rita Reception", False),
)


class Command(BaseCommand):
    help = "Create the demo staff accounts (admin, triage, reception). Only with DJANGO_DEBUG on."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # A known password on a production system would be an open door.
            raise CommandError(
                "seed_demo creates accounts with a published password and only runs with "
                "DJANGO_DEBUG=1 (the local demo)."
            )
        User = get_user_model()
        for username, name, superuser in DEMO_USERS:
            first, last = name.split(" ", 1)
            user, created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@clinic.invalid"
            user.is_staff = True
            user.is_superuser = superuser
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            verb = "created" if created else "updated"
            self.stdout.write(f"  {username:<10} {verb}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo staff accounts ready: admin, triage, reception; password {DEMO_PASSWORD}"
            )
        )
