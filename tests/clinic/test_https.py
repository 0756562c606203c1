"""HTTPS by default when DEBUG is off (issue 17): Django's deploy check passes with the production
settings, plain HTTP is redirected (bar the health check), HSTS for a year with subdomains, and
every cookie Secure, the session's and CSRF's with the __Host- prefix.

The production settings are imported in a fresh interpreter with an environment like a clinic's
(tests/clinic/test_settings.py); the cookies are also read off real responses in this process,
whose test settings keep HTTPS on as production does.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from http.cookies import Morsel
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.clinic.test_settings import ROOT, production_env, run_python
from tests.factories import STAFF_PASSWORD

ONE_YEAR = 31536000


def clinic_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """What a clinic sets in production (DEBUG off, HTTPS left to its default), with a long
    random key as a real one is, and `overrides`."""
    return production_env(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **overrides,
    )


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- manage.py check --deploy -----------------------------------------------------------------


def test_the_deploy_check_passes_with_the_production_settings(tmp_path: Path) -> None:
    result = check_deploy(clinic_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr and "ERRORS" not in result.stderr
    # One warning is silenced on purpose: "not on the preload list" (DJANGO_HSTS_PRELOAD, off
    # by default because leaving the list is slow). Nothing else.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_the_deploy_check_passes_with_preload_on_and_nothing_silenced(tmp_path: Path) -> None:
    result = check_deploy(clinic_env(tmp_path, DJANGO_HSTS_PRELOAD="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_fails_when_hsts_is_turned_off(tmp_path: Path) -> None:
    # The check above is not passing by accident: without HSTS it fails.
    result = check_deploy(clinic_env(tmp_path, DJANGO_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr


# --- The settings as production reads them ----------------------------------------------------

SECURITY_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
)


def security_settings(env: dict[str, str]) -> dict[str, object]:
    probe = (
        "import json, clinic.settings as s;"
        f"print(json.dumps({{n: getattr(s, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    result = run_python(probe, env)
    assert result.returncode == 0, result.stderr
    values: dict[str, object] = json.loads(result.stdout)
    return values


def test_production_defaults_to_https_with_hsts_for_a_year_and_host_only_cookies(
    tmp_path: Path,
) -> None:
    assert security_settings(clinic_env(tmp_path)) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "SECURE_HSTS_SECONDS": ONE_YEAR,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        # __Host-: Secure, Path=/ and no Domain, or browsers refuse the cookie.
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": "/",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_DOMAIN": None,
        "CSRF_COOKIE_PATH": "/",
    }


def test_hsts_seconds_and_preload_are_settings(tmp_path: Path) -> None:
    values = security_settings(
        clinic_env(tmp_path, DJANGO_HSTS_SECONDS="600", DJANGO_HSTS_PRELOAD="yes")
    )
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_PRELOAD"] is True


def test_without_https_nothing_redirects_and_the_cookies_keep_their_plain_names(
    tmp_path: Path,
) -> None:
    # The local demo (and a clinic that has turned HTTPS off): a __Host- cookie would be refused
    # by browsers over plain HTTP, and a redirect would lead nowhere.
    values = security_settings(clinic_env(tmp_path, DJANGO_HTTPS="0"))
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["CSRF_COOKIE_NAME"] == "csrftoken"
    assert values["SESSION_COOKIE_SECURE"] is False


# --- Requests through the production settings -------------------------------------------------

# Asks the production app (in a fresh interpreter) for a page over plain HTTP and over HTTPS (as
# the proxy reports it), and for the health check over plain HTTP; prints what came back.
REQUESTS_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
# The manifest of static files needs `collectstatic` first: plain storage, the rest production's.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
client = Client(HTTP_HOST="clinic.example")
def seen(response):
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "hsts": response.get("Strict-Transport-Security", ""),
        "cookies": {name: dict(m.items()) for name, m in response.cookies.items()},
    }
print(json.dumps({
    "http": seen(client.get("/admin/login/")),
    "https": seen(client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")),
    "healthz": seen(client.get("/healthz")),
}))
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    tmp_path = tmp_path_factory.mktemp("https")
    # No broker to reach: the health check answers quickly ("in-process" is not what production
    # allows, but only whether it is redirected matters here).
    env = clinic_env(tmp_path, CELERY_BROKER_URL="")
    result = run_python(REQUESTS_PROBE, env)
    assert result.returncode == 0, result.stderr
    values: dict[str, dict[str, object]] = json.loads(result.stdout)
    return values


def test_plain_http_is_redirected_to_https(answers: dict[str, dict[str, object]]) -> None:
    assert answers["http"]["status"] == 301
    assert answers["http"]["location"] == "https://clinic.example/admin/login/"


def test_the_health_check_answers_plain_http_for_load_balancers(
    answers: dict[str, dict[str, object]],
) -> None:
    assert answers["healthz"]["status"] in (200, 503)
    assert answers["healthz"]["location"] == ""


def test_https_pages_send_hsts_for_a_year_with_subdomains_and_host_only_cookies(
    answers: dict[str, dict[str, object]],
) -> None:
    https = answers["https"]
    assert https["status"] == 200
    assert https["hsts"] == f"max-age={ONE_YEAR}; includeSubDomains"
    cookies = https["cookies"]
    assert isinstance(cookies, dict)
    assert set(cookies) == {"__Host-csrftoken"}
    csrf = cookies["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["path"] == "/"
    assert csrf["domain"] == ""


# --- Every cookie the app sets is Secure (this process: HTTPS on, as in production) -----------


def assert_secure(cookies: dict[str, Morsel[str]]) -> None:
    for name, morsel in cookies.items():
        assert morsel["secure"] is True, name
        assert morsel["httponly"] is True, name
        if name.startswith("__Host-"):
            assert morsel["path"] == "/", name
            assert morsel["domain"] == "", name


@pytest.mark.django_db
def test_every_cookie_of_a_staff_login_is_secure_and_host_only(receptionist: User) -> None:
    client = Client()
    page = client.get("/admin/login/")
    assert set(page.cookies) == {"__Host-csrftoken"}
    assert_secure(page.cookies)
    login = client.post(
        "/admin/login/", {"username": receptionist.username, "password": STAFF_PASSWORD}
    )
    assert login.status_code == 302
    assert "__Host-sessionid" in login.cookies
    assert_secure(login.cookies)


@pytest.mark.django_db
def test_every_cookie_a_patient_gets_is_secure() -> None:
    # Starting a form sets the cookie that names the drafts this browser may open.
    client = Client()
    first = client.get("/")
    started = client.post("/start/")
    assert started.status_code == 302
    assert started.cookies, "starting a form sets a cookie"
    assert_secure({**first.cookies, **started.cookies})
