"""Before a ruleset goes live: what it would do to every stored case (spec §2.7).

    python manage.py triage_replay                      # sent forms and drafts with answers
    python manage.py triage_replay --since 2026-11-01   # submitted (drafts: created) on or after
    python manage.py triage_replay --status submitted,in_review --status draft
    python manage.py triage_replay --csv /tmp/replay.csv   # ids, tiers and rule codes per case

Re-evaluates each case's stored answers with the ruleset in the running code and prints old tier
→ new tier counts, the rules that newly fire or stop firing, and every case whose tier would go
down (for a clinician to look at before go-live). Nothing is written to the database. The CSV holds
ids, tiers and rule codes only: never answers, names or free text.

Exit status: 0 when no tier goes down, 1 when any does, 2 for bad arguments (message on stderr).
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any, NoReturn, TextIO

from django.core.management.base import BaseCommand, CommandParser

from intake import ruleset_release
from intake.models import Submission, Tier

INVALID_INPUT = 2
SOME_DOWN = 1

CSV_HEADER = (
    "id",
    "reference",
    "status",
    "stored_ruleset",
    "old_tier",
    "new_tier",
    "direction",
    "rules_added",
    "rules_removed",
)
TIER_ORDER = [*Tier.values, ruleset_release.NO_TIER]


class Command(BaseCommand):
    help = (
        "Re-evaluate every stored case under the running ruleset and report tier changes; "
        "exit 1 if any tier would go down. Writes nothing to the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help="only cases submitted (drafts: created) on or after this day",
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            metavar="STATUS",
            help="only these statuses (repeatable or comma-separated): "
            + ", ".join(Submission.Status.values),
        )
        parser.add_argument(
            "--csv",
            metavar="FILE",
            help="write one row per case (ids, tiers, direction, rule codes; no patient data)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=ruleset_release.REPLAY_BATCH,
            help=f"rows read per query (default {ruleset_release.REPLAY_BATCH})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = self._since(options["since"])
        statuses = self._statuses(options["status"])
        if options["batch_size"] < 1:
            self._fail(["--batch-size must be at least 1."])
        out: TextIO | None = None
        if options["csv"]:
            try:
                out = open(options["csv"], "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as error:
                self._fail([f"Cannot write the CSV file {options['csv']}: {error.strerror}"])
        try:
            writer = csv.writer(out) if out else None
            if writer:
                writer.writerow(CSV_HEADER)

            def write_row(case: ruleset_release.ReplayCase) -> None:
                if writer:
                    writer.writerow(csv_row(case))

            report = ruleset_release.ruleset_replay(
                since=since,
                statuses=statuses,
                batch_size=options["batch_size"],
                on_case=write_row,
            )
        finally:
            if out:
                out.close()
        self.stdout.write(render_report(report, csv_path=options["csv"]))
        if report.downs:
            raise SystemExit(SOME_DOWN)

    def _since(self, value: str | None) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self._fail([f"--since: {value!r} is not a date in the form YYYY-MM-DD."])

    def _statuses(self, values: list[str]) -> list[str]:
        statuses = [s.strip() for value in values for s in value.split(",") if s.strip()]
        unknown = [s for s in statuses if s not in Submission.Status.values]
        if unknown:
            self._fail(
                [
                    f"--status: unknown status {', '.join(map(repr, unknown))}; "
                    f"use one of: {', '.join(Submission.Status.values)}."
                ]
            )
        return statuses

    def _fail(self, messages: list[str]) -> NoReturn:
        """Report bad arguments on stderr and exit with status 2; stdout stays empty."""
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(INVALID_INPUT)


def csv_row(case: ruleset_release.ReplayCase) -> list[object]:
    """One CSV row: ids, status, tiers and rule codes. Never answers, names or free text."""
    return [
        case.id,
        case.reference or "",
        case.status,
        case.ruleset_version,
        case.old_tier,
        case.new_tier,
        case.direction,
        " ".join(case.rules_added),
        " ".join(case.rules_removed),
    ]


def _rules(codes: tuple[str, ...]) -> str:
    return " ".join(codes) if codes else "(none)"


def render_report(report: ruleset_release.ReplayReport, *, csv_path: str | None = None) -> str:
    """The replay as text: tier changes, rule changes, then every case that would go down."""
    lines = [
        f"Replay under ruleset {report.ruleset_version}: {report.cases} case(s) "
        f"re-evaluated in {report.batches} batch(es).",
        f"  up {report.directions['up']}, same {report.directions['same']}, "
        f"down {report.directions['down']}",
        "",
        "Old tier -> new tier (cases):",
    ]
    order = {tier: index for index, tier in enumerate(TIER_ORDER)}
    if not report.transitions:
        lines.append("  (no cases)")
    for (old, new), count in sorted(
        report.transitions.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])
    ):
        marker = {"up": "  up", "down": "  DOWN", "same": ""}[
            ruleset_release.tier_direction("" if old == ruleset_release.NO_TIER else old, new)
        ]
        lines.append(f"  {old:<9} -> {new:<9} {count:>8}{marker}")
    lines += ["", "Rules that newly fire (cases):"]
    lines += [f"  {code:<22} {n:>8}" for code, n in sorted(report.rules_added.items())] or [
        "  (none)"
    ]
    lines += ["", "Rules that no longer fire (cases):"]
    lines += [f"  {code:<22} {n:>8}" for code, n in sorted(report.rules_removed.items())] or [
        "  (none)"
    ]
    lines += ["", f"Cases whose tier would go DOWN ({len(report.downs)}):"]
    if not report.downs:
        lines.append("  (none)")
    for case in report.downs:
        lines.append(
            f"  {case.label}: {case.old_tier} -> {case.new_tier}; "
            f"rules {_rules(case.old_rules)} -> {_rules(case.new_rules)}"
        )
    if csv_path:
        lines += ["", f"One row per case written to {csv_path}."]
    return "\n".join(lines)
