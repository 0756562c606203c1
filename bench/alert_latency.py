"""How long an urgent alert takes from commit to the mail server, behind a queue of reminders.

Run from the repository root (PostgreSQL must accept `postgres` without a password; redis-server
must be installed):

    .venv/bin/python bench/alert_latency.py [--alerts 200] [--reminders 10000] [--rate 20]

What it does, in order:

1. Drops and re-creates the database `clinic_alertbench` (the name must contain "bench") and
   migrates it; starts a private `redis-server` on a spare port (nothing kept on disk) and a
   small SMTP sink in this process that records when each message arrives.
2. Writes `--reminders` outbox rows (patient emails, the `default` queue) and queues them all,
   then starts a Celery worker (`make worker`'s command: both queues, urgent first; production
   settings; `--concurrency` processes) that starts working through them.
3. While the reminders are still queued, sends `--alerts` URGENT forms (suspected DVT) through
   the real `submission_submit` service at `--rate` forms per second; each commit writes the
   on-call alert and queues it on the `urgent` queue. The commit time of each is recorded.
4. Waits until every alert has reached the sink; reports the commit-to-sink latency (p50, p95,
   p99, max) and how many reminders were still queued when the last alert arrived (urgent
   first means they wait, not the alerts). Target (issue 6): p99 under 5 s. Exit status 1 if
   missed or an alert never arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import benchdb

if TYPE_CHECKING:  # Django is set up in main(), after the database is made
    from intake.models import Submission

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ONCALL = "oncall@clinic.invalid"
TARGET_P99_SECONDS = 5.0


# --- An SMTP sink: records the arrival time and recipients of each message ---------------------


class SmtpSink:
    """A minimal SMTP server on a spare port (enough of RFC 5321 for Django's SMTP backend)."""

    def __init__(self) -> None:
        from tests.servers import free_port

        self.port = free_port()
        self.arrivals: list[tuple[float, str, str]] = []  # (time, recipient, subject)
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        from tests.workers import wait_for

        wait_for(lambda: getattr(self, "server", None) is not None, 10, "the SMTP sink")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", self.port)
        )
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await reply("220 sink ready")
        recipients: list[str] = []
        while line := await reader.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                await reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                await reply("250 OK")
            elif verb == "DATA":
                await reply("354 go ahead")
                subject = ""
                while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                    if data.lower().startswith(b"subject:") and not subject:
                        subject = data.decode(errors="replace")[8:].strip()
                arrived = time.time()
                with self.lock:
                    for recipient in recipients:
                        self.arrivals.append((arrived, recipient, subject))
                await reply("250 queued")
            elif verb == "QUIT":
                await reply("221 bye")
                break
            else:
                await reply("250 OK")
        writer.close()

    def to(self, recipient: str) -> list[tuple[float, str, str]]:
        with self.lock:
            return [a for a in self.arrivals if a[1] == recipient]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


# --- Set-up ------------------------------------------------------------------------------------


def environment(args: argparse.Namespace, broker_url: str, smtp_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CLINIC_", "CELERY_", "DATABASE_", "CACHE_", "EMAIL_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"{args.pg.rstrip('/')}/{args.db}",
            "CELERY_BROKER_URL": broker_url,
            "CLINIC_ONCALL_EMAILS": ONCALL,
            "CLINIC_ESCALATION_EMAILS": "lead@clinic.invalid",
            "CLINIC_TRIAGE_EMAILS": "triage@clinic.invalid",
            "CLINIC_RECEPTION_EMAILS": "reception@clinic.invalid",
            # Encryption at rest (issue 18): throwaway keys for the run.
            "CLINIC_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "CLINIC_LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
            "CLINIC_ONCALL_PHONES": "",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        }
    )
    return env


def reset_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    benchdb.recreate(args.pg, args.db, env, [["migrate", "--no-input", "-v", "0"]])


def completed_drafts(count: int) -> list[Submission]:
    """Drafts with every page filled in with an URGENT vignette (suspected DVT), ready to send."""
    from intake.services import drafts
    from tests.journey import identity_for, vignette_answers

    answers = vignette_answers("V19")
    forms = []
    for index in range(count):
        draft = drafts.submission_create_draft()
        identity = {**identity_for(answers), "email": f"bench-{index}@example.invalid"}
        drafts.submission_save_step(submission=draft, step_answers=answers, identity=identity)
        forms.append(draft)
    return forms


def queue_reminders(count: int) -> float:
    """`count` patient emails due now on the default queue (as a day's reminders would be)."""
    from django.utils import timezone

    from intake.models import Notification, Submission
    from intake.services import outbox

    holder = Submission.objects.filter(status="submitted").first()
    assert holder is not None
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(
            submission=holder,
            kind=Notification.Kind.PATIENT_RECEIPT,
            recipient=f"reminder-{i}@example.invalid",
            template="patient_receipt",
            due_at=now,
        )
        for i in range(count)
    )
    started = time.perf_counter()
    for row in rows:
        outbox.notification_enqueue(notifications=[row])
    return time.perf_counter() - started


def queue_length(broker_url: str, name: str) -> int:
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        return int(client.llen(name))
    finally:
        client.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- The run -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0, help="urgent forms sent per second")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="clinic_alertbench")
    args = parser.parse_args()

    from tests.servers import private_redis
    from tests.workers import wait_for, worker_command

    sink = SmtpSink()
    sink.start()
    with private_redis() as redis_server:
        env = environment(args, redis_server.url, sink.port)
        print(f"Setting up database {args.db} and a private Redis on port {redis_server.port} ...")
        reset_database(args, env)
        os.environ.update(env)
        import django

        django.setup()
        from intake.services import sending
        from tests.journey import CONSENT

        print(f"Preparing {args.alerts} urgent forms ...")
        forms = completed_drafts(args.alerts + 1)
        sending.submission_submit(submission=forms.pop(), consent_answers=CONSENT)
        print(f"Queueing {args.reminders:,} reminder emails on the default queue ...")
        took = queue_reminders(args.reminders)
        queued = queue_length(redis_server.url, "default")
        print(f"  queued in {took:.1f} s; default queue length {queued:,}")

        log_path = Path(tempfile.gettempdir()) / "alert_latency_worker.log"
        print(f"Worker log: {log_path}")
        log = log_path.open("wb")
        worker = subprocess.Popen(
            worker_command(concurrency=args.concurrency, loglevel="WARNING"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: len(sink.arrivals) > 0, 60, "the worker's first email")
            print(f"Worker running; sending {args.alerts} urgent forms at {args.rate:g}/s ...")
            committed: dict[str, float] = {}
            backlog_at_start = queue_length(redis_server.url, "default")
            interval = 1.0 / args.rate
            next_at = time.perf_counter()
            for draft in forms:
                sent = sending.submission_submit(submission=draft, consent_answers=CONSENT)
                assert sent.reference is not None  # a sent form has its reference
                committed[sent.reference] = time.time()  # on_commit has queued the alert by now
                next_at += interval
                time.sleep(max(0.0, next_at - time.perf_counter()))
            wait_for(lambda: len(sink.to(ONCALL)) >= len(committed) + 1, 120, "every alert")
            backlog_at_end = queue_length(redis_server.url, "default")
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
            sink.stop()

    latencies = []
    for arrived, _recipient, subject in sink.to(ONCALL):
        reference = next((ref for ref in committed if ref in subject), None)
        if reference is not None:
            latencies.append(arrived - committed[reference])
    duplicates = len(sink.to(ONCALL)) - 1 - len(latencies)
    p99 = percentile(latencies, 0.99)
    print()
    print(f"Alerts: {len(latencies)} of {len(committed)} arrived, {duplicates} duplicates")
    print(
        "Commit to mail server (s): "
        f"p50 {statistics.median(latencies):.3f}  p95 {percentile(latencies, 0.95):.3f}  "
        f"p99 {p99:.3f}  max {max(latencies):.3f}"
    )
    print(
        f"Reminders queued (default queue): {backlog_at_start:,} when the first form was sent, "
        f"{backlog_at_end:,} when the last alert arrived"
    )
    ok = len(latencies) == len(committed) and duplicates == 0 and p99 < TARGET_P99_SECONDS
    verdict = "met" if ok else "MISSED"
    print(f"{verdict}  p99 < {TARGET_P99_SECONDS:g} s, every alert delivered exactly once")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
