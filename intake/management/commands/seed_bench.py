"""Bulk rows for benchmarks: `seed_bench --submissions N` adds N realistic sent submissions.

Realistic means shaped like a clinic's history: most submissions are old and finished (closed,
referred, booked), a small recent share awaits review, tiers in clinic proportions, one patient
each, answers and reasons of the size real ones have. Rows are written with bulk inserts in
batches, not through the services (which would take hours for a million rows), so it refuses to
run with DJANGO_DEBUG off unless --i-know-this-is-not-production is given.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from intake import clinical
from intake.demo import FIRST_NAMES, demo_cases
from intake.models import TIER_RANK, Patient, Submission

BATCH = 5000
AWAITING_SHARE = 0.01  # of all rows: the live queue is small next to the history
FINISHED = (
    (Submission.Status.CLOSED, 0.55),
    (Submission.Status.BOOKED, 0.30),
    (Submission.Status.REFERRED, 0.10),
    (Submission.Status.TRIAGED, 0.05),
)


class Command(BaseCommand):
    help = "Bulk-create N realistic sent submissions (with patients) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--submissions", type=int, required=True, help="how many to add")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--awaiting-share",
            type=float,
            default=AWAITING_SHARE,
            help=f"share of rows still awaiting review (default {AWAITING_SHARE})",
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="allow running with DJANGO_DEBUG off (e.g. a benchmark server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "seed_bench fills the database with fake patients. Run it with DJANGO_DEBUG=1, "
                "or pass --i-know-this-is-not-production on a benchmark database."
            )
        total = options["submissions"]
        if total < 1:
            raise CommandError("--submissions must be at least 1.")
        # Seeded by what is already there, so repeated runs add different rows, reproducibly.
        existing = Submission.objects.count()
        rng = random.Random(options["seed"] + existing)  # noqa: S311 - fake data, not secrets
        templates = self._templates()
        started = time.monotonic()
        now = timezone.now()
        # Each run numbers its rows from a random offset, so repeated runs never collide.
        offset = rng.randrange(1, 600) * 10**9  # stays below 30**8, the reference space
        done = 0
        while done < total:
            size = min(BATCH, total - done)
            self._batch(rng, templates, now, offset, done, size, options["awaiting_share"])
            done += size
            if done % (BATCH * 20) == 0 or done == total:
                self.stdout.write(f"  {done:,} / {total:,} ({time.monotonic() - started:.0f} s)")
        self.stdout.write(self.style.SUCCESS(f"Added {total:,} submissions."))

    @staticmethod
    def _templates() -> list[dict[str, Any]]:
        """One stored result per demo case, evaluated once: rows reuse them."""
        return [
            {"answers": case.answers, "triage": clinical.evaluate(case.answers).to_dict()}
            for case in demo_cases()
        ]

    @staticmethod
    @transaction.atomic
    def _batch(
        rng: random.Random,
        templates: list[dict[str, Any]],
        now: dt.datetime,
        offset: int,
        start: int,
        size: int,
        awaiting_share: float,
    ) -> None:
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    full_name=f"{rng.choice(FIRST_NAMES)} {_surname(rng)}",
                    date_of_birth=dt.date(rng.randint(1930, 2005), rng.randint(1, 12), 1),
                    email=f"bench{start + i}@example.org",
                    phone=f"07700 9{rng.randrange(10**5):05d}",
                    preferred_contact="email",
                )
                for i in range(size)
            ],
            batch_size=size,
        )
        rows = []
        for i, patient in enumerate(patients):
            number = offset + start + i
            code = _code(number)
            template = rng.choice(templates)
            triage = template["triage"]
            awaiting = rng.random() < awaiting_share
            if awaiting:
                status = rng.choice((Submission.Status.SUBMITTED, Submission.Status.IN_REVIEW))
                age = dt.timedelta(minutes=rng.randint(1, 60 * 24 * 10))
            else:
                status = rng.choices([s for s, _ in FINISHED], [w for _, w in FINISHED])[0]
                age = dt.timedelta(minutes=rng.randint(60 * 24, 60 * 24 * 365 * 5))
            tier = triage["tier"]
            rows.append(
                Submission(
                    token=f"bench-{number}",
                    status=status,
                    patient=patient,
                    answers=template["answers"],
                    reference=f"LEG-{code[:4]}-{code[4:]}",
                    submitted_at=now - age,
                    awaiting_since=now - age,
                    age_years=60,
                    ruleset_version=triage["ruleset_version"],
                    engine_tier=tier,
                    tier=tier,
                    tier_rank=TIER_RANK[tier],
                    fired_rules=triage["fired"],
                    reasons=triage["reasons"],
                    scores=triage["scores"],
                )
            )
        Submission.objects.bulk_create(rows, batch_size=size)


ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def _code(number: int) -> str:
    """Eight characters of the reference alphabet for a row number (unique below 30**8)."""
    chars = []
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


# About 8,000 made-up surnames, so a name search matches a realistic handful of rows.
SYLLABLES = (
    "ash", "brook", "car", "dun", "el", "fen", "gar", "holt", "ing", "jar",
    "kel", "lor", "mor", "nor", "ord", "pen", "quin", "ros", "stan", "tor",
)  # fmt: skip


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
