"""The audit log's one writer: names and ids, never clinical values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib.auth.models import AnonymousUser, User

from intake.models import (
    AuditEvent,
    Submission,
)


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    submission: Submission | None = None,
    changed_fields: Sequence[str] = (),
    details: Mapping[str, object] | None = None,
    ip_address: str | None = None,
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit log. Names only: never copy clinical values into it."""
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=getattr(actor, "username", "") or "",
        action=action,
        submission=submission,
        object_repr=object_repr or (str(submission) if submission is not None else ""),
        changed_fields=list(changed_fields),
        details=dict(details or {}),
        ip_address=ip_address or None,
    )
