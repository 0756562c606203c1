"""The audit log's one writer: names and ids, never clinical values.

Who acted is a staff member (a signed-in User), the patient (`PATIENT`: sending their form, the
emergency advice shown to them, their resume link, cancelling through their emailed link), or
the system (None: tasks, commands, failed logins). Bulk `update()` and `delete()` on
submissions and appointments record their own rows (intake.models.AuditedQuerySet).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Final

from django.contrib.auth.models import AnonymousUser, User

from intake.models import (
    AuditEvent,
    Submission,
)

# The actor of what the patient does themselves (they have no account).
PATIENT: Final = AuditEvent.ActorKind.PATIENT

# A staff member, the patient, or None for the system.
Actor = User | AnonymousUser | AuditEvent.ActorKind | None

logger = logging.getLogger(__name__)

# Paths are ids and tokens, but a bound keeps a crafted URL from filling the log and the row.
_PATH_MAX = 200


def audit_record(
    *,
    actor: Actor,
    action: str,
    submission: Submission | None = None,
    changed_fields: Sequence[str] = (),
    details: Mapping[str, object] | None = None,
    ip_address: str | None = None,
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit log. Names only: never copy clinical values into it."""
    return AuditEvent.objects.create(
        **AuditEvent.actor_fields(actor),
        action=action,
        submission=submission,
        object_repr=object_repr or (str(submission) if submission is not None else ""),
        changed_fields=list(changed_fields),
        details=dict(details or {}),
        ip_address=ip_address or None,
    )


def audit_record_access_denied(*, actor: User, path: str, ip_address: str | None) -> AuditEvent:
    """A signed-in staff member refused with 403: one warning log line (user id and username,
    the path without its query string: staff search terms are patient names) and one audit
    event, action "access_denied". The line is written first, so it is there even when the
    database that should hold the event is not."""
    path = path[:_PATH_MAX]
    logger.warning("access denied: user id=%s username=%s path=%s", actor.pk, actor.username, path)
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.ACCESS_DENIED,
        object_repr=path,
        details={"path": path},
        ip_address=ip_address,
    )
