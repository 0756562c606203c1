"""Time the staff triage queue (the Submission changelist) at 1,000 and 1,000,000 rows.

    .venv/bin/python bench/admin_bench.py [--small 1000] [--large 1000000] [--requests 40] [--fresh]

Two PostgreSQL databases on 127.0.0.1, `clinic_adminbench_small` and `clinic_adminbench_large`,
filled with `seed_bench` (and kept between runs: a database whose row count already matches is
reused, unless --fresh; seeding a million rows takes about 15 minutes on a 2-core machine). The
queue is rendered in-process with Django's test client as a logged-in triage clinician: the
default view (awaiting review), all statuses, a tier filter and a name search for one patient.
Requests alternate between the two databases, so both sizes see the same background load.

Prints p50/p95 and the SQL query count per view at both sizes, and the ratio of the p50s.
Target: p50 at the large size at most 1.5 x p50 at the small size, same query count. Exit 1 if
missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASES = {"small": "clinic_adminbench_small", "large": "clinic_adminbench_large"}
PG = ["-h", "127.0.0.1", "-U", "postgres"]
# One patient with a few forms, added to both databases: a name search finds the same rows.
SEARCHED = "Zara Quennell"

VIEWS = {
    "queue (awaiting review)": "/admin/intake/submission/",
    "all statuses": "/admin/intake/submission/?queue=all",
    "tier filter": "/admin/intake/submission/?tier=URGENT",
    "name search": "/admin/intake/submission/?queue=all&q=Quennell",
}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import benchdb

    benchdb.setup_django(
        f"postgres://postgres@127.0.0.1:5432/{DATABASES['small']}", bench="admin-bench"
    )


def use(name: str) -> None:
    """Point Django's default connection at another database (reconnects on the next query)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def exists(name: str) -> bool:
    listing = subprocess.run(
        ["psql", *PG, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
        capture_output=True,
        text=True,
        check=True,
    )
    return listing.stdout.strip() == "1"


def prepare(name: str, size: int, fresh: bool) -> None:
    """Create, migrate and fill a database to `size` submissions, unless it already is."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from intake.models import Submission

    if fresh or not exists(name):
        use("postgres")
        subprocess.run(["dropdb", *PG, "--if-exists", name], check=True)
        subprocess.run(["createdb", *PG, name], check=True)
    use(name)
    call_command("migrate", verbosity=0)
    have = Submission.objects.filter(token__startswith="bench-").count()
    if have != size:
        print(f"seeding {name}: {have:,} -> {size:,} submissions", file=sys.stderr)
        # Enough awaiting rows at the small size to fill a page (50), so both sizes render the
        # same amount; the large size has the clinic-like 1% awaiting review.
        share = 0.1 if size < 10_000 else 0.01
        call_command(
            "seed_bench",
            submissions=size - have,
            awaiting_share=share,
            not_production=True,
            stdout=sys.stderr,
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    user, _created = get_user_model().objects.get_or_create(
        username="bench-triage", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name="Triage clinician"))
    add_searched_patient()


def add_searched_patient() -> None:
    from intake.models import Patient, Submission

    if Patient.objects.filter(full_name=SEARCHED).exists():
        return
    template = Submission.objects.filter(token__startswith="bench-").first()
    assert template is not None and template.patient is not None
    patient = Patient.objects.create(
        full_name=SEARCHED,
        date_of_birth=template.patient.date_of_birth,
        email="zara.quennell@example.org",
        phone="07700 900999",
        preferred_contact="email",
    )
    for number in range(3):
        template.pk = None
        template.patient = patient
        template.token = f"search-{number}"
        template.reference = f"LEG-QQQQ-QQQ{number + 2}"
        template.save()


def measure(clients: dict[str, Any], requests: int) -> dict[str, dict[str, tuple[Any, ...]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results: dict[str, dict[str, tuple[Any, ...]]] = {size: {} for size in clients}
    for view, url in VIEWS.items():
        timings: dict[str, list[float]] = {size: [] for size in clients}
        for round_ in range(requests + 3):
            for size, client in clients.items():  # alternate: the same background load
                use(DATABASES[size])
                client.get(url)  # connect outside the timing
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if round_ >= 3:  # the first rounds warm caches and plans
                    timings[size].append(elapsed)
        for size, client in clients.items():
            use(DATABASES[size])
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            ordered = sorted(timings[size])
            p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
            results[size][view] = (statistics.median(ordered), p95, len(queries))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed both databases")
    options = parser.parse_args()

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tests.factories import logged_in

    # Production settings serve hashed static names: the admin's templates need the manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.monotonic()
    prepare(DATABASES["small"], options.small, options.fresh)
    prepare(DATABASES["large"], options.large, options.fresh)
    prepared = time.monotonic() - started

    clients = {}
    for size in DATABASES:
        use(DATABASES[size])
        # Signed in with both factors, as the staff tests are (tests/factories.py).
        clients[size] = logged_in(get_user_model().objects.get(username="bench-triage"))
    results = measure(clients, options.requests)

    print(
        f"\nTriage queue, {options.small:,} vs {options.large:,} submissions "
        f"(databases ready in {prepared:.0f} s); {options.requests} requests per view and size, "
        "alternating\n"
    )
    print(
        f"{'view':<26} {'p50 small':>10} {'p50 large':>10} {'ratio':>6} "
        f"{'p95 small':>10} {'p95 large':>10} {'queries':>9}"
    )
    ok = True
    for view in VIEWS:
        s50, s95, s_queries = results["small"][view]
        l50, l95, l_queries = results["large"][view]
        ratio = l50 / s50
        ok &= ratio <= 1.5 and s_queries == l_queries
        print(
            f"{view:<26} {s50:>8.1f}ms {l50:>8.1f}ms {ratio:>6.2f} {s95:>8.1f}ms {l95:>8.1f}ms "
            f"{s_queries:>4} / {l_queries:<4}"
        )
    print("\ntarget (p50 ratio <= 1.5, same query count):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
