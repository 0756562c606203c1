"""The read-only FHIR API under /fhir/r4/ (docs/integration.md), for the clinic's systems.

Every request carries an API client's token (`Authorization: Bearer <token>`): no session, no
cookie, no CSRF (nothing here changes anything: GET only). Answers are `application/fhir+json`;
errors are OperationOutcomes: 401 without a valid token (none, unknown, revoked, expired), 403
for a resource type outside the client's scope, 404 for an unknown resource type or id, 400 for
a search parameter the API does not offer, 405 for anything but GET, 429 past the rate limit.

Every request is audited with its client (intake/handover/services.py), refusals included; a
request refused for the rate limit is logged only (auditing a flood would be the flood).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.resource import Resource

from intake.handover import ratelimit, search, selectors, services, tokens
from intake.handover.fhir import bundles, resources, systems
from intake.handover.fhir.questionnaire import build_questionnaire
from intake.handover.models import ApiClient
from intake.http import client_address
from intake.models import Submission
from intake.triage import RULESET_VERSION


class ApiError(Exception):
    """A refusal, answered with an OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str, *, retry_after: int = 0) -> None:
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics
        self.retry_after = retry_after  # seconds, for a 429


def fhir_response(resource: Resource, status: int = 200) -> HttpResponse:
    return HttpResponse(
        resource.model_dump_json(),
        status=status,
        content_type=f"{systems.CONTENT_TYPE}; charset=utf-8",
    )


def error_response(status: int, code: str, diagnostics: str) -> HttpResponse:
    response = fhir_response(bundles.operation_outcome(code, diagnostics), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


# --- What can be read ---------------------------------------------------------------------------


def _case_of_submission(row: Submission) -> Submission | None:
    return row


def _no_case(row: Model) -> Submission | None:
    return None


@dataclass(frozen=True)
class Kind:
    """One resource type the API serves: its rows, how one becomes a resource, and how it is
    found (its id is the form's reference, or the row's number) and searched."""

    name: str
    rows: Callable[[], QuerySet[Any]]
    build: Callable[[Any], Resource]
    by_reference: bool = False
    updated: str | None = "updated_at"  # the field _lastUpdated reads (None: not offered)
    case: Callable[[Any], Submission | None] = _no_case  # the case a read concerns (audit)

    def resource_id(self, row: Any) -> str:
        return str(row.reference if self.by_reference else row.pk)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "QuestionnaireResponse",
            selectors.submission_list_sent,
            resources.questionnaire_response,
            by_reference=True,
            case=_case_of_submission,
        ),
        Kind(
            "RiskAssessment",
            selectors.submission_list_sent,
            resources.risk_assessment,
            by_reference=True,
            case=_case_of_submission,
        ),
        Kind("Patient", selectors.patient_list, resources.patient),
        Kind(
            "Appointment",
            selectors.appointment_list,
            resources.appointment,
            case=lambda row: row.submission,
        ),
        # No time of last change of their own (a slot turns busy when booked): read and _id.
        Kind(
            "Slot",
            selectors.slot_list,
            lambda row: resources.slot(row, busy=row.busy),
            updated=None,
        ),
        Kind("Schedule", selectors.clinician_list, resources.schedule, updated=None),
    )
}
QUESTIONNAIRE = "Questionnaire"


def supported() -> list[bundles.Supported]:
    """What the CapabilityStatement lists: each kind's search parameters, and the Questionnaire
    (read only)."""
    common = (
        ("_id", "token", "Resource ids, comma-separated."),
        ("_count", "number", f"Page size, 1-{search.MAX_COUNT} (default {search.DEFAULT_COUNT})."),
    )
    polled = (
        (
            "_lastUpdated",
            "date",
            "Changed since: gt<instant> (also ge, lt, le, eq; repeat for a range).",
        ),
    )
    found = [
        bundles.Supported(kind.name, (polled if kind.updated else ()) + common)
        for kind in KINDS.values()
    ]
    return [*found, bundles.Supported(QUESTIONNAIRE, (), searchable=False)]


# --- Who is asking ------------------------------------------------------------------------------


def _client(request: HttpRequest) -> ApiClient:
    """The request's API client, or ApiError 401 (audited, and counted per address)."""
    token = tokens.bearer_token(request)
    client = selectors.apiclient_get_by_token_hash(tokens.token_hash(token)) if token else None
    reason = "no_token" if token is None else "unknown_token" if client is None else client.state()
    if reason == "active" and client is not None:
        return client
    within, left = ratelimit.allowed(ratelimit.address_key(client_address(request)))
    if not within:
        raise ApiError(429, "throttled", "Too many requests: wait a minute.", retry_after=left)
    services.api_request_refused(
        reason=reason, path=request.path, client=client, ip_address=client_address(request) or None
    )
    messages = {
        "no_token": "No token: send 'Authorization: Bearer <token>'.",
        "unknown_token": "This token is not known.",
        "revoked": "This token was revoked.",
        "expired": "This token has expired.",
    }
    raise ApiError(401, "login", messages[reason])


ApiView = Callable[..., HttpResponse]


def api_view(view: ApiView) -> ApiView:
    """GET only, a valid token, within the rate limit; errors as OperationOutcomes."""

    @wraps(view)
    @csrf_exempt  # no cookies are read: a token, not a session, says who asks
    @never_cache
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        client = None
        try:
            client = _client(request)
            within, left = ratelimit.allowed(f"client:{client.pk}")
            if not within:
                raise ApiError(
                    429, "throttled", "Too many requests: wait a minute.", retry_after=left
                )
            if request.method != "GET":
                raise ApiError(405, "not-supported", "This API is read-only: GET only.")
            return view(request, client, **kwargs)
        except ApiError as error:
            if client is not None and error.status in (400, 404, 405):
                # A client's mistake is audited like an answer; refusals were, by _client
                # and _may_read.
                _audit(request, client, "error", kwargs.get("resource_type", ""), [], None, error)
            response = error_response(error.status, error.code, error.diagnostics)
            if error.status == 405:
                response["Allow"] = "GET"
            if error.retry_after:
                response["Retry-After"] = str(error.retry_after)
            return response

    return wrapper


def _may_read(request: HttpRequest, client: ApiClient, resource_type: str) -> None:
    if resource_type in KINDS and not client.may_read(resource_type):
        services.api_request_refused(
            reason="scope",
            path=request.path,
            client=client,
            ip_address=client_address(request) or None,
        )
        raise ApiError(403, "forbidden", f"This token's scope does not include {resource_type}.")


def _kind(resource_type: str) -> Kind:
    kind = KINDS.get(resource_type)
    if kind is None:
        raise ApiError(404, "not-found", f"This server has no resource type {resource_type!r}.")
    return kind


def _audit(
    request: HttpRequest,
    client: ApiClient,
    interaction: str,
    resource_type: str,
    ids: list[str],
    submission: Submission | None = None,
    error: ApiError | None = None,
) -> None:
    services.api_request_audit(
        client=client,
        path=request.path,
        interaction=interaction,
        resource_type=resource_type,
        ids=ids,
        submission=submission,
        ip_address=client_address(request) or None,
        status=error.status if error is not None else 200,
    )


# --- The endpoints ------------------------------------------------------------------------------


@api_view
def metadata(request: HttpRequest, client: ApiClient) -> HttpResponse:
    """GET /fhir/r4/metadata: the CapabilityStatement."""
    _audit(request, client, "capabilities", "CapabilityStatement", [])
    return fhir_response(bundles.capability_statement(supported()))


@api_view
def search_type(request: HttpRequest, client: ApiClient, resource_type: str) -> HttpResponse:
    """GET /fhir/r4/<type>?...: a searchset Bundle, one page in order of last change."""
    if resource_type == QUESTIONNAIRE:
        raise ApiError(400, "not-supported", f"Read the Questionnaire by id: {_questionnaire_id()}")
    kind = _kind(resource_type)
    _may_read(request, client, resource_type)
    try:
        wanted = search.parse(
            request.GET, kind=kind.name, by_reference=kind.by_reference, updated=kind.updated
        )
    except search.BadParameter as error:
        raise ApiError(400, "invalid", str(error)) from None
    rows, more = search.page(kind.rows(), wanted, updated=kind.updated)
    found = [kind.build(row) for row in rows]
    next_url = None
    if more:
        params = [(k, v) for k, values in request.GET.lists() if k != "_cursor" for v in values]
        params.append(("_cursor", search.cursor(rows[-1], kind=kind.name, updated=kind.updated)))
        next_url = f"{systems.api_base()}/{kind.name}?{urlencode(params)}"
    query = request.META.get("QUERY_STRING", "")
    self_url = f"{systems.api_base()}/{kind.name}" + (f"?{query}" if query else "")
    bundle = bundles.searchset(found, self_url=self_url, next_url=next_url)
    _audit(request, client, "search", kind.name, [kind.resource_id(row) for row in rows])
    return fhir_response(bundle)


def _questionnaire_id() -> str:
    return systems.questionnaire_id(RULESET_VERSION)


@api_view
def read(
    request: HttpRequest, client: ApiClient, resource_type: str, resource_id: str
) -> HttpResponse:
    """GET /fhir/r4/<type>/<id>: one resource."""
    if resource_type == QUESTIONNAIRE:
        if resource_id != _questionnaire_id():
            raise ApiError(
                404,
                "not-found",
                f"Only the current Questionnaire is served here: {_questionnaire_id()}.",
            )
        _audit(request, client, "read", QUESTIONNAIRE, [resource_id])
        return fhir_response(build_questionnaire())
    kind = _kind(resource_type)
    _may_read(request, client, resource_type)
    row = None
    if search.ID_RE.fullmatch(resource_id):
        rows = kind.rows()
        if kind.by_reference:
            row = rows.filter(reference=resource_id).first()
        elif resource_id.isdigit():
            row = rows.filter(pk=int(resource_id)).first()
    if row is None:
        raise ApiError(404, "not-found", f"No {resource_type} with id {resource_id!r}.")
    resource = kind.build(row)
    _audit(request, client, "read", kind.name, [resource_id], kind.case(row))
    return fhir_response(resource)


@api_view
def not_found(request: HttpRequest, client: ApiClient, rest: str = "") -> HttpResponse:
    """Any other path under /fhir/r4/: a 404 OperationOutcome (after the token check)."""
    raise ApiError(404, "not-found", "Nothing here: see /fhir/r4/metadata.")
