"""A real Celery worker process for tests, on a private Redis and the test database.

The worker runs the production settings (`clinic.settings`) from the environment, like
`make worker` in a clinic: it sends mail with the file backend into a folder the test reads,
and text messages with the file SMS backend. The test process talks to the same private Redis
through `live_broker()`.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from kombu import pools as kombu_pools

from clinic.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
# Django's file backend separates messages in one file with a line of 79 dashes.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def database_url() -> str:
    """The URL of the test database this process uses, for the worker's DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{user}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_command(*, concurrency: int, loglevel: str) -> list[str]:
    """`make worker`'s command (both queues, urgent first), quiet about cluster events."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "clinic",
        "worker",
        "--queues=urgent,default",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--loglevel={loglevel}",
    ]


class Worker:
    """`celery -A clinic worker` in its own process group, so a test can SIGKILL all of it."""

    def __init__(self, *, broker_url: str, folder: Path, **env: str) -> None:
        self.folder = folder
        self.mail_dir = folder / "mail"
        self.sms_dir = folder / "sms"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.sms_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_LOG_LEVEL": "INFO",
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "CLINIC_SMS_BACKEND": "intake.sms.FileSmsBackend",
            "CLINIC_SMS_FILE_PATH": str(self.sms_dir),
            "CLINIC_ONCALL_EMAILS": ",".join(settings.CLINIC_ONCALL_EMAILS),
            "CLINIC_ONCALL_PHONES": ",".join(settings.CLINIC_ONCALL_PHONES),
            "CLINIC_ESCALATION_EMAILS": ",".join(settings.CLINIC_ESCALATION_EMAILS),
            "CLINIC_TRIAGE_EMAILS": ",".join(settings.CLINIC_TRIAGE_EMAILS),
            "CLINIC_RECEPTION_EMAILS": ",".join(settings.CLINIC_RECEPTION_EMAILS),
            # The test's own keys: the worker reads what the test wrote (issue 18).
            "CLINIC_FIELD_ENCRYPTION_KEYS": ",".join(settings.CLINIC_FIELD_ENCRYPTION_KEYS),
            "CLINIC_LOOKUP_HASH_KEY": settings.CLINIC_LOOKUP_HASH_KEY,
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "worker.log"
        self.starts = 0

    def start(self, *, concurrency: int = 1, timeout: float = 30) -> None:
        self.starts += 1
        log = self.folder / f"worker-{self.starts}.log"
        self.log = log
        with log.open("wb") as output:  # the child keeps its own copy of the descriptor
            self.process = self._spawn(concurrency, output)
        wait_for(lambda: b"ready." in log.read_bytes(), timeout, f"worker ready ({log})")

    def _spawn(self, concurrency: int, output: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            worker_command(concurrency=concurrency, loglevel="INFO"),
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: no clean-up, no acknowledgements."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def emails(self, to: str | None = None) -> list[Message]:
        """Every message the worker has sent so far (optionally only those to `to`)."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk))
        return [m for m in found if to is None or m["To"] == to]

    def texts(self) -> list[str]:
        return [p.read_text() for p in sorted(self.sms_dir.glob("*.sms"))]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll until `condition()` holds; returns the seconds it took. Fails the test on timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


@contextmanager
def live_broker(url: str) -> Iterator[None]:
    """Make this process queue tasks on `url` for real (the test settings run them in-process).

    Celery caches its producer pool per broker URL, so the pool is dropped on the way in and out.
    """
    from intake.services import outbox

    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, os.environ.get("CELERY_BROKER_URL"))
    _drop_pools()
    conf.task_always_eager = False
    # Item assignment is what Celery's attribute assignment does (its stubs type it read-only).
    conf["broker_url"] = url
    # Celery reads this variable before its own settings (CI sets it to the shared Redis).
    os.environ["CELERY_BROKER_URL"] = url
    outbox.reset_broker_pause()
    try:
        yield
    finally:
        _drop_pools()
        conf.task_always_eager, conf["broker_url"], env_url = saved
        if env_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = env_url
        outbox.reset_broker_pause()


def _drop_pools() -> None:
    """Close every pooled broker connection; the next task opens a fresh one."""
    kombu_pools.reset()
    # Private attributes: Celery has no public way to forget its pools.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
