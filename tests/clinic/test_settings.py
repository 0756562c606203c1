"""Settings: production refuses to start without the values it must not guess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_django

from tests.servers import redis_cache

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

# And the keys of the encryption at rest (issue 18).
ENCRYPTION = {
    "CLINIC_FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtYS1zZWNyZXQ=",
    "CLINIC_LOOKUP_HASH_KEY": "test-only-lookup-hash-key-not-a-secret",
}


def clean_env() -> dict[str, str]:
    """This process's environment without any of the app's own settings (DJANGO_*, CLINIC_*,
    CELERY_*): each test says which ones the fresh interpreter gets."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLINIC_", "CELERY_"))
    }


def start_django(**overrides: str) -> subprocess.CompletedProcess[str]:
    """Import clinic.settings in a fresh interpreter with a clean DJANGO_* environment."""
    env = clean_env()
    env.update(ALERT_LISTS, **BROKER, **ENCRYPTION)
    # A dict, not keywords: an override may replace DJANGO_READ_DOT_ENV too.
    env.update({"DJANGO_SETTINGS_MODULE": "clinic.settings", "DJANGO_READ_DOT_ENV": "0"})
    env.update(overrides)
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
        **ENCRYPTION,
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
    name: str, settings: pytest_django.Settings
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clinic.celery import _refuse_to_work_without_production_settings

    settings.DEBUG = False
    setattr(settings, name, [])
    with pytest.raises(ImproperlyConfigured, match=name):
        _refuse_to_work_without_production_settings()
    settings.DEBUG = True
    _refuse_to_work_without_production_settings()  # the demo has placeholders, or none needed


def test_a_production_worker_refuses_to_start_without_a_broker(
    settings: pytest_django.Settings,
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clinic.celery import _refuse_to_work_without_production_settings

    settings.DEBUG = False
    settings.TASKS_IN_PROCESS = True
    with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_URL"):
        _refuse_to_work_without_production_settings()
    settings.TASKS_IN_PROCESS = False
    _refuse_to_work_without_production_settings()


# --- Encryption at rest (issue 18) -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENCRYPTION))
def test_production_web_app_refuses_to_start_without_the_encryption_keys(name: str) -> None:
    result = run_python("import clinic.wsgi", production_env(**{name: ""}))
    assert result.returncode != 0
    assert f"{name} must be set when DJANGO_DEBUG is off" in result.stderr


@pytest.mark.parametrize("name", sorted(ENCRYPTION))
def test_a_production_worker_refuses_to_start_without_the_encryption_keys(
    name: str, settings: pytest_django.Settings
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from clinic.celery import _refuse_to_work_without_production_settings

    settings.DEBUG = False
    settings.TASKS_IN_PROCESS = False  # a broker, as production has
    setattr(settings, name, [] if name == "CLINIC_FIELD_ENCRYPTION_KEYS" else "")
    with pytest.raises(ImproperlyConfigured, match=name):
        _refuse_to_work_without_production_settings()


def test_an_encryption_key_that_is_not_a_fernet_key_stops_start_up_without_showing_it() -> None:
    good = ENCRYPTION["CLINIC_FIELD_ENCRYPTION_KEYS"]
    result = start_django(CLINIC_FIELD_ENCRYPTION_KEYS=f"{good}, not-a-key-but-a-secret")
    assert result.returncode != 0
    assert "CLINIC_FIELD_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key" in result.stderr
    assert "not-a-key-but-a-secret" not in result.stderr
    twice = start_django(CLINIC_FIELD_ENCRYPTION_KEYS=f"{good},{good}")
    assert "CLINIC_FIELD_ENCRYPTION_KEYS lists the same key twice" in twice.stderr


def test_a_short_lookup_hash_key_stops_start_up() -> None:
    result = start_django(CLINIC_LOOKUP_HASH_KEY="too-short")
    assert result.returncode != 0
    assert "CLINIC_LOOKUP_HASH_KEY must be at least 32 characters" in result.stderr


def test_encryption_keys_are_read_in_order_current_first() -> None:
    from cryptography.fernet import Fernet

    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    probe = "from django.conf import settings as s; print(s.CLINIC_FIELD_ENCRYPTION_KEYS)"
    env = production_env(CLINIC_FIELD_ENCRYPTION_KEYS=f" {new} , {old} ")
    result = run_python(f"import clinic.wsgi; {probe}", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([new, old])


def test_the_local_demo_encrypts_with_a_development_key_and_nothing_set() -> None:
    env = {
        **clean_env(),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_READ_DOT_ENV": "0",
        "DJANGO_DEBUG": "1",
    }
    probe = (
        "import django; django.setup(); from intake import encryption as e;"
        " t = e.encrypt('demo'); print(e.is_token(t), e.decrypt(t), len(e.lookup_hash('1')))"
    )
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "demo", "64"]


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


# Every boolean the settings read from the environment (issue 16), with an expression on the
# settings module that shows the value it was read as, and its default when DJANGO_DEBUG is unset.
BOOLEANS = {
    "DJANGO_READ_DOT_ENV": ("s._read_dot_env", True),
    "DJANGO_DEBUG": ("s.DEBUG", False),
    "DJANGO_HTTPS": ("s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE", True),
    "DJANGO_HSTS_PRELOAD": ("s.SECURE_HSTS_PRELOAD", False),
    "CLINIC_PLAINSQL": ("s.CLINIC_PLAINSQL", True),
}
TRUE_SPELLINGS = ["1", "true", "yes", "on", "TRUE", "Yes", " on ", "\ttrue\n"]
FALSE_SPELLINGS = ["0", "false", "no", "off", "FALSE", "No", " off ", "\t0\n"]
# Typos, and values django-environ's lenient env.bool took as True ("ok", "y", "2") or False.
TYPOS = ["ture", "yes please", "flase", "ok", "y", "2", "enabled", "-1", "true!"]


def read_boolean(name: str, values: list[str | None]) -> list[str]:
    """Import clinic.settings in a fresh interpreter, afresh for each of `values` of `name`
    (None: absent), with none of the app's other variables set; one line for each: the value
    the settings read it as, or the error that stopped them. One interpreter per variable, not
    per value, so that the whole table takes a second."""
    env = clean_env()
    env.update(DJANGO_SETTINGS_MODULE="clinic.settings")
    if name != "DJANGO_READ_DOT_ENV":
        env.update(DJANGO_READ_DOT_ENV="0")  # a developer's .env must not decide the others
    expression, _default = BOOLEANS[name]
    probe = f"""
import importlib, os
from django.core.exceptions import ImproperlyConfigured
for value in {values!r}:
    os.environ.pop({name!r}, None)
    if value is not None:
        os.environ[{name!r}] = value
    try:
        import clinic.settings as s
        s = importlib.reload(s)
        print(bool({expression}))
    except ImproperlyConfigured as error:
        print("ImproperlyConfigured:", error)
"""
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("value", ["ture", "yes please"])
@pytest.mark.parametrize("name", sorted(BOOLEANS))
def test_a_typo_in_a_boolean_stops_start_up_naming_the_variable(name: str, value: str) -> None:
    result = start_django(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}" in result.stderr


@pytest.mark.parametrize("name", sorted(BOOLEANS))
def test_a_boolean_that_is_not_true_or_false_is_refused_not_read_as_false(name: str) -> None:
    assert read_boolean(name, list(TYPOS)) == [
        f"ImproperlyConfigured: {name} must be true or false (1/0, yes/no, on/off), not {v!r}."
        " See .env.example."
        for v in TYPOS
    ]


@pytest.mark.parametrize("name", sorted(BOOLEANS))
def test_each_accepted_spelling_of_a_boolean_gives_its_value(name: str) -> None:
    values: list[str | None] = [*TRUE_SPELLINGS, *FALSE_SPELLINGS]
    expected = ["True"] * len(TRUE_SPELLINGS) + ["False"] * len(FALSE_SPELLINGS)
    assert read_boolean(name, values) == expected


@pytest.mark.parametrize("name", sorted(BOOLEANS))
def test_an_absent_or_empty_boolean_gives_its_default(name: str) -> None:
    default = str(BOOLEANS[name][1])
    assert read_boolean(name, [None, "", "  "]) == [default, default, default]


@pytest.mark.parametrize("https", [None, ""])
def test_https_defaults_to_off_for_the_local_demo(https: str | None) -> None:
    env = {**clean_env(), "DJANGO_READ_DOT_ENV": "0", "DJANGO_DEBUG": "yes"}
    if https is not None:
        env["DJANGO_HTTPS"] = https
    probe = "import clinic.settings as s; print(s.SESSION_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "None"]


def test_the_settings_read_no_boolean_with_the_lenient_env_bool() -> None:
    """env.bool reads a typo as False without a word; every boolean goes through env_bool."""
    source = (ROOT / "clinic" / "settings.py").read_text()
    assert "env.bool(" not in source
    assert sorted(set(re.findall(r'env_bool\("(\w+)"', source))) == sorted(BOOLEANS)


def test_a_redis_cache_waits_at_most_a_second_for_the_server() -> None:
    # A hung Redis must not hold a patient's "Start now" for long: the rate limit fails open once
    # the cache raises, and these timeouts make it raise (tests/servers.py's redis_cache copies
    # them for the tests that stop a Redis).
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_DEBUG="1",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    probe = "import json; from django.conf import settings as s; print(json.dumps(s.CACHES))"
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == redis_cache("redis://127.0.0.1:6379/1")
