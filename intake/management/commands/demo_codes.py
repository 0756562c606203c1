"""The demo accounts' second step: the code the demo authenticator shows now. DEBUG only.

Every account `seed_demo` makes has an authenticator app with the same published secret
(intake/services/staff.py, DEMO_TOTP_SECRET): this prints its current 6-digit code, as the app
would, and for how many more seconds it is shown. A code signs in once only (django-otp refuses
a code used before): for a second account, wait for the next one.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from intake.management.commands.seed_demo import DEMO_USERS, demo_code_now
from intake.services import staff

STEP = 30  # seconds a code is shown for (django-otp's default)


class Command(BaseCommand):
    help = "Print the demo accounts' current second-step code (DJANGO_DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_codes is for the local demo, with DJANGO_DEBUG=1: production refuses the "
                "demo authenticator."
            )
        left = STEP - int(time.time()) % STEP
        names = ", ".join(username for username, *_rest in DEMO_USERS)
        self.stdout.write(
            f"{demo_code_now()}  (for {names}; {left} s left; key {staff.DEMO_TOTP_SECRET})"
        )
