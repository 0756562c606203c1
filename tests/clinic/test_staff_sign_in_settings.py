"""The staff sign-in's settings (issue 17): limits refused at start-up, passkey defaults."""

from __future__ import annotations

import pytest

from tests.clinic.test_settings import run_python, start_django

PRINT = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.OTP_WEBAUTHN_RP_ID, settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)"
)


@pytest.mark.parametrize("minutes", ["31", "4"])
def test_an_idle_limit_over_thirty_minutes_or_too_short_stops_start_up(minutes: str) -> None:
    result = start_django(DJANGO_DEBUG="1", CLINIC_STAFF_IDLE_MINUTES=minutes)
    assert result.returncode != 0
    assert "CLINIC_STAFF_IDLE_MINUTES must be from 5 to 30" in result.stderr


def test_a_session_limit_over_twelve_hours_stops_start_up() -> None:
    result = start_django(DJANGO_DEBUG="1", CLINIC_STAFF_SESSION_HOURS="13")
    assert result.returncode != 0
    assert "CLINIC_STAFF_SESSION_HOURS must be from 1 to 12" in result.stderr


def passkey_settings(**env: str) -> str:
    from tests.clinic.test_settings import clean_env

    result = run_python(
        PRINT,
        {
            **clean_env(),
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_READ_DOT_ENV": "0",
            "DJANGO_DEBUG": "1",
            **env,
        },
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_demo_uses_passkeys_on_localhost() -> None:
    # A browser refuses an address (127.0.0.1) as a passkey's host.
    assert passkey_settings() == "localhost ['http://localhost:8000']"


def test_a_clinic_on_https_gets_its_own_host_for_passkeys() -> None:
    assert (
        passkey_settings(CLINIC_SITE_URL="https://intake.clinic.example")
        == "intake.clinic.example ['https://intake.clinic.example']"
    )


def test_the_passkey_host_and_origins_can_be_set() -> None:
    assert (
        passkey_settings(
            CLINIC_WEBAUTHN_RP_ID="clinic.example",
            CLINIC_WEBAUTHN_ORIGINS="https://staff.clinic.example,https://clinic.example",
        )
        == "clinic.example ['https://staff.clinic.example', 'https://clinic.example']"
    )


def test_empty_passkey_settings_as_in_env_example_give_the_defaults() -> None:
    assert (
        passkey_settings(CLINIC_WEBAUTHN_RP_ID="", CLINIC_WEBAUTHN_ORIGINS="")
        == "localhost ['http://localhost:8000']"
    )
