"""Benchmark of `triage_replay` at clinic scale: stored cases re-evaluated per second, and memory.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 accepting `postgres` without a
password):

    .venv/bin/python bench/replay_bench.py [--cases N] [--runs R] [--reuse] [--keep]

Creates a private database, `clinic_replay_bench`, migrates it and seeds N stored submissions
(default 1,000,000) in one `INSERT ... SELECT generate_series`: each row takes one of a few hundred
answer sets (`intake.triage.samples.random_answers`, seeded, trimmed to the questions a patient
would actually see, so sizes are those of real forms) with that set's engine result stored beside
it, so stored tiers and fired rules are realistic. About 1 in 499 rows is stored with a tier one
above what its answers give, so the replay lists falls as it would before a real release; 2% are
drafts. Then it runs the replay code path (`ruleset_release.ruleset_replay`, what the command
calls) R times (default 3) and prints cases per second and memory: the process's peak RSS
(ru_maxrss) after each run, and the Python heap peak during a last, separate replay of the
first --trace-cases rows under tracemalloc (slower, so not timed). The database is dropped at the
end unless --keep is given; --reuse skips seeding when a kept database has the right size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import benchdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
DB = "clinic_replay_bench"
STALE_EVERY = 499  # one row in this many stored a tier too high (prime: any answer set)
DRAFT_EVERY = 50  # one row in this many a draft (status draft, no reference)
HIGHER = {"ROUTINE": "SOON", "SOON": "URGENT", "URGENT": "EMERGENCY", "EMERGENCY": "EMERGENCY"}


def setup_django() -> None:
    benchdb.setup_django(f"{PG}/{DB}", bench="replay-bench")


def answer_sets(count: int, seed: int) -> list[dict[str, object]]:
    """`count` valid answer sets, only the questions a patient would see answered."""
    from intake.triage import visible_codes
    from intake.triage.samples import random_answers

    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        # Red flags rarely ticked, as in a clinic: random answers otherwise fire URGENT or
        # EMERGENCY rules for most sets.
        answers = random_answers(rng, red_flag_rate=0.01)
        shown = set(visible_codes(answers))
        sets.append({code: value for code, value in answers.items() if code in shown})
    return sets


def seed(cases: int, sets: list[dict[str, object]]) -> float:
    """Fill intake_submission with `cases` rows cycling over `sets`; seconds taken."""
    from django.db import connection

    from intake import clinical, encryption
    from intake.models import TIER_RANK

    empty = encryption.encrypt("{}")  # identity and held input: encrypted empty documents

    rows = []
    for index, answers in enumerate(sets):
        result = clinical.evaluate(answers)
        stored = result.to_dict()
        rows.append(
            (
                index,
                # Encrypted, as the app stores them (issue 18): one token per answer set.
                encryption.encrypt(json.dumps(answers)),
                result.tier.name,
                HIGHER[result.tier.name],
                TIER_RANK[result.tier.name],
                json.dumps(list(result.fired)),
                json.dumps(stored["reasons"]),
                json.dumps({**stored["scores"], "not_sure": stored["not_sure"]}),
                result.ruleset_version,
            )
        )
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_sets (i int PRIMARY KEY, answers text, tier text, "
            "higher text, tier_rank int, fired jsonb, reasons jsonb, scores jsonb, "
            "version text)"
        )
        cursor.executemany(
            "INSERT INTO bench_sets VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
        )
        # Statuses as a clinic's history: mostly finished, 1% awaiting review, 2% drafts.
        cursor.execute(
            f"""
            INSERT INTO intake_submission (
                token, status, identity, answers, interrupted_rules, held_input, version,
                resume_failures, reference, submitted_at, awaiting_since, age_years,
                ruleset_version, engine_tier, tier, tier_rank, fired_rules, reasons, scores,
                language, override_reason, created_at, updated_at)
            SELECT
                'bench-' || g,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN 'draft'
                     WHEN g %% 100 = 1 THEN 'submitted'
                     WHEN g %% 10 < 6 THEN 'closed'
                     WHEN g %% 10 < 9 THEN 'booked'
                     ELSE 'referred' END,
                %s, s.answers, '[]'::jsonb, %s, 0, 0,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN NULL ELSE 'BEN-' || g END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN NULL
                     ELSE now() - g * interval '20 seconds' END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN NULL
                     ELSE now() - g * interval '20 seconds' END,
                60,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN '' ELSE s.version END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN ''
                     WHEN g %% {STALE_EVERY} = 7 THEN s.higher ELSE s.tier END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN ''
                     WHEN g %% {STALE_EVERY} = 7 THEN s.higher ELSE s.tier END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN 0 ELSE s.tier_rank END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN '[]'::jsonb ELSE s.fired END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN '[]'::jsonb ELSE s.reasons END,
                CASE WHEN g %% {DRAFT_EVERY} = 0 THEN '{{}}'::jsonb ELSE s.scores END,
                'en-gb',
                '',
                now() - g * interval '20 seconds',
                now() - g * interval '20 seconds'
            FROM generate_series(1, %s) AS g
            JOIN bench_sets AS s ON s.i = g %% %s
            """,  # noqa: S608 - constants of this script, no input
            [empty, empty, cases, len(sets)],
        )
        cursor.execute("DROP TABLE bench_sets")
        cursor.execute("ANALYZE intake_submission")
    return time.monotonic() - started


def stored_count() -> int:
    from intake.models import Submission

    return Submission.objects.count()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="stored submissions (N)")
    parser.add_argument("--sets", type=int, default=300, help="distinct answer sets to cycle")
    parser.add_argument("--runs", type=int, default=3, help="timed replays (median and range)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep a database of the right size")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--trace-cases",
        type=int,
        default=100_000,
        help="cases replayed under tracemalloc after the timed runs (0: none)",
    )
    options = parser.parse_args()

    setup_django()
    from django.db import connection

    from intake import ruleset_release

    reuse = False
    if options.reuse:
        try:
            reuse = stored_count() == options.cases
        except Exception:
            connection.close()
    seeded = None
    if not reuse:
        connection.close()
        benchdb.recreate(PG, DB, dict(os.environ), [["migrate", "-v0"]])
        seeded = seed(options.cases, answer_sets(options.sets, options.seed))
    size = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            "SELECT pg_size_pretty(pg_total_relation_size('intake_submission'))",
            DB,
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()

    print(
        f"Replay benchmark: ruleset {ruleset_release.running_ruleset()}, {options.cases:,} "
        f"stored submissions ({size}), {options.sets} answer sets cycled"
    )
    if seeded is not None:
        print(f"  seeded in {seeded:.0f} s (INSERT ... SELECT generate_series)")
    print(
        f"  Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at start; peak RSS before runs {rss_mib():.0f} MiB"
    )
    rates = []
    for run in range(options.runs):
        started = time.perf_counter()
        report = ruleset_release.ruleset_replay()
        seconds = time.perf_counter() - started
        rates.append(report.cases / seconds)
        print(
            f"  run {run + 1}: {report.cases:,} cases in {seconds:.1f} s = "
            f"{report.cases / seconds:,.0f} cases/s ({report.batches} batches, "
            f"{len(report.downs):,} down, {report.directions['up']:,} up); "
            f"peak RSS {rss_mib():.0f} MiB; load {os.getloadavg()[0]:.2f}"
        )
    print(
        f"  median {statistics.median(rates):,.0f} cases/s, range {min(rates):,.0f}-"
        f"{max(rates):,.0f}"
    )
    if options.trace_cases:
        # Under tracemalloc, over the first --trace-cases rows only (it is several times slower;
        # the heap does not grow from batch to batch, so the first batches show the peak).
        tracemalloc.start()
        traced = 0
        for _case in ruleset_release.ruleset_replay_cases():
            traced += 1
            if traced >= options.trace_cases:
                break
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  tracemalloc (separate, untimed run over the first {traced:,} cases): Python "
            f"heap peak {peak / 2**20:.1f} MiB, {current / 2**20:.1f} MiB held at the end"
        )
    connection.close()
    if not options.keep:
        benchdb.drop(PG, DB)
        print(f"  database {DB} dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
