"""Staff session limits: idle, absolute, and "signed out everywhere" (issue 17).

After `AuthenticationMiddleware`, django-otp's `OTPMiddleware` and the messages'
(clinic/settings.py). For a signed-in user it ends the session, with a new sign-in needed, when:

- nothing was asked of the server for CLINIC_STAFF_IDLE_MINUTES (30 at most; the pages warn
  two minutes before, with "Stay signed in": static/intake/js/staff_idle.js);
- CLINIC_STAFF_SESSION_HOURS have passed since the password was given, however busy;
- the user signed out in another browser, was deactivated, or had their sign-in methods reset
  since this session signed in (`StaffSessionCutoff`, intake/services/staff.py).

The times are kept in the session (set at sign-in by the `user_logged_in` receiver in
intake/backoffice/signals.py) and the last activity is written at most once a minute, so a busy
page costs one small indexed query. Patients are never signed in, so this does nothing for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from intake.models import StaffSessionCutoff

SIGNED_IN_AT = "staff_signed_in_at"
SEEN_AT = "staff_seen_at"
# The last activity is written back to the session at most this often (seconds).
SEEN_RESOLUTION = 60


def now() -> float:
    """The clock the limits are measured with (tests move it)."""
    return time.time()


def idle_seconds() -> int:
    return int(settings.CLINIC_STAFF_IDLE_MINUTES) * 60


def session_start(request: HttpRequest) -> None:
    """Mark the session as signed in now (at the password step)."""
    moment = now()
    request.session[SIGNED_IN_AT] = moment
    request.session[SEEN_AT] = moment


def keep_alive(request: HttpRequest) -> None:
    """Count this request as activity now, whatever the last write was."""
    request.session[SEEN_AT] = now()


def ended_because(request: HttpRequest) -> str | None:
    """Why this signed-in session is over ("idle", "absolute", "cutoff"), or None."""
    session = request.session
    moment = now()
    signed_in_at = float(session.get(SIGNED_IN_AT, 0))
    seen_at = float(session.get(SEEN_AT, 0))
    if moment - seen_at > idle_seconds():
        return "idle"
    if moment - signed_in_at > int(settings.CLINIC_STAFF_SESSION_HOURS) * 60 * 60:
        return "absolute"
    cutoff = (
        StaffSessionCutoff.objects.filter(user_id=int(request.user.pk or 0))
        .values_list("not_before", flat=True)
        .first()
    )
    if cutoff is not None and signed_in_at < cutoff.timestamp():
        return "cutoff"
    return None


MESSAGES = {
    "idle": lambda: (
        _("You were signed out after %(minutes)s minutes without activity. Sign in again.")
        % {"minutes": settings.CLINIC_STAFF_IDLE_MINUTES}
    ),
    "absolute": lambda: (
        _("You were signed out %(hours)s hours after signing in, as every day. Sign in again.")
        % {"hours": settings.CLINIC_STAFF_SESSION_HOURS}
    ),
    "cutoff": lambda: _("You were signed out. Sign in again."),
}


class StaffSessionLimits:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = ended_because(request)
            if reason is not None:
                return self.end(request, reason)
            if now() - float(request.session.get(SEEN_AT, 0)) >= SEEN_RESOLUTION:
                keep_alive(request)
        return self.get_response(request)

    @staticmethod
    def end(request: HttpRequest, reason: str) -> HttpResponse:
        # The audit receiver of `user_logged_out` records the reason (intake/audit.py).
        request.clinic_signed_out_because = reason  # type: ignore[attr-defined]
        logout(request)
        messages.info(request, MESSAGES[reason]())
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
