"""Triage answer sets from the command line: a clinical lead's way to check a case by hand.

    python manage.py triage case.json            # one answer set (JSON object) or a list of them
    python manage.py triage - < case.json         # read standard input (the default)
    python manage.py triage case.json --explain   # readable account: why each rule fired

Absent questions count as unanswered, exactly as when the engine runs after each step, so a
case can list only the answers that matter. Invalid input (bad JSON, unknown question codes,
invalid values) is reported on stderr, nothing is printed on stdout, and the exit status is 2.
Nothing is stored; the command reads no database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from intake import triage

INVALID_INPUT = 2


class Command(BaseCommand):
    help = (
        "Triage a JSON answer set (question code -> stored value), or a JSON array of them, "
        "from FILE or standard input, and print the result as JSON (or explained, --explain)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="JSON file to read, or - for stdin (default)"
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="print a readable account (tier, each fired rule, the answers it used, "
            "its staff reason and source) instead of JSON",
        )
        parser.add_argument(
            "--clinic-closed",
            action="store_true",
            help="use the out-of-hours URGENT wording (spec §2.5); by default the clinic is open",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self._fail([f"Cannot read {source}: {error}"])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self._fail([f"Invalid JSON: {error}"])

        single = isinstance(data, dict)
        if single:
            items: list[Any] = [data]
        elif isinstance(data, list):
            items = data
        else:
            self._fail(["Expected a JSON object of answers, or an array of them."])

        problems = []
        for index, item in enumerate(items):
            where = "" if single else f"item {index}: "
            if not isinstance(item, dict):
                problems.append(f"{where}expected a JSON object of answers")
                continue
            for problem in triage.validate(item):
                code = problem.code or "(answers)"
                problems.append(f"{where}{code}: {problem.message}")
        if problems:
            self._fail(problems)

        results = [
            triage.evaluate(
                item,
                emergency_number=settings.CLINIC_EMERGENCY_NUMBER,
                advice_line=settings.CLINIC_URGENT_ADVICE_LINE,
                clinic_open_now=not options["clinic_closed"],
                callback_cutoff=getattr(settings, "CLINIC_CLOSES_AT", None),
            )
            for item in items
        ]
        if options["explain"]:
            blocks = [
                _explain(result, None if single else index) for index, result in enumerate(results)
            ]
            self.stdout.write("\n\n".join(blocks))
            return
        dicts = [result.to_dict() for result in results]
        output = dicts[0] if single else dicts
        self.stdout.write(json.dumps(output, indent=2, ensure_ascii=False))

    def _fail(self, messages: list[str]) -> NoReturn:
        """Report invalid input on stderr and exit with status 2; stdout stays empty."""
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(INVALID_INPUT)


def _value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[] (none)"
    if value is None:
        return "(unanswered or hidden)"
    return str(value)


def _explain(result: triage.TriageResult, index: int | None) -> str:
    """A readable account of one result, for a clinician checking a case by hand."""
    lines = []
    if index is not None:
        lines.append(f"=== item {index} ===")
    lines.append(f"Tier: {result.tier} (ruleset {result.ruleset_version})")
    if result.not_sure:
        lines.append("Answered 'not sure' (counted as yes): " + ", ".join(result.not_sure))
    lines.append("")
    lines.append("Fired rules (highest tier first):")
    for rule in result.rules:
        lines.append(f"- {rule.code} [{rule.tier}]")
        if rule.evidence:
            lines.append("    why (answers and derived values it read):")
            for name, value in rule.evidence.items():
                note = " (answered 'not sure')" if name in result.not_sure else ""
                lines.append(f"      {name} = {_value(value)}{note}")
        lines.append(f"    staff reason: {rule.staff_reason}")
        lines.append(f"    source: {rule.source}")
    lines.append("")
    scores = result.scores
    pe = scores["pe_wells"]
    lines.append(
        "Scores: "
        + ", ".join(
            f"{key}={'-' if value is None else value}"
            for key, value in scores.items()
            if key != "pe_wells"
        )
    )
    lines.append(
        f"PE-Wells (partial; not reportable: {', '.join(pe['not_reportable'])}): "
        f"{pe['partial_total']}"
    )
    if result.likely_category:
        lines.append(f"Likely category: {result.likely_category}")
    lines.append("")
    lines.append("Patient is told:")
    lines.extend(f"  {line}" if line else "" for line in result.patient_message.split("\n"))
    return "\n".join(lines)
