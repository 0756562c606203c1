"""Time the staff sign-in, the home page, the first queue and the charts on the demo's data.

    .venv/bin/python bench/dashboard_bench.py [--requests 20] [--sign-ins 5] [--production]
                                              [--browser]

Issue 20 measured 2.9 s to sign in and 2.4 s for the first queue on the demo (`make run`). This
sets the demo up as `make run` does, in a throwaway SQLite file: `migrate`, then `seed_demo`
(DJANGO_DEBUG=1, the production password hasher), and drives it in process with Django's test
client, so the figures are the server's own time (no network, no browser, no static files):

- the process's first request (GET /admin/login/: the URL configuration is imported and the
  templates compiled then, once per process);
- sign-in: the password step (POST; the password hash is most of it), the second-factor page
  (GET), the code (POST; a backup code, so that every round has a fresh one), the page it lands
  on (GET /admin/), for each demo account, --sign-ins rounds each;
- each role's home page, queue and (clinic admin) the four charts, --requests times each after
  one warm-up request, with p50, p95 and the SQL query count.

--production runs the same with DJANGO_DEBUG=0 (collectstatic first, into a temporary folder):
what a clinic's server would do with the same data. --browser also times what a person waits
for in Chromium (Debian's, headless, 1366 x 768), against the app served by Django's live-server
thread with its static files (as `runserver` serves them): from pressing "Log in" to the
second-factor page loaded, from "Continue" to the home page loaded, and the first queue, three
rounds per account. Nothing is kept afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchdb

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("admin", "triage", "reception")


def setup_django(folder: Path, *, production: bool) -> None:
    """benchdb's set-up on a SQLite file in `folder`, DEBUG on unless `production`."""
    benchdb.setup_django(
        f"sqlite:///{folder / 'demo.sqlite3'}",
        bench="dashboard-bench",
        debug=not production,
        DJANGO_ALLOWED_HOSTS="testserver,localhost",
        CACHE_URL="locmemcache://",
        CELERY_BROKER_URL="",
        EMAIL_URL="dummymail://",
        STATIC_ROOT=str(folder / "static"),
    )


def prepare(production: bool) -> None:
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    if production:
        from django.conf import settings

        settings.STATIC_ROOT = os.environ["STATIC_ROOT"]
        call_command("collectstatic", interactive=False, verbosity=0)
    # seed_demo refuses to run in production; its alerts' texts go to the console in DEBUG.
    with override_settings(DEBUG=True), contextlib.redirect_stdout(io.StringIO()):
        call_command("seed_demo", stdout=io.StringIO())


def backup_codes(username: str, count: int) -> list[str]:
    """Fresh backup codes for a demo account: one per sign-in round."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    user = get_user_model().objects.get(username=username)
    device = StaticDevice.objects.create(user=user, name="Bench backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def sign_in_once(username: str, code: str, address: str) -> dict[str, float]:
    """One sign-in through both steps, as a browser takes them; milliseconds per request."""
    from django.test import Client

    from intake.management.commands.seed_demo import DEMO_PASSWORD

    client = Client(REMOTE_ADDR=address)
    steps: dict[str, float] = {}
    steps["password (POST)"], response = timed(
        lambda: client.post("/admin/login/", {"username": username, "password": DEMO_PASSWORD})
    )
    assert response.status_code == 302, (username, response.status_code)
    second = response["Location"]
    steps["second-factor page (GET)"], response = timed(lambda: client.get(second))
    assert response.status_code == 200, response.status_code
    steps["code (POST)"], response = timed(
        lambda: client.post(second, {"otp_token": code}, REMOTE_ADDR=address)
    )
    assert response.status_code == 302, (username, response.status_code)
    landing = response["Location"]
    steps[f"landing page {landing} (GET)"], response = timed(lambda: client.get(landing))
    assert response.status_code == 200, response.status_code
    steps["total"] = sum(steps.values())
    return steps


def pages(username: str) -> dict[str, str]:
    from intake.backoffice.dashboard import FIGURES

    found = {"home page": "/admin/", "queue": "/admin/intake/submission/"}
    if username == "admin":
        found.update({f"chart: {name}": f"/admin/figures/{name}.svg" for name in FIGURES})
    return found


def measure_pages(username: str, requests: int) -> dict[str, tuple[float, float, float, int]]:
    """(first, p50, p95, queries) per page for a signed-in demo account."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import logged_in

    results = {}
    for what, url in pages(username).items():
        client = logged_in(get_user_model().objects.get(username=username))
        fetch = functools.partial(client.get, url)
        first, response = timed(fetch)
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(requests):
            elapsed, response = timed(fetch)
            timings.append(elapsed)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        ordered = sorted(timings)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        results[what] = (first, statistics.median(ordered), p95, len(queries))
    return results


def measure_browser(rounds: int) -> dict[str, dict[str, list[float]]]:
    """Milliseconds a person waits, per account and step, in Chromium (the load event)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from intake.management.commands.seed_demo import DEMO_PASSWORD
    from tests.browser.patient import launch

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # ORM calls beside Playwright's loop
    server = LiveServerThread("localhost", StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    base = f"http://localhost:{server.port}"
    waits: dict[str, dict[str, list[float]]] = {}
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for username in ROLES:
                steps = waits.setdefault(username, {})
                for code in backup_codes(username, rounds):
                    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
                    page.goto(f"{base}/admin/login/")
                    page.get_by_label("Username").fill(username)
                    page.get_by_label("Password").fill(DEMO_PASSWORD)
                    started = time.perf_counter()
                    with page.expect_navigation():
                        page.get_by_role("button", name="Log in").click()
                    password_ms = (time.perf_counter() - started) * 1000
                    page.get_by_role("textbox", name="Code").fill(code)
                    started = time.perf_counter()
                    with page.expect_navigation(wait_until="load"):
                        page.get_by_role("button", name="Continue").click()
                    code_ms = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    page.goto(f"{base}/admin/intake/submission/")
                    queue_ms = (time.perf_counter() - started) * 1000
                    for step, value in (
                        ("password, to the second step", password_ms),
                        ("code, to the home page", code_ms),
                        ("first queue", queue_ms),
                    ):
                        steps.setdefault(step, []).append(value)
                    page.context.close()
            browser.close()
    finally:
        server.terminate()
    return waits


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--sign-ins", type=int, default=5)
    parser.add_argument("--production", action="store_true", help="DJANGO_DEBUG=0")
    parser.add_argument("--browser", action="store_true", help="also time it in Chromium")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dashboard-bench-") as folder:
        setup_django(Path(folder), production=options.production)
        started = time.monotonic()
        prepare(options.production)
        print(
            f"Demo data ready in {time.monotonic() - started:.1f} s "
            f"(DEBUG {'off' if options.production else 'on'}, SQLite)\n"
        )
        from django.test import Client

        first, _response = timed(lambda: Client().get("/admin/login/"))
        again, _response = timed(lambda: Client().get("/admin/login/"))
        print(
            f"The process's first request (GET /admin/login/): {first:.1f} ms, then {again:.1f}\n"
        )
        print(f"Sign-in, both steps, {options.sign_ins} rounds per account (median ms)")
        for username in ROLES:
            codes = backup_codes(username, options.sign_ins)
            rounds = [
                sign_in_once(username, code, f"127.0.0.{number + 10}")
                for number, code in enumerate(codes)
            ]
            for step in rounds[0]:
                values = [r[step] for r in rounds]
                print(f"  {username:<10} {step:<42} {statistics.median(values):8.1f}")
        print(f"\nPages, {options.requests} requests each after one first request (ms)")
        print(f"  {'account':<10} {'page':<22} {'first':>8} {'p50':>8} {'p95':>8} {'queries':>8}")
        for username in ROLES:
            for what, (first, p50, p95, queries) in measure_pages(
                username, options.requests
            ).items():
                print(
                    f"  {username:<10} {what:<22} {first:8.1f} {p50:8.1f} {p95:8.1f} {queries:8d}"
                )
        if options.browser:
            print("\nIn Chromium, 3 rounds per account (median ms, to the load event)")
            for username, steps in measure_browser(3).items():
                for step, values in steps.items():
                    print(f"  {username:<10} {step:<32} {statistics.median(values):8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
