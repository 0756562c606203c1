"""`make run PORT=…` (issue 19): the demo's emailed links use the port it serves on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What manage.py would be given: print what the settings make of the environment instead.
PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'clinic.settings'); "
    "django.setup(); from django.conf import settings; "
    "print(settings.CLINIC_SITE_URL, settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)"
)


def _make_run(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """`make run` in an empty folder, `install` taken as done and manage.py replaced by the
    probe: the lines the probe printed (one per manage.py command)."""
    make = shutil.which("make")
    assert make, "make is needed to run the demo"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CLINIC_", "DJANGO"))}
    environment.update(env, PYTHONPATH=str(ROOT))
    manage = f'{sys.executable} -c "{PROBE}" #'
    result = subprocess.run(  # noqa: S603 - our own Makefile, interpreter and probe
        [make, "-f", str(ROOT / "Makefile"), "-o", "install", "run", f"MANAGE={manage}", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line.startswith("http")]


def test_make_run_on_another_port_sends_links_to_that_port(tmp_path: Path) -> None:
    lines = _make_run(tmp_path, "PORT=8123")
    assert lines  # migrate, seed_demo and runserver each saw the settings
    for line in lines:
        assert line == "http://localhost:8123 ['http://localhost:8123']"


def test_a_site_url_in_the_environment_wins(tmp_path: Path) -> None:
    lines = _make_run(tmp_path, "PORT=8123", CLINIC_SITE_URL="http://demo.example:9000")
    assert lines and all(line.startswith("http://demo.example:9000 ") for line in lines)
