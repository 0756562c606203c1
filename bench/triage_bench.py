"""Benchmark of the pure triage engine: evaluate() calls per second in one process.

Run from the repository root:

    .venv/bin/python bench/triage_bench.py [--random N] [--seconds S] [--seed SEED]

Timings on a shared machine vary by 10-20% from run to run, so each data set is measured
``--repeat`` times (default 3) and the best and the median are printed. It reports two data
sets: the clinical vignettes (tests/intake/triage/vignettes.json, defaults
plus each vignette's answers) and N random valid answer sets from ``intake.triage.samples``
(seeded, so runs are comparable). The random sets answer every question, hidden ones included,
and fire about 6 rules each, so they are a heavier load than real forms. The target is at least
20,000 evaluations per second; the exit status is 1 when a median misses it.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.triage import RULESET_VERSION, evaluate  # noqa: E402
from intake.triage.samples import random_answers  # noqa: E402

VIGNETTES = ROOT / "tests" / "intake" / "triage" / "vignettes.json"
TARGET = 20_000


def _rate(answer_sets: Sequence[Mapping[str, object]], seconds: float) -> tuple[float, int]:
    """Evaluations per second, cycling over ``answer_sets`` for about ``seconds``."""
    run: Callable[..., object] = evaluate
    for answers in answer_sets:  # warm-up (and a check that nothing raises)
        run(answers)
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for answers in answer_sets:
            run(answers)
        calls += len(answer_sets)
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start), calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=10_000, help="random answer sets (N)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements per data set (best and median shown)"
    )
    args = parser.parse_args()

    data = json.loads(VIGNETTES.read_text(encoding="utf-8"))
    defaults = data["defaults"]
    vignettes = [{**defaults, **v["answers"]} for v in data["vignettes"]]
    rng = random.Random(args.seed)
    generated = [random_answers(rng) for _ in range(args.random)]

    print(f"Triage engine benchmark (ruleset {RULESET_VERSION})")
    print(f"Python {platform.python_version()} on {platform.machine()}, one process")
    results = []
    for label, sets in (
        (f"vignettes ({len(vignettes)})", vignettes),
        (f"random valid answer sets ({len(generated)}, seed {args.seed})", generated),
    ):
        rates = sorted(_rate(sets, args.seconds)[0] for _ in range(args.repeat))
        best, median = rates[-1], statistics.median(rates)
        results.append(median)
        print(f"  {label}: best {best:,.0f} /s, median {median:,.0f} /s over {args.repeat} runs")
    ok = min(results) >= TARGET
    print(f"  target {TARGET:,} evaluations/s (median): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
