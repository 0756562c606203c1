"""The audit log's one writer: names and ids, never clinical values.

Who acted is a staff member (a signed-in User), the patient (`PATIENT`: sending their form, the
emergency advice shown to them, their resume link, cancelling through their emailed link), or
the system (None: tasks, commands, failed logins). Bulk `update()` and `delete()` on
submissions and appointments record their own rows (intake.models.AuditedQuerySet).
"""

from __future__ import annotations

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
