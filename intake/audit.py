"""Staff logins, logouts and failed logins in the audit log.

Django announces these with signals; the receivers only record them, through the same service
as every other audit event (no business logic here).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from intake.http import client_address
from intake.models import AuditEvent
from intake.services import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.LOGIN,
        object_repr=user.get_username(),
        ip_address=client_address(request) if request is not None else None,
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    audit.audit_record(
        actor=user,
        action=AuditEvent.Action.LOGOUT,
        object_repr=user.get_username(),
        ip_address=client_address(request) if request is not None else None,
    )


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The username tried is recorded; the password never is (Django already masks it).
    username = str(credentials.get("username", ""))[:150]
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_repr=username,
        details={"username": username},
        ip_address=client_address(request) if request is not None else None,
    )
