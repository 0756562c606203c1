"""The handover's writes: API clients created and revoked, and the audit of what left.

Every request to the FHIR API is audited (one event per request, with the client and the ids
of what it returned), and so is every refusal. Audit events hold names and ids, never the data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.handover import tokens
from intake.handover.models import ApiClient
from intake.models import AuditEvent, Submission
from intake.services import audit

logger = logging.getLogger(__name__)

_REPR_MAX = 200
_PATH_MAX = 200


@transaction.atomic
def apiclient_create(
    *,
    name: str,
    scope: str,
    expires_at: dt.datetime,
    actor: User,
    ip_address: str | None = None,
) -> tuple[ApiClient, str]:
    """A new API client and its token, which is returned here and never again (only its hash
    is kept). Side effects: the client row, an audit event."""
    token = tokens.new_token()
    client = ApiClient.objects.create(
        name=name.strip(),
        scope=scope,
        expires_at=expires_at,
        token_hash=tokens.token_hash(token),
        token_prefix=tokens.shown_part(token),
        created_by=actor,
    )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        details={"api_client": client.pk, "event": "created", "scope": scope},
        ip_address=ip_address,
        object_repr=str(client)[:_REPR_MAX],
    )
    return client, token


@transaction.atomic
def apiclient_revoke(
    *,
    client: ApiClient,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> ApiClient:
    """Stop a client's token working, at once and for good. Side effects: the client row, an
    audit event. Raises ValidationError if it was revoked already."""
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("This API client was revoked already."))
    locked.revoked_at = now or timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.CHANGE,
        details={"api_client": locked.pk, "event": "revoked"},
        ip_address=ip_address,
        object_repr=str(locked)[:_REPR_MAX],
    )
    return locked


def api_request_audit(
    *,
    client: ApiClient,
    path: str,
    interaction: str,
    resource_type: str,
    ids: Sequence[str],
    submission: Submission | None = None,
    ip_address: str | None = None,
    status: int = 200,
) -> None:
    """One request the API answered (`status`: 200, or 400/404/405 for a client's mistake): who
    (the client), what (the resource type, and the ids it returned) and from where. On the
    case's history when it concerned one case."""
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.EXPORT,
        submission=submission,
        details={
            "via": "fhir_api",
            "api_client": client.pk,
            "api_client_name": client.name,
            "interaction": interaction,
            "resource_type": resource_type,
            "ids": list(ids),
            "path": path[:_PATH_MAX],
            "status": status,
        },
        ip_address=ip_address,
        object_repr=f"FHIR API: {client.name}"[:_REPR_MAX],
    )


def api_request_refused(
    *,
    reason: str,
    path: str,
    client: ApiClient | None = None,
    ip_address: str | None = None,
) -> None:
    """A request the API refused (no token, an unknown, revoked or expired one, or one without
    the scope): a warning in the log (no token or data in it) and an audit event."""
    path = path[:_PATH_MAX]
    who = f"client id={client.pk}" if client is not None else "no client"
    logger.warning("FHIR API request refused (%s): %s path=%s", reason, who, path)
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.ACCESS_DENIED,
        details={
            "via": "fhir_api",
            "reason": reason,
            "api_client": client.pk if client is not None else None,
            "path": path,
        },
        ip_address=ip_address,
        object_repr=(f"FHIR API: {client.name}" if client is not None else "FHIR API")[:_REPR_MAX],
    )
