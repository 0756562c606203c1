"""At go-live: apply the running ruleset to the cases still awaiting review (spec §2.7).

    python manage.py triage_release

Each case awaiting review (sent forms submitted or in review, open mid-form emergencies) is
re-evaluated. A tier that rises is raised at once, audited and alerted to staff like a new case;
a tier that would fall is never lowered: it is listed on the admin's "Ruleset changes" page for a
clinician to accept or dismiss. Cases that do not change keep the ruleset they were triaged
under. Running it again changes nothing. Run `triage_replay` first.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from intake import ruleset_release


class Command(BaseCommand):
    help = (
        "Apply the running ruleset to cases awaiting review: raise tiers that rise (audited and "
        "alerted), list tiers that would fall for a clinician. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=ruleset_release.REPLAY_BATCH,
            help=f"rows read per query (default {ruleset_release.REPLAY_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            self.stderr.write("--batch-size must be at least 1.")
            raise SystemExit(2)
        summary = ruleset_release.ruleset_release(batch_size=options["batch_size"])
        self.stdout.write(
            "\n".join(
                [
                    f"Release of ruleset {summary.ruleset_version} to cases awaiting review:",
                    f"  raised (audited, staff alerted): {len(summary.raised)}",
                    f"  falls listed for review: {len(summary.falls_listed)}"
                    + (
                        f" (and {len(summary.falls_already_listed)} listed by an earlier run)"
                        if summary.falls_already_listed
                        else ""
                    ),
                    f"  unchanged: {summary.unchanged}"
                    + (
                        f" (and {summary.gone} left the queue while this ran)"
                        if summary.gone
                        else ""
                    ),
                    "Falls are never applied automatically: a clinician decides each one in the "
                    'admin, "Ruleset changes".',
                ]
            )
        )
