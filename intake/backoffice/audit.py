"""What staff looked at or exported, written to the audit log with who and from where."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from intake.backoffice.permissions import staff_member
from intake.http import client_address
from intake.models import Submission
from intake.services import audit


def audit_staff(
    request: HttpRequest,
    *,
    action: str,
    submission: Submission | None = None,
    details: dict[str, Any] | None = None,
    object_repr: str = "",
) -> None:
    """Record what the signed-in staff member saw or exported, from where (names and ids only)."""
    audit.audit_record(
        actor=staff_member(request),
        action=action,
        submission=submission,
        details=details,
        ip_address=client_address(request),
        object_repr=object_repr,
    )
