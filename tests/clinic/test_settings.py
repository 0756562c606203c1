"""Settings: production refuses to start without the values it must not guess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Start the web app as gunicorn would, then report DEBUG.
PROBE = "import clinic.wsgi; from django.conf import settings; print(settings.DEBUG)"


# Who alerts go to: production refuses to start without them (tested below, one by one).
ALERT_LISTS = {
    "CLINIC_ONCALL_EMAILS": "oncall@clinic.example",
    "CLINIC_ESCALATION_EMAILS": "lead@clinic.example",
    "CLINIC_TRIAGE_EMAILS": "triage@clinic.example",
    "CLINIC_RECEPTION_EMAILS": "reception@clinic.example",
}


# And a broker (importing the app does not connect to it).
BROKER = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}


def clean_env() -> dict[str, str]:
    """This process's environment without any of the app's own settings (DJANGO_*, CLINIC_*,
    CELERY_*): each test says which ones the fresh interpreter gets."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLINIC_", "CELERY_"))
    }


def start_django(**overrides: str) -> subprocess.CompletedProcess[str]:
    """Import clinic.settings in a fresh interpreter with a clean DJANGO_* environment."""
    env = clean_env()
    env.update(ALERT_LISTS, **BROKER)
    env.update(DJANGO_SETTINGS_MODULE="clinic.settings", DJANGO_READ_DOT_ENV="0", **overrides)
    return run_python(PROBE, env)


def run_python(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_settings_refuse_to_start_with_debug_off_and_no_secret_key() -> None:
    result = start_django(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="clinic.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_settings_refuse_to_start_with_debug_off_and_no_allowed_hosts() -> None:
    result = start_django(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off" in result.stderr


def production_env(**overrides: str) -> dict[str, str]:
    """Everything production must set (DEBUG off), with `overrides`, for `import clinic.wsgi`."""
    env = clean_env()
    env.update(
        **ALERT_LISTS,
        **BROKER,
        DJANGO_READ_DOT_ENV="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="clinic.example",
    )
    return {**env, **overrides}


@pytest.mark.parametrize("name", sorted(ALERT_LISTS))
def test_production_web_app_refuses_to_start_with_nobody_to_alert(name: str) -> None:
    result = run_python("import clinic.wsgi", production_env(**{name: ""}))
    assert result.returncode != 0
    assert f"{name} must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_web_app_refuses_to_start_without_a_broker() -> None:
    # In-process tasks mean no worker and no beat: no escalation, no retries, no reminders.
    env = production_env(CELERY_BROKER_URL="")
    result = run_python("import clinic.wsgi", env)
    assert result.returncode != 0
    assert "CELERY_BROKER_URL must be set when DJANGO_DEBUG is off" in result.stderr
    served = run_python(
        "import clinic.wsgi", {**env, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    )
    assert served.returncode == 0, served.stderr  # importing does not connect to the broker


def test_commands_that_only_read_the_code_need_no_alert_lists() -> None:
    """A fresh clone or a build machine checks migrations with none of the production values."""
    env = clean_env()
    env.update(DJANGO_READ_DOT_ENV="0")
    check = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("name", sorted(ALERT_LISTS))
def test_a_production_worker_refuses_to_start_with_nobody_to_alert(
    name: str, settings: Any
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clinic.celery import _refuse_to_work_without_production_settings

    settings.DEBUG = False
    setattr(settings, name, [])
    with pytest.raises(ImproperlyConfigured, match=name):
        _refuse_to_work_without_production_settings()
    settings.DEBUG = True
    _refuse_to_work_without_production_settings()  # the demo has placeholders, or none needed


def test_a_production_worker_refuses_to_start_without_a_broker(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clinic.celery import _refuse_to_work_without_production_settings

    settings.DEBUG = False
    settings.TASKS_IN_PROCESS = True
    with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_URL"):
        _refuse_to_work_without_production_settings()
    settings.TASKS_IN_PROCESS = False
    _refuse_to_work_without_production_settings()


@pytest.mark.parametrize("days", ["", "0,7", "-1"])
def test_opening_days_must_be_weekday_numbers(days: str) -> None:
    result = start_django(DJANGO_DEBUG="1", CLINIC_OPEN_WEEKDAYS=days)
    assert result.returncode != 0
    assert "CLINIC_OPEN_WEEKDAYS must list at least one weekday" in result.stderr


def test_debug_is_off_unless_asked_for() -> None:
    result = start_django(DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="clinic.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_local_demo_starts_with_debug_on_and_nothing_else_set() -> None:
    result = start_django(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(("broker", "eager"), [("", "True"), ("redis://127.0.0.1:6379/0", "False")])
def test_tasks_run_in_process_only_when_no_broker_is_configured(broker: str, eager: str) -> None:
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_DEBUG="1",
        CELERY_BROKER_URL=broker,
    )
    probe = (
        "import django; django.setup(); from clinic.celery import app;"
        "print(app.conf.task_always_eager, app.conf.task_serializer, app.conf.accept_content,"
        " app.conf.task_acks_late, app.conf.task_reject_on_worker_lost,"
        " app.conf.worker_prefetch_multiplier)"
    )
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [eager, "json", "['json']", "True", "True", "1"]


def test_the_worker_takes_urgent_first_with_time_limits_and_a_short_visibility_timeout() -> None:
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_DEBUG="1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    probe = (
        "import django, json; django.setup(); from clinic.celery import app; c = app.conf;"
        "print(json.dumps({'options': c.broker_transport_options, 'soft': c.task_soft_time_limit,"
        " 'hard': c.task_time_limit, 'default': c.task_default_queue,"
        " 'beat': {k: [v['task'], v['schedule']] for k, v in c.beat_schedule.items()}}))"
    )
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    import json

    conf = json.loads(result.stdout)
    assert conf["options"]["queue_order_strategy"] == "priority"
    assert 60 <= conf["options"]["visibility_timeout"] <= 30 * 60  # minutes, not the 1 h default
    assert 0 < conf["soft"] < conf["hard"] <= 300
    assert conf["default"] == "default"
    assert conf["beat"]["sweep-outbox"] == ["intake.tasks.sweep_outbox", 30.0]
    assert conf["beat"]["escalate-overdue"] == ["intake.tasks.escalate_overdue", 60.0]
