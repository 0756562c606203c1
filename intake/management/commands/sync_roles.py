"""Give the staff groups exactly the permissions intake/roles.py defines.

    python manage.py sync_roles          # create missing groups, add and remove permissions
    python manage.py sync_roles --check  # only report the differences; exit 1 if there are any

Groups not in intake/roles.py and users' group memberships are never touched. Running it again
changes nothing. Migrations call the same function, so `migrate` leaves the roles in sync too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import roles

OUT_OF_SYNC = 1  # exit status of --check when a group differs from intake/roles.py


class Command(BaseCommand):
    help = (
        "Create the staff groups of intake/roles.py and give each exactly its permissions. "
        "--check: report the differences and exit 1 if there are any, changing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; list what differs and exit 1 if anything does (for CI)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        check = options["check"]
        try:
            changes = roles.sync_roles(dry_run=check, verbosity=max(0, options["verbosity"] - 1))
        except LookupError as error:  # a permission named in ROLES that no model has
            raise CommandError(str(error)) from error
        if not changes:
            self.stdout.write("roles already in sync")
            return
        for name, change in changes.items():
            if change.created:
                state = "group missing" if check else "group created"
            else:
                state = "differs" if check else "updated"
            self.stdout.write(f"{name}: {state}")
            for perm in change.added:
                self.stdout.write(f"  {'missing' if check else 'added'}: {perm}")
            for perm in change.removed:
                self.stdout.write(f"  {'extra' if check else 'removed'}: {perm}")
        if check:
            self.stderr.write(
                "The groups differ from intake/roles.py: run `python manage.py sync_roles`."
            )
            raise SystemExit(OUT_OF_SYNC)
        self.stdout.write(self.style.SUCCESS(f"roles synced ({len(changes)} group(s) changed)"))
