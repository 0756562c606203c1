"""Sign-in failures per client address, against spraying one password over many user names.

django-axes locks a user name at one address after a few failures (settings.AXES_*), which
stops guessing one person's password but not trying one common password on fifty names. This
counts failed sign-ins per address, across all user names, in fixed windows of
CLINIC_STAFF_SIGNIN_THROTTLE_MINUTES: past CLINIC_STAFF_SIGNIN_FAILURES_PER_ADDRESS the address
is refused until the window ends. It never locks an account, so a whole clinic behind one
address is not locked out by one person's typos (the limit is far above anyone's typing).

Counted in Django's cache under a hash of the address (never the address itself). A cache that
is down must not stop staff signing in: then nothing is counted or refused, with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def now() -> float:
    """The clock the windows are measured with (tests move it)."""
    return time.time()


@dataclass(frozen=True)
class Window:
    """The current window of one address: failures so far and seconds until it ends."""

    failures: int
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil(self.seconds_left / 60))


def _window(address: str, moment: float) -> tuple[str, int]:
    length = settings.CLINIC_STAFF_SIGNIN_THROTTLE_MINUTES * 60
    index = int(moment // length)
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"signin-failures:{digest}:{index}", int((index + 1) * length - moment)


def failure_count(address: str, *, at: float | None = None) -> None:
    """Count one failed sign-in (a wrong password or second-factor code) from `address`."""
    key, seconds_left = _window(address, now() if at is None else at)
    try:
        if not cache.add(key, 1, timeout=seconds_left + 1):
            cache.incr(key)
    except ValueError:  # expired between add() and incr()
        _add_quietly(key, seconds_left)
    except Exception:
        log.warning("Sign-in throttle: the cache is unavailable; failure not counted.")


def refused(address: str, *, at: float | None = None) -> Window | None:
    """The window if `address` has had too many failures in it (refuse it), else None."""
    key, seconds_left = _window(address, now() if at is None else at)
    try:
        failures = int(cache.get(key, 0))
    except Exception:
        log.warning("Sign-in throttle: the cache is unavailable; sign-in allowed unchecked.")
        return None
    if failures >= settings.CLINIC_STAFF_SIGNIN_FAILURES_PER_ADDRESS:
        return Window(failures=failures, seconds_left=seconds_left)
    return None


def _add_quietly(key: str, seconds_left: int) -> None:
    try:
        cache.add(key, 1, timeout=seconds_left + 1)
    except Exception:
        log.warning("Sign-in throttle: the cache is unavailable; failure not counted.")
