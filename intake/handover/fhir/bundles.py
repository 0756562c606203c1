"""What carries the resources: Bundles, OperationOutcomes and the CapabilityStatement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from intake.handover.fhir import systems


def _entry(resource: Resource, **extra: Any) -> dict[str, Any]:
    return {
        "fullUrl": systems.full_url(resource.get_resource_type(), resource.id),
        "resource": resource,
        **extra,
    }


def collection(resources: Iterable[Resource]) -> Bundle:
    """A Bundle of type collection: one case's resources, for a file (manage.py fhir_export,
    the case page's download)."""
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": systems.instant(timezone.now()),
            "entry": [_entry(resource) for resource in resources],
        }
    )


def searchset(resources: Sequence[Resource], *, self_url: str, next_url: str | None) -> Bundle:
    """One page of a search: its entries, and links to itself and to the next page (none on the
    last). No `total`: counting every match would cost a scan of the table per page."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": systems.instant(timezone.now()),
        "link": links,
    }
    if resources:
        data["entry"] = [_entry(resource, search={"mode": "match"}) for resource in resources]
    return Bundle.model_validate(data)


def operation_outcome(code: str, diagnostics: str, *, severity: str = "error") -> OperationOutcome:
    """An error as FHIR says it: `code` from the issue-type value set ("login", "forbidden",
    "not-found", "invalid", "not-supported", "throttled")."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
        }
    )


@dataclass(frozen=True)
class Supported:
    """What the API offers for one resource type."""

    type: str
    search_params: tuple[tuple[str, str, str], ...]  # (name, type, documentation)
    searchable: bool = True


def capability_statement(supported: Sequence[Supported]) -> CapabilityStatement:
    """What this server does: read-only FHIR R4 in JSON, with a bearer token."""
    resources = []
    for each in supported:
        interactions = [{"code": "read"}]
        if each.searchable:
            interactions.append({"code": "search-type"})
        entry: dict[str, Any] = {"type": each.type, "interaction": interactions}
        if each.search_params:
            entry["searchParam"] = [
                {"name": name, "type": kind, "documentation": text}
                for name, kind, text in each.search_params
            ]
        resources.append(entry)
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": timezone.localdate().isoformat(),
            "publisher": settings.CLINIC_NAME,
            "kind": "instance",
            "software": {"name": "Clinic intake"},
            "implementation": {
                "description": f"{settings.CLINIC_NAME}: leg problem intake (read-only)",
                "url": systems.api_base(),
            },
            "fhirVersion": systems.FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Read-only. Every request needs an API client's token, as "
                        "'Authorization: Bearer <token>'; a clinic admin creates clients in "
                        "the staff admin. Searches return pages in order of last change."
                    ),
                    "security": {
                        "description": (
                            "Bearer tokens issued by the clinic (not OAuth): each is scoped "
                            "to read, expires, and can be revoked."
                        )
                    },
                    "resource": resources,
                }
            ],
        }
    )
