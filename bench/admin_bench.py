"""Time the staff triage queue (the Submission changelist) at 1,000 and 1,000,000 rows.

    .venv/bin/python bench/admin_bench.py [--small 1000] [--large 1000000] [--requests 40]

Creates (drops first) the PostgreSQL database `clinic_adminbench` on 127.0.0.1, fills it with
`seed_bench`, and renders the queue in-process with Django's test client as a logged-in triage
clinician: the default view (awaiting review), "all statuses", a tier filter and a name search.
For each it prints p50/p95 and the SQL query count, at both sizes, and the ratio of the p50s.
Target: p50 at the large size at most 1.5 x p50 at the small size, same query count. Exit 1 if
missed. Seeding a million rows takes about ten minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "clinic_adminbench"

VIEWS = {
    "queue (awaiting review)": "/admin/intake/submission/",
    "all statuses": "/admin/intake/submission/?queue=all",
    "tier filter": "/admin/intake/submission/?tier=URGENT",
    "name search": "/admin/intake/submission/?queue=all&q=Rosbrookel",
}


def recreate_database() -> None:
    args = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *args, "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", *args, DB_NAME], check=True)


def setup_django() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="admin-bench-only-not-a-secret",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_HTTPS="0",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def measure(client: object, requests: int) -> dict[str, tuple[float, float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for name, url in VIEWS.items():
        for _ in range(3):  # warm up caches and the plan cache
            client.get(url)  # type: ignore[attr-defined]
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)  # type: ignore[attr-defined]
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)  # type: ignore[attr-defined]
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        results[name] = (statistics.median(timings), p95, len(queries))
    return results


def seed(count: int, awaiting_share: float) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command(
        "seed_bench",
        submissions=count,
        awaiting_share=awaiting_share,
        not_production=True,
        stdout=sys.stderr,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    options = parser.parse_args()

    recreate_database()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    # Production settings serve hashed static names: the admin's templates need the manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user("bench-triage", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Triage clinician"))
    client = Client()
    client.force_login(user)

    # Enough awaiting rows at the small size to fill a page (50), so both sizes render the same
    # amount; the large size then has the clinic-like 1% awaiting review.
    seed(options.small, awaiting_share=0.1)
    small = measure(client, options.requests)
    started = time.monotonic()
    seed(options.large - options.small, awaiting_share=0.01)
    seeded = time.monotonic() - started
    large = measure(client, options.requests)

    print(
        f"\nTriage queue, {options.small:,} vs {options.large:,} submissions "
        f"(seeding took {seeded:.0f} s); {options.requests} requests per view\n"
    )
    print(
        f"{'view':<26} {'p50 small':>10} {'p50 large':>10} {'ratio':>6} "
        f"{'p95 large':>10} {'queries':>9}"
    )
    ok = True
    for name in VIEWS:
        s50, _s95, s_queries = small[name]
        l50, l95, l_queries = large[name]
        ratio = l50 / s50
        ok &= ratio <= 1.5 and s_queries == l_queries
        print(
            f"{name:<26} {s50:>8.1f}ms {l50:>8.1f}ms {ratio:>6.2f} {l95:>8.1f}ms "
            f"{s_queries:>4} / {l_queries:<4}"
        )
    print("\ntarget (p50 ratio <= 1.5, same query count):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
