"""Helpers for the staff sign-in's tests: the two steps as a browser takes them, and a clock.

Most staff tests sign in with tests.factories.logged_in (both factors done at once); these
helpers go through the real pages instead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import STAFF_PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

SIGN_IN = "/admin/login/"
SECOND_FACTOR = "/admin/login/second-factor/"
SET_UP = "/admin/login/set-up/"
HERE = "198.51.100.10"  # the clinic's address, as the server sees it
ELSEWHERE = "203.0.113.20"


def password(
    client: Client, username: str, secret: str = STAFF_PASSWORD, *, ip: str = HERE, **extra: Any
) -> Response:
    """Step 1: post the password from address `ip`."""
    return client.post(SIGN_IN, {"username": username, "password": secret}, REMOTE_ADDR=ip, **extra)


def second_factor(client: Client, code: str, *, ip: str = HERE) -> Response:
    """Step 2: post a code (the authenticator app's or a backup code)."""
    return client.post(SECOND_FACTOR, {"otp_token": code}, REMOTE_ADDR=ip)


def authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app for `user`."""
    device: TOTPDevice = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return device


def code_now(device: TOTPDevice, *, steps: int = 0) -> str:
    """The code the app shows now (or `steps` time steps later or earlier)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


class Clock:
    """The time the sign-in machinery sees: django-axes' clock, Django's timezone.now() (the
    lockout page, the audit log), the session limits' and the throttle's clocks. Frozen at
    `start` until moved with `advance`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: dt.datetime) -> None:
        self.moment = start
        import axes.attempts
        import axes.handlers.proxy
        from django.utils import timezone as django_timezone

        from intake.backoffice import middleware, throttle

        monkeypatch.setattr(django_timezone, "now", self.now)
        monkeypatch.setattr(axes.attempts, "now", self.now)
        monkeypatch.setattr(axes.handlers.proxy, "now", self.now)
        monkeypatch.setattr(middleware, "now", self.timestamp)
        monkeypatch.setattr(throttle, "now", self.timestamp)

    def now(self) -> dt.datetime:
        return self.moment

    def timestamp(self) -> float:
        return self.moment.timestamp()

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Time frozen at 14:22:00 today in the clinic's time zone (Europe/London)."""
    start = timezone.localtime().replace(hour=14, minute=22, second=0, microsecond=0)
    return Clock(monkeypatch, start)


def unthrottle(user: User) -> None:
    """Forget django-otp's back-off after a wrong code (1 s, then 2, 4...), which would refuse
    even the right code typed at once: tests type faster than people."""
    from django_otp.plugins.otp_static.models import StaticDevice

    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
