"""Staff sign-ins, sign-outs and failed or refused attempts in the audit log.

Django announces these with signals, and django-axes announces a lockout; the receivers only
record them, through the same service as every other audit event (no business logic here).
The password is never recorded (Django masks it before the signal), nor any code typed.

- `login`: the password step succeeded (the second factor is still to come);
- `login_failed`: a wrong password, or any attempt while locked out (`locked_out` in details);
- `second_factor_fail`: a wrong code at the second step (sent as a failed login, so that
  django-axes counts it towards the lockout: intake/backoffice/views/account.py);
- `locked_out`: django-axes refused a user name from an address;
- `logout`: signed out, by the user or by the session limits (`reason` in details).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from intake.http import client_address
from intake.models import AuditEvent
from intake.services import audit

# The key a failed second-factor code carries in its `user_login_failed` credentials.
SECOND_FACTOR = "second_factor"


def _address(request: Any) -> str | None:
    return client_address(request) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.LOGIN,
        object_repr=user.get_username(),
        details={"step": "password"},
        ip_address=_address(request),
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "clinic_signed_out_because", "") if request is not None else ""
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.LOGOUT,
        object_repr=user.get_username(),
        details={"reason": reason} if reason else {},
        ip_address=_address(request),
    )


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The username tried is recorded; the password never is (Django already masks it).
    username = str(credentials.get("username", ""))[:150]
    details: dict[str, object] = {"username": username}
    if getattr(request, "axes_locked_out", False):
        details["locked_out"] = True
    audit.audit_record(
        actor=None,
        action=(
            AuditEvent.Action.SECOND_FACTOR_FAILED
            if credentials.get(SECOND_FACTOR)
            else AuditEvent.Action.LOGIN_FAILED
        ),
        object_repr=username,
        details=details,
        ip_address=_address(request),
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: Any, ip_address: Any, **kw: Any) -> None:
    name = str(username or "")[:150]
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.LOCKED_OUT,
        object_repr=name,
        details={"username": name},
        ip_address=_address(request),
    )
