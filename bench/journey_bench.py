"""Benchmark of complete patient journeys through gunicorn + PostgreSQL, with a concurrent client.

Run from the repository root (PostgreSQL must accept `postgres` without a password):

    .venv/bin/python bench/journey_bench.py [--concurrency 10] [--workers 2] [--journey-seconds 30]

It needs nothing beyond the app's own requirements: the client is the standard library's
http.client, one connection per simulated patient, in threads. What it does, in order:

1. Drops and re-creates the database `clinic_bench` (the name must contain "bench"), migrates it,
   and runs `collectstatic` into a temporary directory (the production settings use the manifest
   storage, which needs it; the temporary settings module changes only STATIC_ROOT).
2. Counts the SQL queries of every kind of request in one process, with Django's test client
   against the same PostgreSQL (CaptureQueriesContext, BEGIN/COMMIT/SAVEPOINT/RELEASE left out),
   before and after bulk-inserting `--rows` extra draft submissions, sessions and patients.
3. Starts the production configuration: a private redis-server on a spare port as the broker,
   one Celery worker started as `make worker` starts it, and gunicorn (`--workers` sync workers,
   DEBUG off, no access log) on a spare port. After a warm-up it measures with `--concurrency`
   client threads (closed loop, no think time):
   - complete journeys, back to back, for `--journey-seconds` (start page, start, every page the
     server sends the patient to, GET then POST, the check page, the final submission, the done
     page): latency percentiles by kind of request;
   - throughput one kind at a time: step GETs, step POSTs (re-saving the pages of completed
     drafts) and final submissions (of completed drafts cloned in the database, each in its own
     session), each in `--rounds` slices of `--slice-seconds`, every slice between two slices of
     the trivial view (GET /robots.txt).
   Throughput ratio of a kind = its requests/s in a slice / the mean requests/s of the two
   trivial-view slices around it (median over the slices), so that both sides of a ratio are
   measured under the same background load of a shared machine.
   The worker runs during the journeys. During the throughput slices it is paused (SIGSTOP), so
   the ratios are the web tier's own: the emails that 200 forms a second queue would otherwise
   be sent by a worker on the same two cores, which a clinic would run on its own cores or
   machine (`--worker-during-slices` keeps it running, for the single-box figure). Afterwards
   it is resumed, and the run fails unless every queued notification is then sent.
4. Prints a table and exits with status 1 if a target is missed (or a request failed).

Targets (the issue): step POST >= 0.20 and final submission >= 0.15 of the trivial view's
throughput; p99 step latency (GET and POST, each) < 100 ms with 10 concurrent patients; at most
5 SQL queries per step request, whatever the table sizes.

The database is left in place afterwards for inspection (`--drop` drops it); the next run drops
and re-creates it anyway.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import benchdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Targets from the issue.
TARGET_STEP_POST_RATIO = 0.20
TARGET_SUBMIT_RATIO = 0.15
TARGET_P99_STEP_MS = 100.0
TARGET_MAX_STEP_QUERIES = 5

# A mix of routine, soon and urgent vignettes, plus three EMERGENCY ones whose red-flag answers
# interrupt the form with the /urgent/ page (and write the on-call alert) mid-journey.
VIGNETTE_MIX = (
    "V10", "V33", "V38", "V48", "V54", "V60",  # ROUTINE
    "V07", "V36",  # SOON
    "V03", "V11", "V18", "V19", "V25", "V28", "V29", "V32", "V40", "V52", "V53",  # URGENT
    "V02", "V12", "V31",  # EMERGENCY
)  # fmt: skip

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TRANSACTION_SQL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# Kinds of request, by method and path.
START_PAGE, START, STEP_GET, STEP_POST, URGENT, CHECK_GET, SUBMIT, DONE, TRIVIAL, OTHER = (
    "start page GET /",
    "start POST /start/",
    "step GET",
    "step POST",
    "urgent GET",
    "check GET",
    "final submission POST",
    "done GET",
    "trivial GET /robots.txt",
    "other",
)
KIND_ORDER = (START_PAGE, START, STEP_GET, STEP_POST, URGENT, CHECK_GET, SUBMIT, DONE, OTHER)


def kind_of(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    if path == "/robots.txt":
        return TRIVIAL
    if path == "/":
        return START_PAGE
    if path == "/start/":
        return START
    parts = path.strip("/").split("/")
    if len(parts) == 4 and parts[0] == "intake":  # a short page of a step (issue 19)
        return STEP_POST if method == "POST" else STEP_GET
    if len(parts) == 3 and parts[0] == "intake":
        page = parts[2]
        if page == "check":
            return SUBMIT if method == "POST" else CHECK_GET
        if page == "urgent":
            return URGENT
        if page == "done":
            return DONE
        if page not in ("saved", "adults-only"):
            return STEP_POST if method == "POST" else STEP_GET
    return OTHER


class PhaseOver(Exception):
    """The phase's time is up: stop the journey where it is."""


class UnexpectedResponse(Exception):
    pass


class Transport(Protocol):
    def request(
        self, method: str, path: str, data: Mapping[str, Any] | None = None
    ) -> tuple[int, str, bytes]:
        """(status, Location path or "", body)."""
        ...


# --- The HTTP client: one keep-alive connection and one cookie jar per simulated patient ------


class HttpPatient:
    """A browser, as far as the server can tell: cookies, CSRF token, Origin header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.record = True
        self.journeys = 0  # completed in the current phase
        self.deadline: float | None = None
        self.stop: threading.Event | None = None

    def new_browser(self) -> None:
        """A new patient on the same connection: forget the cookies."""
        self.cookies = {}

    def request(
        self, method: str, path: str, data: Mapping[str, Any] | None = None
    ) -> tuple[int, str, bytes]:
        if (self.deadline is not None and time.perf_counter() >= self.deadline) or (
            self.stop is not None and self.stop.is_set()
        ):
            raise PhaseOver
        headers = {"Host": self.host, "Accept": "text/html", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{self.host}"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        elapsed = time.perf_counter() - started
        if self.record:
            self.latencies[kind_of(method, path)].append(elapsed)
        for header in response.headers.get_all("Set-Cookie") or ():
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        location = response.headers.get("Location", "")
        if location.startswith("http"):
            location = urlsplit(location).path
        return response.status, location, content

    def close(self) -> None:
        self.conn.close()


# --- The in-process client, for counting SQL queries -------------------------------------------


class QueryCountingPatient:
    """Django's test client in this process, recording the SQL of each request by kind."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()
        self.counts: dict[str, list[int]] = defaultdict(list)
        self.sql_ms: dict[str, list[float]] = defaultdict(list)
        self.examples: dict[str, list[str]] = {}
        self.interrupt_counts: list[int] = []

    def new_browser(self) -> None:
        from django.test import Client

        self.client = Client()

    def request(
        self, method: str, path: str, data: Mapping[str, Any] | None = None
    ) -> tuple[int, str, bytes]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            if method == "POST":
                response = self.client.post(path, data or {})
            else:
                response = self.client.get(path)
        queries = [q for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_SQL)]
        kind = kind_of(method, path)
        location = response.get("Location", "")
        if kind == STEP_POST and location.endswith("/urgent/"):
            # Saving the answer that first triggers an emergency also writes the on-call alert.
            self.interrupt_counts.append(len(queries))
        else:
            self.counts[kind].append(len(queries))
            self.sql_ms[kind].append(sum(float(q["time"]) for q in queries) * 1000)
            self.examples.setdefault(kind, [q["sql"][:160] for q in queries])
        return response.status_code, location, response.content


# --- A journey, the same over HTTP and in process ----------------------------------------------


@dataclass
class Journey:
    vignette: str
    identity: dict[str, Any] = field(default_factory=dict)
    token: str = ""
    steps: list[str] = field(default_factory=list)
    csrf: str = ""
    interrupted: bool = False
    submitted: bool = False


def _csrf(body: bytes) -> str:
    match = CSRF_INPUT.search(body)
    if match is None:
        raise UnexpectedResponse("no CSRF token on the page")
    return match.group(1).decode()


def unique_email() -> str:
    return f"patient.{secrets.token_hex(8)}@example.org"


def run_journey(
    client: Transport, vignette: str, *, submit: bool = True, think: float = 0.0
) -> Journey:
    """Start a form and fill in every page the server sends us to, then (optionally) send it.

    `think`: seconds the patient pauses before each request (reading, typing); not counted in
    any latency, which the transport measures per request.

    Every journey is a different person (own email address), so sending creates a new Patient
    rather than every patient of the run updating the same row.
    """
    from intake import steps
    from tests.journey import CONSENT, identity_for, step_post_data, vignette_answers

    answers = vignette_answers(vignette)
    identity = {**identity_for(answers), "email": unique_email()}
    journey = Journey(vignette, identity)

    status, _, body = _request(client, think, "GET", "/")
    _expect(status, 200, "GET /")
    journey.csrf = _csrf(body)
    status, url, _ = _request(
        client, think, "POST", "/start/", {"csrfmiddlewaretoken": journey.csrf}
    )
    _expect(status, 302, "POST /start/")
    journey.token = url.split("/")[2]
    check_url = f"/intake/{journey.token}/check/"
    for _hop in range(60):
        status, location, body = _request(client, think, "GET", url)
        if status == 302:  # the server knows better which page is next
            url = location
            continue
        _expect(status, 200, f"GET {url}")
        journey.csrf = _csrf(body)
        if url == check_url:
            break
        # The page's key: what follows /intake/<token>/ ("red_flags/breathing" for a short page).
        code = url.split(f"/intake/{journey.token}/", 1)[1].rstrip("/")
        data = {**step_post_data(code, answers, identity), "csrfmiddlewaretoken": journey.csrf}
        status, location, body = _request(client, think, "POST", url, data)
        _expect(status, 302, f"POST {code}", body)
        journey.steps.append(code)
        if location.endswith("/urgent/"):
            journey.interrupted = True
            status, _, _ = _request(client, think, "GET", location)
            _expect(status, 200, "GET urgent")
            following = steps.next_step(code, answers)
            url = f"/intake/{journey.token}/{following.key}/" if following else check_url
        else:
            url = location
    else:
        raise UnexpectedResponse("too many pages")
    if submit:
        status, location, body = _request(
            client, think, "POST", check_url, {**CONSENT, "csrfmiddlewaretoken": journey.csrf}
        )
        _expect(status, 302, "POST check", body)
        status, _, _ = _request(client, think, "GET", location)
        _expect(status, 200, "GET done")
        journey.submitted = True
    return journey


def _request(client: Transport, think: float, *args: Any) -> Any:
    if think:
        time.sleep(think)
    return client.request(*args)


def _expect(status: int, wanted: int, what: str, body: bytes = b"") -> None:
    if status != wanted:
        errors = re.findall(rb'<li><a href="#[^"]+">([^<]+)</a></li>', body)[:3]
        raise UnexpectedResponse(f"{what}: HTTP {status} (wanted {wanted}) {errors or ''}")


# --- Set-up: database, settings, gunicorn -------------------------------------------------------


def bench_environment(args: argparse.Namespace, settings_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CLINIC_", "CELERY_", "DATABASE_", "CACHE_", "EMAIL_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_HTTPS": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"{args.pg.rstrip('/')}/{args.db}",
            "CLINIC_DRAFTS_PER_HOUR": "1000000",
            "CLINIC_ONCALL_EMAILS": "oncall@clinic.invalid",
            "CLINIC_ESCALATION_EMAILS": "lead@clinic.invalid",
            "CLINIC_TRIAGE_EMAILS": "triage@clinic.invalid",
            "CLINIC_RECEPTION_EMAILS": "reception@clinic.invalid",
            # Encryption at rest (issue 18): throwaway keys, as a clinic's are its own.
            "CLINIC_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "CLINIC_LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
            "EMAIL_URL": "dummymail://",
        }
    )
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    return env


def write_settings(settings_dir: Path) -> None:
    """The production settings with STATIC_ROOT in a temporary directory, nothing else."""
    static_root = settings_dir / "staticfiles"
    (settings_dir / "bench_settings.py").write_text(
        f"from clinic.settings import *  # noqa: F403\nSTATIC_ROOT = {str(static_root)!r}\n"
    )


def reset_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    benchdb.recreate(
        args.pg,
        args.db,
        env,
        [["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]],
    )


def drop_database(args: argparse.Namespace) -> None:
    from django.db import connections

    connections.close_all()
    benchdb.drop(args.pg, args.db)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "clinic.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(args.workers),
            "--threads", str(args.threads),
            "--log-level", "warning",
            "--timeout", "60",
        ]  # fmt: skip
        self.command = command
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/robots.txt")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- CPU accounting (Linux /proc), to show who was busy -----------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_PARTS = ("gunicorn", "postgres", "celery worker", "bench client", "machine", "steal")
MACHINE_TOTALS = ("machine", "steal")  # not processes: the whole machine's busy and stolen time
# The Celery worker's main process; its pool processes are found through /proc.
WORKER_PID: list[int] = []


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _postgres_pids() -> list[int]:
    """Every PostgreSQL process on the machine (the server is shared: others' queries too)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found.extend(_process_tree(int(child)))
    return found


def machine_cpu_seconds(stat: str | None = None) -> tuple[float, float]:
    """CPU seconds so far of the whole machine, from /proc/stat (or `stat`, its text): busy
    (all but idle, iowait and steal), and stolen (time this virtual machine was ready to run
    but its host ran something else)."""
    if stat is None:
        stat = Path("/proc/stat").read_text()
    # user nice system idle iowait irq softirq steal (guest and guest_nice are inside user)
    values = [int(v) for v in stat.split("\n", 1)[0].split()[1:9]]
    idle, iowait = values[3], values[4]
    steal = values[7] if len(values) > 7 else 0
    return (sum(values) - idle - iowait - steal) / CLOCK_TICKS, steal / CLOCK_TICKS


CpuSnapshot = dict[str, dict[int, float]]  # part -> {pid: CPU seconds so far}


def cpu_snapshot(server: Gunicorn) -> CpuSnapshot:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    busy, steal = machine_cpu_seconds()
    return {
        "gunicorn": {p: _proc_cpu_seconds(p) for p in [server.process.pid, *server.worker_pids()]},
        "postgres": {p: _proc_cpu_seconds(p) for p in _postgres_pids()},
        "celery worker": {p: _proc_cpu_seconds(p) for w in WORKER_PID for p in _process_tree(w)},
        "bench client": {0: usage.ru_utime + usage.ru_stime},
        "machine": {0: busy},
        "steal": {0: steal},
    }


def cpu_used(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds by part between two snapshots (processes that ended meanwhile are missed)."""
    return {
        part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items())
        for part in CPU_PARTS
    }


# --- Phases -------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    seconds: float
    latencies: dict[str, list[float]]
    errors: list[str]
    cpu: dict[str, float]  # CPU seconds used during the phase, by part
    journeys: int = 0

    def count(self, kind: str) -> int:
        return len(self.latencies.get(kind, []))

    def rate(self, kind: str) -> float:
        return self.count(kind) / self.seconds if self.seconds else 0.0


def cpu_cores(phases: list[Phase]) -> str:
    """Mean CPU use over some phases, in cores: who was busy (the machine is shared)."""
    seconds = sum(p.seconds for p in phases)
    used = {part: sum(p.cpu[part] for p in phases) / seconds for part in CPU_PARTS}
    other = used["machine"] - sum(used[p] for p in CPU_PARTS if p not in MACHINE_TOTALS)
    return (
        f"gunicorn {used['gunicorn']:.2f}, postgres {used['postgres']:.2f}, "
        f"worker {used['celery worker']:.2f}, client {used['bench client']:.2f}, "
        f"other {max(other, 0):.2f} "
        f"(machine {used['machine']:.2f} of {os.cpu_count()}; "
        f"{used['steal']:.2f} more stolen by the host)"
    )


def run_phase(
    name: str,
    server: Gunicorn,
    clients: list[HttpPatient],
    body: Callable[[int, HttpPatient], int],
    seconds: float,
) -> Phase:
    """Run body(index, client) in one thread per client until the deadline; merge the samples.

    body loops until PhaseOver (raised by the client's next request after the deadline).
    """
    errors: list[str] = []
    stop = threading.Event()
    for client in clients:
        client.latencies = defaultdict(list)
        client.journeys = 0
        client.record = True
        client.stop = stop
    barrier = threading.Barrier(len(clients) + 1)
    finished: list[float] = []

    def worker(index: int, client: HttpPatient) -> None:
        barrier.wait()
        try:
            body(index, client)
        except PhaseOver:
            pass
        except Exception as error:  # reported, and the exit status says so
            errors.append(f"{type(error).__name__}: {error}")
            stop.set()
        finished.append(time.perf_counter())

    threads = [
        threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    cpu_before = cpu_snapshot(server)
    start = time.perf_counter()
    for client in clients:
        client.deadline = start + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = max(finished) - start
    cpu_after = cpu_snapshot(server)
    merged: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for kind, values in client.latencies.items():
            merged[kind].extend(values)
        client.deadline = None
        client.stop = None
    cpu = cpu_used(cpu_before, cpu_after)
    return Phase(name, elapsed, merged, errors, cpu, sum(c.journeys for c in clients))


def trivial_body(index: int, client: HttpPatient) -> int:
    while True:
        status, _, _ = client.request("GET", "/robots.txt")
        _expect(status, 200, "GET /robots.txt")


# Set from --think: each simulated patient's pause before every request in the journeys phase.
THINK_SECONDS = 0.0


def journeys_body(errors_allowed: list[str]) -> Callable[[int, HttpPatient], int]:
    def body(index: int, client: HttpPatient) -> int:
        order = list(VIGNETTE_MIX)
        random.Random(index).shuffle(order)
        started = 0
        while True:
            client.new_browser()
            try:
                run_journey(client, order[started % len(order)], think=THINK_SECONDS)
                client.journeys += 1
            except UnexpectedResponse as error:
                errors_allowed.append(str(error))
                if len(errors_allowed) > 20:
                    raise
            started += 1

    return body


def step_get_body(prepared: list[Journey]) -> Callable[[int, HttpPatient], int]:
    def body(index: int, client: HttpPatient) -> int:
        journey = prepared[index]
        while True:
            for code in journey.steps:
                status, _, _ = client.request("GET", f"/intake/{journey.token}/{code}/")
                _expect(status, 200, f"GET {code}")

    return body


def step_post_body(prepared: list[Journey]) -> Callable[[int, HttpPatient], int]:
    from tests.journey import step_post_data, vignette_answers

    def body(index: int, client: HttpPatient) -> int:
        journey = prepared[index]
        answers = vignette_answers(journey.vignette)
        posts = [
            (
                code,
                {
                    **step_post_data(code, answers, journey.identity),
                    "csrfmiddlewaretoken": journey.csrf,
                },
            )
            for code in journey.steps
        ]
        while True:
            for code, data in posts:
                status, _, page = client.request("POST", f"/intake/{journey.token}/{code}/", data)
                _expect(status, 302, f"POST {code}", page)

    return body


def submit_body(
    prepared: list[Journey], pools: list[list[tuple[str, str]]], ran_out: list[int]
) -> Callable[[int, HttpPatient], int]:
    from tests.journey import CONSENT

    def body(index: int, client: HttpPatient) -> int:
        csrf = prepared[index].csrf
        pool = pools[index]
        while pool:
            cookie, token = pool.pop()
            client.cookies["intake_drafts"] = cookie
            status, location, page = client.request(
                "POST", f"/intake/{token}/check/", {**CONSENT, "csrfmiddlewaretoken": csrf}
            )
            _expect(status, 302, "POST check", page)
            if not location.endswith("/done/"):
                raise UnexpectedResponse(f"POST check went to {location}")
        ran_out.append(index)
        if client.stop is not None:
            client.stop.set()  # stop everyone: the phase is only valid while all clients are busy
        return 0

    return body


# --- Database work in this process --------------------------------------------------------------


def count_queries(vignettes: Iterable[str]) -> QueryCountingPatient:
    patient = QueryCountingPatient()
    for vignette in vignettes:
        patient.new_browser()
        run_journey(patient, vignette)
    return patient


def _copy_rows(model: Any, template_pks: list[Any], rows: int, replace: dict[str, str]) -> None:
    """Insert `rows` copies of the template rows in one statement, some columns replaced.

    The column list comes from the model, so the copy follows schema changes; `replace` maps a
    column to an SQL expression in `t` (the template row) and `g` (1..rows).
    """
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk.column
    columns = [
        f.column
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))
    ]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    values = ", ".join(replace.get(c, f"t.{connection.ops.quote_name(c)}") for c in columns)
    # Names come from the model's metadata, quoted; values are parameters.
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(1, %s) AS g "  # noqa: S608
        f"JOIN (SELECT row_number() OVER () - 1 AS template_index, * FROM {table} "
        f"WHERE {connection.ops.quote_name(pk)} = ANY(%s)) AS t "
        f"ON t.template_index = g %% %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows, template_pks, len(template_pks)])


def bulk_insert(rows: int) -> float:
    """Extra draft submissions, sessions and patients; returns seconds taken.

    A few template rows are written with the ORM (drafts with each vignette's answers), then
    copied in the database, which takes seconds rather than minutes for 100,000 rows.
    """
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from intake.models import Patient, Submission
    from tests.journey import identity_for, vignette_answers

    started = time.perf_counter()
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.CLINIC_DRAFT_LIFETIME_DAYS)
    drafts = []
    for vignette in VIGNETTE_MIX:
        answers = vignette_answers(vignette)
        drafts.append(
            Submission.objects.create(
                token=secrets.token_urlsafe(24),
                answers=answers,
                identity={**identity_for(answers), "email": unique_email()},
                expires_at=expires,
            )
        )
    session = SessionStore()  # staff sessions: the table a busy site has
    session["bench"] = True
    session.create()
    patient = Patient.objects.create(
        full_name="Bench Patient",
        date_of_birth=dt.date(1950, 1, 1),
        email="bench.patient@example.org",
        phone="07700 900000",
        preferred_contact="email",
    )
    _copy_rows(
        Submission,
        [d.pk for d in drafts],
        rows,
        {"token": "md5(random()::text || g::text)", "created_at": "now()", "updated_at": "now()"},
    )
    _copy_rows(
        Session,
        [session.session_key],
        rows,
        {"session_key": "substr(md5(random()::text || g::text), 1, 32)"},
    )
    _copy_rows(
        Patient,
        [patient.pk],
        rows,
        {
            "full_name": "'Bench Patient ' || g::text",
            "email": "'bench.patient.' || g::text || '@example.org'",
            "date_of_birth": "t.date_of_birth + mod(g, 20000)",
        },
    )
    if Submission.objects.count() < rows or Patient.objects.count() < rows:
        raise RuntimeError("bulk insert came up short")
    return time.perf_counter() - started


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would have by then in a live database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def clone_drafts(prepared: list[Journey], per_client: int) -> list[list[tuple[str, str]]]:
    """For each client, `per_client` copies of its completed draft, each with its own cookie.

    The cookie is the signed list of drafts the browser may open
    (intake.questionnaire.views.DRAFTS_COOKIE), signed here with the server's secret key, as the
    server would sign it.
    """
    from django.core.signing import get_cookie_signer

    from intake.models import Submission
    from intake.questionnaire.views import DRAFTS_COOKIE, DRAFTS_COOKIE_SALT

    signer = get_cookie_signer(salt=DRAFTS_COOKIE + DRAFTS_COOKIE_SALT)
    pools = []
    for journey in prepared:
        source = Submission.objects.get(token=journey.token)
        tokens = [secrets.token_urlsafe(24) for _ in range(per_client)]
        Submission.objects.bulk_create(
            Submission(
                token=token,
                answers=source.answers,
                identity={**source.identity, "email": unique_email()},
                interruption_shown_at=source.interruption_shown_at,
                interrupted_rules=source.interrupted_rules,
                expires_at=source.expires_at,
            )
            for token in tokens
        )
        pools.append([(signer.sign(token), token) for token in tokens])
    return pools


# --- Reporting ----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def latency_row(name: str, values: list[float], rate: float | None = None) -> str:
    if not values:
        return f"  {name:<26} {'-':>7}"
    cells = [
        f"{len(values):>7}",
        f"{rate:>9.1f}" if rate is not None else f"{'':>9}",
        f"{ms(statistics.fmean(values)):>7}",
        f"{ms(percentile(values, 50)):>7}",
        f"{ms(percentile(values, 95)):>7}",
        f"{ms(percentile(values, 99)):>7}",
        f"{ms(max(values)):>7}",
    ]
    return f"  {name:<26} " + " ".join(cells)


LATENCY_HEADER = (
    f"  {'kind':<26} {'count':>7} {'req/s':>9} {'mean':>7} {'p50':>7} {'p95':>7} {'p99':>7}"
    f" {'max':>7}   (ms)"
)


def query_table(small: QueryCountingPatient, large: QueryCountingPatient, rows: int) -> list[str]:
    lines = [
        f"  {'kind':<26} {'queries (small tables)':>24} {f'queries (+{rows:,} rows)':>26}"
        f" {'SQL ms (large)':>15}"
    ]

    def cell(values: list[int]) -> str:
        if not values:
            return "-"
        low, high = min(values), max(values)
        return f"{low}" if low == high else f"{low}-{high}"

    for kind in KIND_ORDER:
        if kind not in small.counts and kind not in large.counts:
            continue
        sql_ms = large.sql_ms.get(kind) or [0.0]
        lines.append(
            f"  {kind:<26} {cell(small.counts.get(kind, [])):>24}"
            f" {cell(large.counts.get(kind, [])):>26} {statistics.fmean(sql_ms):>15.2f}"
        )
    if small.interrupt_counts or large.interrupt_counts:
        lines.append(
            f"  {'step POST + 999 interrupt':<26} {cell(small.interrupt_counts):>24}"
            f" {cell(large.interrupt_counts):>26} {'':>15}"
        )
    return lines


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=10, help="client threads (patients)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--journey-seconds", type=float, default=30.0, help="journeys phase")
    parser.add_argument("--rounds", type=int, default=3, help="slices per one-kind measurement")
    parser.add_argument("--slice-seconds", type=float, default=3.0, help="length of a slice")
    parser.add_argument("--rows", type=int, default=100_000, help="extra rows per table")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--db", default="clinic_bench", help="database (dropped, re-created)")
    parser.add_argument("--cache-url", default="", help="CACHE_URL (default: local memory)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each patient pauses before every request in the journeys phase "
        "(default 0: a closed loop that saturates the server)",
    )
    parser.add_argument(
        "--worker-during-slices",
        action="store_true",
        help="keep the Celery worker running during the throughput slices (default: paused, so "
        "the ratios are the web tier's; the worker shares this machine's cores)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=300.0,
        help="how long the worker may take to send what was queued, once resumed",
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--verbose", action="store_true", help="print the SQL of each kind")
    args = parser.parse_args()
    global THINK_SECONDS  # one setting, read by the patients' threads
    THINK_SECONDS = args.think

    # Stopped with SIGTERM (kill, a CI timeout), clean up as on Ctrl-C: the finally blocks stop
    # gunicorn, the worker (resumed first if paused) and the private Redis.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    settings_dir = Path(tempfile.mkdtemp(prefix="journey_bench_"))
    try:
        return run(args, settings_dir)
    finally:
        shutil.rmtree(settings_dir, ignore_errors=True)


@dataclass
class Results:
    journeys: Phase | None = None
    trivial: list[Phase] = field(default_factory=list)
    # kind -> [(slice of that kind, trivial slice before it, trivial slice after it)]
    slices: dict[str, list[tuple[Phase, Phase, Phase]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    idle_load: float = 0.0  # cores busy with other work just before the server started
    outbox: dict[str, int] = field(default_factory=dict)  # notifications by status, at the end


def run(args: argparse.Namespace, settings_dir: Path) -> int:
    wall = time.perf_counter()
    write_settings(settings_dir)
    env = bench_environment(args, settings_dir)
    print(f"Setting up database {args.db} (drop, create, migrate, collectstatic) ...", flush=True)
    reset_database(args, env)
    broker, worker = start_broker(env, settings_dir)
    WORKER_PID[:] = [worker.pid]
    env = {**env, "CELERY_BROKER_URL": broker.url}
    print(f"Broker: private Redis at {broker.url}; one Celery worker", flush=True)
    try:
        return measure_all(args, settings_dir, env, worker, wall)
    finally:
        resume(worker)
        worker.terminate()
        worker.wait(timeout=15)
        broker.stop()
        if args.drop:
            drop_database(args)


def measure_all(
    args: argparse.Namespace,
    settings_dir: Path,
    env: dict[str, str],
    worker: subprocess.Popen[bytes],
    wall: float,
) -> int:
    # Django in this process, on the same database, settings and broker as gunicorn (plus the
    # test client's host): the query counts are those of a production request.
    os.environ.update(env)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    sys.path.insert(0, str(settings_dir))
    import django

    django.setup()
    from django.db import connection

    print("Counting SQL queries per request (in process) ...", flush=True)
    small = count_queries(VIGNETTE_MIX)
    print(f"Bulk-inserting {args.rows:,} drafts, sessions and patients ...", flush=True)
    insert_seconds = bulk_insert(args.rows)
    # A few forms sent first, then fresh statistics, so that notifications point at the newest
    # submissions as in a live database analysed by autovacuum. (Analysed while they point only
    # at the oldest, PostgreSQL picks a merge join for the notification lookup of the sending
    # task that scans every submission: tens of ms a notification at 100,000 rows.)
    count_queries(VIGNETTE_MIX[-6:])
    analyze()
    large = count_queries(VIGNETTE_MIX)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0].split()[0]
    connection.close()

    # How busy the (shared) machine is with other work, before we add any load.
    busy_before = machine_cpu_seconds()[0]
    time.sleep(2.0)
    results = Results(idle_load=(machine_cpu_seconds()[0] - busy_before) / 2.0)
    server = Gunicorn(args, env, settings_dir / "gunicorn.log")
    clients: list[HttpPatient] = []
    try:
        server.wait_ready()
        clients = [HttpPatient(server.port) for _ in range(args.concurrency)]
        print(f"gunicorn on port {server.port}; warming up ...", flush=True)
        warm = run_phase("warm-up", server, clients, journeys_body(results.errors), 4.0)
        warm_trivial = run_phase("warm-up", server, clients, trivial_body, 1.0)
        if warm.errors or warm_trivial.errors or results.errors:
            print("warm-up failed:", (warm.errors + warm_trivial.errors + results.errors)[:5])
            return 1
        measure(args, server, clients, results, worker)
    finally:
        for client in clients:
            client.close()
        server.stop()
        log = (settings_dir / "gunicorn.log").read_text(errors="replace").strip()
    results.outbox = drain_outbox(worker, args.drain_seconds)
    if results.outbox["pending"] or results.outbox["failed"]:
        results.errors.append(f"notifications not sent after the run: {results.outbox}")
    return report(
        args, results, small, large, pg_version, insert_seconds, log, time.perf_counter() - wall
    )


def start_broker(env: dict[str, str], settings_dir: Path) -> tuple[Any, subprocess.Popen[bytes]]:
    """A private redis-server on a spare port (never the machine's own) and one worker."""
    from tests.servers import PrivateRedis

    broker = PrivateRedis()
    broker.start()
    worker_env = {**env, "CELERY_BROKER_URL": broker.url}
    celery = str(Path(sys.executable).parent / "celery")
    log = (settings_dir / "worker.log").open("wb")
    worker = subprocess.Popen(
        [
            celery, "-A", "clinic", "worker", "--queues=urgent,default",
            "--concurrency", "1", "--loglevel", "WARNING",
        ],
        env=worker_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: paused and resumed as one
    )  # fmt: skip
    return broker, worker


def pause(worker: subprocess.Popen[bytes]) -> None:
    """Stop the worker and its pool (messages wait in Redis, as behind a busy worker)."""
    os.killpg(worker.pid, signal.SIGSTOP)


def resume(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGCONT)


def drain_outbox(worker: subprocess.Popen[bytes], seconds: float) -> dict[str, int]:
    """Resume the worker and wait until nothing is pending; the outbox's counts by status."""
    from django.db import connection
    from django.db.models import Count

    from intake.models import Notification

    resume(worker)
    print("Worker resumed; waiting for it to send what was queued ...", flush=True)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    status = Notification.Status
    while True:
        counts = dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by())
        if not counts.get(status.PENDING) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    connection.close()
    return {
        "total": sum(counts.values()),
        **{s.value: counts.get(s.value, 0) for s in (status.SENT, status.PENDING, status.FAILED)},
        "seconds": round(time.monotonic() - started),
    }


def measure(
    args: argparse.Namespace,
    server: Gunicorn,
    clients: list[HttpPatient],
    results: Results,
    worker: subprocess.Popen[bytes],
) -> None:
    from django.db import connection

    print(f"Measuring: complete journeys ({args.journey_seconds:.0f} s) ...", flush=True)
    results.journeys = run_phase(
        "journeys", server, clients, journeys_body(results.errors), args.journey_seconds
    )
    results.errors += results.journeys.errors

    # One completed (unsent) draft per client, a different vignette each, for the one-kind phases.
    prepared = []
    for index, client in enumerate(clients):
        client.new_browser()
        client.record = False
        prepared.append(
            run_journey(client, VIGNETTE_MIX[(index * 5) % len(VIGNETTE_MIX)], submit=False)
        )

    ran_out: list[int] = []
    kinds: list[tuple[str, Callable[[], Callable[[int, HttpPatient], int]]]] = [
        (STEP_GET, lambda: step_get_body(prepared)),
        (STEP_POST, lambda: step_post_body(prepared)),
        (SUBMIT, lambda: submit_body(prepared, pools, ran_out)),
    ]
    pools: list[list[tuple[str, str]]] = []
    if not args.worker_during_slices:
        pause(worker)
    trivial = run_phase("trivial", server, clients, trivial_body, args.slice_seconds)
    results.trivial.append(trivial)
    for kind, make_body in kinds:
        if kind == SUBMIT:
            # Enough cloned drafts to keep every client busy in every slice, with room to spare.
            step_posts = [k for k, _, _ in results.slices[STEP_POST]]
            rate = max(
                sum(p.count(STEP_POST) for p in step_posts) / sum(p.seconds for p in step_posts),
                40.0,
            )
            per_client = (
                math.ceil(rate * args.slice_seconds * args.rounds * 1.5 / len(clients)) + 10
            )
            pools.extend(clone_drafts(prepared, per_client))
            connection.close()
        print(
            f"Measuring: {kind}, {args.rounds} slices between trivial-view slices ...", flush=True
        )
        body = make_body()
        results.slices[kind] = []
        for _round in range(args.rounds):
            measured = run_phase(kind, server, clients, body, args.slice_seconds)
            after = run_phase("trivial", server, clients, trivial_body, args.slice_seconds)
            results.slices[kind].append((measured, trivial, after))
            results.trivial.append(after)
            results.errors += measured.errors + after.errors
            trivial = after
    if ran_out:
        results.errors.append("a client ran out of drafts to submit (a slice ended early)")
    results.errors += results.trivial[0].errors


def report(
    args: argparse.Namespace,
    results: Results,
    small: QueryCountingPatient,
    large: QueryCountingPatient,
    pg_version: str,
    insert_seconds: float,
    log: str,
    wall: float,
) -> int:
    import django

    journeys = results.journeys
    if journeys is None:
        raise RuntimeError("no journeys measured")
    print()
    print(
        f"Patient journey benchmark, {time.strftime('%Y-%m-%d')}: gunicorn {args.workers} "
        f"worker(s) x {args.threads} thread(s), {args.concurrency} concurrent clients, "
        f"PostgreSQL {pg_version}, Django {django.get_version()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; +{args.rows:,} rows per "
        f"table (inserted in {insert_seconds:.0f} s); whole run {wall:.0f} s"
    )
    print(
        f"Other work on the machine just before the measurements: {results.idle_load:.2f} of "
        f"{os.cpu_count()} cores busy (see 'other' and 'stolen' in the CPU lines for during)."
    )
    print(
        "Broker: a private Redis; one Celery worker, running during the journeys and "
        + (
            "during the throughput slices too (it shares the cores)."
            if args.worker_during_slices
            else "paused during the throughput slices (the ratios are the web tier's)."
        )
    )
    if results.outbox:
        box = results.outbox
        print(
            f"Outbox after the run: {box['total']} notifications, {box['sent']} sent, "
            f"{box['pending']} pending, {box['failed']} failed "
            f"({box['seconds']} s for the worker to catch up)."
        )
    print()
    print(
        f"Throughput, one kind of request at a time ({args.rounds} slices of "
        f"{args.slice_seconds:g} s, each between two {args.slice_seconds:g} s slices of the "
        "trivial view;"
    )
    print(
        "ratio = kind's req/s / mean req/s of the two trivial slices around it; median of the "
        "slices, range in brackets):"
    )
    print(f"  {'kind':<26} {'req/s':>8} {'ratio':>7} {'(range)':>15} {'target':>7}   p50/p99 ms")
    trivial_latencies = [v for p in results.trivial for v in p.latencies[TRIVIAL]]
    trivial_rates = [p.rate(TRIVIAL) for p in results.trivial]
    print(
        f"  {TRIVIAL:<26} {statistics.fmean(trivial_rates):>8.1f} {1:>7.3f} "
        f"{f'({min(trivial_rates):.0f}-{max(trivial_rates):.0f} req/s)':>15} {'':>7}   "
        f"{ms(percentile(trivial_latencies, 50))}/{ms(percentile(trivial_latencies, 99))}"
    )
    targets = {STEP_POST: TARGET_STEP_POST_RATIO, SUBMIT: TARGET_SUBMIT_RATIO}
    ratios: dict[str, float] = {}
    for kind, slices in results.slices.items():
        per_slice = [
            k.rate(kind) / statistics.fmean([b.rate(TRIVIAL), a.rate(TRIVIAL)])
            for k, b, a in slices
        ]
        ratios[kind] = statistics.median(per_slice)
        rate = sum(k.count(kind) for k, _, _ in slices) / sum(k.seconds for k, _, _ in slices)
        latencies = [v for k, _, _ in slices for v in k.latencies[kind]]
        target = f">={targets[kind]:.2f}" if kind in targets else ""
        print(
            f"  {kind:<26} {rate:>8.1f} {ratios[kind]:>7.3f} "
            f"{f'({min(per_slice):.3f}-{max(per_slice):.3f})':>15} {target:>7}   "
            f"{ms(percentile(latencies, 50))}/{ms(percentile(latencies, 99))}"
        )
    print("  CPU in cores (mean over the slices):")
    print(f"    {'trivial':<22} {cpu_cores(results.trivial)}")
    for kind, slices in results.slices.items():
        print(f"    {kind:<22} {cpu_cores([k for k, _, _ in slices])}")
    print()
    print(
        f"Complete journeys ({args.concurrency} patients back to back, "
        f"{'no think time' if not args.think else f'{args.think:g} s think time per request'}, "
        f"{journeys.seconds:.1f} s): {journeys.journeys} journeys, "
        f"{journeys.journeys / journeys.seconds:.2f} journeys/s, "
        f"{sum(len(v) for v in journeys.latencies.values()) / journeys.seconds:.1f} requests/s"
    )
    print(f"  CPU in cores: {cpu_cores([journeys])}")
    print(LATENCY_HEADER)
    for kind in KIND_ORDER:
        if kind in journeys.latencies:
            print(latency_row(kind, journeys.latencies[kind], journeys.rate(kind)))
    steps_all = journeys.latencies[STEP_GET] + journeys.latencies[STEP_POST]
    print(latency_row("all step requests", steps_all, len(steps_all) / journeys.seconds))
    print()
    print("SQL queries per request (Django test client in process, same PostgreSQL; min-max):")
    for line in query_table(small, large, args.rows):
        print(line)
    if args.verbose:
        for kind, sql in large.examples.items():
            print(f"\n  {kind}:")
            for statement in sql:
                print(f"    {statement}")
    print()

    step_queries = (
        large.counts[STEP_GET] + large.counts[STEP_POST] + small.counts[STEP_GET]
        + small.counts[STEP_POST]
    )  # fmt: skip
    checks = [
        (
            f"step POST throughput >= {TARGET_STEP_POST_RATIO:.2f} x trivial view",
            f"{ratios[STEP_POST]:.3f}",
            ratios[STEP_POST] >= TARGET_STEP_POST_RATIO,
        ),
        (
            f"final submission throughput >= {TARGET_SUBMIT_RATIO:.2f} x trivial view",
            f"{ratios[SUBMIT]:.3f}",
            ratios[SUBMIT] >= TARGET_SUBMIT_RATIO,
        ),
    ]
    for kind in (STEP_GET, STEP_POST):
        p99 = percentile(journeys.latencies[kind], 99) * 1000
        checks.append(
            (
                f"p99 {kind} latency, {args.concurrency} patients < {TARGET_P99_STEP_MS:.0f} ms",
                f"{p99:.1f} ms",
                p99 < TARGET_P99_STEP_MS,
            )
        )
    checks.append(
        (
            f"SQL queries per step request <= {TARGET_MAX_STEP_QUERIES} (both table sizes)",
            f"max {max(step_queries)}",
            max(step_queries) <= TARGET_MAX_STEP_QUERIES,
        )
    )
    print("Targets:")
    for name, value, met in checks:
        print(f"  {'met   ' if met else 'MISSED'}  {name}: {value}")
    if small.interrupt_counts:
        print(
            "  (not counted above: the one step POST of an emergency journey that also writes "
            f"and queues the on-call alert: {max(small.interrupt_counts + large.interrupt_counts)}"
            " queries)"
        )
    if results.errors:
        print(f"\n{len(results.errors)} error(s), first ones:")
        for problem in results.errors[:5]:
            print(f"  {problem}")
    if log:
        print(f"\ngunicorn log (last lines):\n{log[-2000:]}")
    print(f"\nDatabase {args.db} {'dropped' if args.drop else 'left in place (--drop drops it)'}.")
    return 0 if all(met for _, _, met in checks) and not results.errors else 1


if __name__ == "__main__":
    sys.exit(main())
