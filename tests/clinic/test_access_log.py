"""No personal data in the access log (issue 17): gunicorn, started with the repository's
gunicorn.conf.py as `make serve` starts it, logs paths without their query strings or referrers,
so a staff search for a patient's name never reaches the log."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clinic.test_settings import ROOT, clean_env
from tests.servers import free_port

GUNICORN = Path(sys.executable).parent / "gunicorn"
CONF = ROOT / "gunicorn.conf.py"
# A patient's name as staff would type it into the queue's search box.
CANARY = "CANARYNAME123"


class Served:
    """A gunicorn serving the app on a spare port, with its access log in a file."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.access_log = tmp_path / "access.log"
        self.output = tmp_path / "gunicorn.out"
        env = {
            **clean_env(),
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_DEBUG": "1",  # the demo's defaults: no broker, key or alert lists needed
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
        self._output = self.output.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                str(GUNICORN),
                "-c",
                str(CONF),
                "clinic.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--access-logfile",
                str(self.access_log),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.output.read_text()[-3000:]}")
            try:
                if self.get("/robots.txt").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not answer:\n{self.output.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._output.close()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_staff_search_for_a_name_stays_out_of_the_access_log(gunicorn: Served) -> None:
    search = f"/admin/intake/submission/?q={CANARY}"
    # Not signed in: sent to the login page, whose address repeats the search in ?next=.
    response = gunicorn.get(search, headers={"Referer": f"http://127.0.0.1/admin/?q={CANARY}"})
    assert response.status == 302
    request_id = response.getheader("X-Request-ID") or ""
    assert request_id
    login = response.getheader("Location") or ""
    assert login.startswith("/admin/login/?next=") and CANARY in login
    assert gunicorn.get(login, headers={"Referer": f"http://127.0.0.1{search}"}).status == 200
    gunicorn.stop()  # every line written

    log = gunicorn.access_log.read_text()
    assert CANARY not in log
    assert CANARY not in gunicorn.output.read_text()  # nor in gunicorn's or the app's own log
    lines = [line for line in log.splitlines() if "/robots.txt" not in line]
    assert len(lines) == 2, log
    assert '"GET /admin/intake/submission/ HTTP/1.1" 302 ' in lines[0]
    assert lines[0].endswith(f" {request_id}")  # the line matches the app's own log lines
    assert '"GET /admin/login/ HTTP/1.1" 200 ' in lines[1]


def test_make_serve_starts_gunicorn_with_this_configuration() -> None:
    makefile = (ROOT / "Makefile").read_text()
    serve = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "gunicorn -c gunicorn.conf.py clinic.wsgi" in serve
    assert "--access-logfile" not in serve  # the configuration's access log, not another
