"""The read-only FHIR API: tokens, scopes, errors as OperationOutcomes, every request audited,
and searches that page through a few hundred forms in a constant number of queries.

Personas: the clinic's EHR (a client that reads everything), its booking system (patients and
appointments only), and a stranger with no token or a made-up one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from intake.handover import search, services
from intake.handover.fhir import systems
from intake.handover.models import ApiClient
from intake.models import AuditEvent, Submission
from intake.scheduling.services import booking
from intake.triage import RULESET_VERSION
from tests.factories import (
    PatientFactory,
    SubmissionFactory,
    TriagedSubmissionFactory,
    logged_in,
)
from tests.intake.backoffice.staff import slot_in

pytestmark = pytest.mark.django_db

API = "/fhir/r4/"


def token_for(
    admin: User, *, scope: str = ApiClient.Scope.READ_ALL, name: str = "EHR", days: int = 30
) -> tuple[ApiClient, str]:
    return services.apiclient_create(
        name=name,
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days),
        actor=admin,
    )


@pytest.fixture
def ehr(clinic_admin: User) -> tuple[ApiClient, str]:
    """The clinic's record system: reads everything."""
    return token_for(clinic_admin)


@pytest.fixture
def booking_system(clinic_admin: User) -> tuple[ApiClient, str]:
    """The clinic's booking system: patients and appointments, no answers or triage."""
    return token_for(clinic_admin, scope=ApiClient.Scope.READ_SCHEDULING, name="Bookings")


def get(path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return Client().get(path if path.startswith("/") else API + path, params, headers=headers)


def body(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    data: dict[str, Any] = json.loads(response.content)
    # Whatever it is, fhir.resources reads it.
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    return data


def outcome(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:500]
    data = body(response)
    assert data["resourceType"] == "OperationOutcome"
    [issue] = data["issue"]
    assert issue["severity"] == "error"
    assert issue["code"] == code
    return str(issue["diagnostics"])


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id")[0]


# --- Who may read -------------------------------------------------------------------------------


def test_no_token_is_401_with_an_operation_outcome_and_audited() -> None:
    response = get("Patient")
    assert "Authorization" in outcome(response, 401, "login")
    assert response["WWW-Authenticate"] == 'Bearer realm="fhir"'
    event = last_event()
    assert event.action == "access_denied"
    assert event.details == {
        "via": "fhir_api",
        "reason": "no_token",
        "api_client": None,
        "path": "/fhir/r4/Patient",
    }


def test_a_made_up_token_is_401(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    outcome(get("Patient", token + "x"), 401, "login")
    outcome(get("Patient", "fhir_" + "A" * 43), 401, "login")
    assert last_event().details["reason"] == "unknown_token"


def test_a_revoked_token_is_401(ehr: tuple[ApiClient, str], clinic_admin: User) -> None:
    client, token = ehr
    assert get("Patient", token).status_code == 200
    services.apiclient_revoke(client=client, actor=clinic_admin)
    assert "revoked" in outcome(get("Patient", token), 401, "login")
    event = last_event()
    assert (event.action, event.details["reason"], event.details["api_client"]) == (
        "access_denied",
        "revoked",
        client.pk,
    )


def test_an_expired_token_is_401(ehr: tuple[ApiClient, str]) -> None:
    client, token = ehr
    ApiClient.objects.filter(pk=client.pk).update(expires_at=timezone.now())
    assert "expired" in outcome(get("Patient", token), 401, "login")
    assert last_event().details["reason"] == "expired"


@pytest.mark.parametrize("resource_type", ["QuestionnaireResponse", "RiskAssessment"])
def test_a_token_without_the_scope_is_403(
    booking_system: tuple[ApiClient, str], resource_type: str
) -> None:
    client, token = booking_system
    submission = SubmissionFactory()
    assert "scope" in outcome(get(resource_type, token), 403, "forbidden")
    outcome(get(f"{resource_type}/{submission.reference}", token), 403, "forbidden")
    event = last_event()
    assert (event.action, event.details["reason"], event.details["api_client"]) == (
        "access_denied",
        "scope",
        client.pk,
    )


def test_the_booking_system_reads_patients_and_appointments(
    booking_system: tuple[ApiClient, str],
) -> None:
    _client, token = booking_system
    submission = SubmissionFactory()
    assert get("Appointment", token).status_code == 200
    assert get(f"Patient/{submission.patient_id}", token).status_code == 200
    # The definitions hold no patient data: any valid client may read them.
    assert get("metadata", token).status_code == 200
    assert get(f"Questionnaire/leg-intake-{RULESET_VERSION}", token).status_code == 200


def test_no_session_cookie_or_csrf_is_involved(
    ehr: tuple[ApiClient, str], clinic_admin: User
) -> None:
    _client, token = ehr
    response = get("Patient", token)
    assert response.status_code == 200
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    # A staff member's signed-in browser is nobody here: only a token says who asks.
    outcome(logged_in(clinic_admin).get(API + "Patient"), 401, "login")
    # A write is refused as such (405), not by a CSRF check (403).
    browser = Client(enforce_csrf_checks=True)
    posted = browser.post(API + "Patient", {}, headers={"authorization": f"Bearer {token}"})
    outcome(posted, 405, "not-supported")
    assert posted["Allow"] == "GET"


@override_settings(CLINIC_FHIR_REQUESTS_PER_MINUTE=2)
def test_past_the_rate_limit_requests_are_refused_with_429(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    assert get("Patient", token).status_code == 200
    assert get("Patient", token).status_code == 200
    response = get("Patient", token)
    outcome(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 61
    # Guessing tokens from one address is limited the same way.
    for _ in range(2):
        outcome(get("Patient", "fhir_guess"), 401, "login")
    refused = get("Patient", "fhir_guess")
    outcome(refused, 429, "throttled")
    assert 0 < int(refused["Retry-After"]) <= 61


# --- What it answers ----------------------------------------------------------------------------


def test_the_capability_statement_says_what_the_server_does(ehr: tuple[ApiClient, str]) -> None:
    client, token = ehr
    response = get("metadata", token)
    assert response.status_code == 200
    data = body(response)
    assert data["resourceType"] == "CapabilityStatement"
    assert data["fhirVersion"] == "4.0.1"
    assert data["format"] == ["json"]
    [rest] = data["rest"]
    offered = {r["type"]: r for r in rest["resource"]}
    assert set(offered) == {
        "QuestionnaireResponse",
        "RiskAssessment",
        "Patient",
        "Appointment",
        "Slot",
        "Schedule",
        "Questionnaire",
    }
    params = {p["name"] for p in offered["QuestionnaireResponse"]["searchParam"]}
    assert params == {"_lastUpdated", "_id", "_count"}
    assert "_lastUpdated" not in {p["name"] for p in offered["Slot"]["searchParam"]}
    assert offered["Questionnaire"]["interaction"] == [{"code": "read"}]
    assert last_event().details["api_client"] == client.pk


def test_the_questionnaire_is_read_by_its_versioned_id(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    data = body(get(f"Questionnaire/leg-intake-{RULESET_VERSION}", token))
    assert data["version"] == RULESET_VERSION
    assert "current" in outcome(get("Questionnaire/leg-intake-2020.1", token), 404, "not-found")
    outcome(get("Questionnaire", token), 400, "not-supported")


def test_one_resource_is_read_by_id_and_the_read_is_on_the_cases_history(
    ehr: tuple[ApiClient, str],
) -> None:
    client, token = ehr
    submission = SubmissionFactory()
    data = body(get(f"QuestionnaireResponse/{submission.reference}", token))
    assert data["id"] == submission.reference
    event = last_event()
    assert event.action == "export"
    assert event.submission_id == submission.pk
    assert event.details["api_client"] == client.pk
    assert event.details["ids"] == [submission.reference]
    assert body(get(f"RiskAssessment/{submission.reference}", token))["resourceType"] == (
        "RiskAssessment"
    )
    assert body(get(f"Patient/{submission.patient_id}", token))["id"] == str(submission.patient_id)


def test_drafts_are_never_served(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    draft = SubmissionFactory(status=Submission.Status.DRAFT)
    outcome(get(f"QuestionnaireResponse/{draft.reference}", token), 404, "not-found")
    assert "entry" not in body(get("QuestionnaireResponse", token))


@pytest.mark.parametrize(
    "path",
    [
        "Observation",
        "Observation/1",
        "Patient/999999",
        "Patient/not-a-number",
        "QuestionnaireResponse/LEG-NONE-0000",
        "Patient/1/_history/2",
        "",
    ],
)
def test_unknown_resources_are_404(ehr: tuple[ApiClient, str], path: str) -> None:
    client, token = ehr
    outcome(get(path, token), 404, "not-found")
    event = last_event()
    assert event.details["api_client"] == client.pk
    assert event.details["status"] == 404


@pytest.mark.parametrize(
    ("resource_type", "params", "says"),
    [
        ("Patient", {"_lastUpdated": "yesterday"}, "_lastUpdated"),
        ("Patient", {"_lastUpdated": "gt2026-01-01T10:00:00"}, "time zone"),
        ("Patient", {"_count": "0"}, "_count"),
        ("Patient", {"_count": "1000"}, "_count"),
        ("Patient", {"_count": "ten"}, "_count"),
        ("Patient", {"name": "Ada"}, "name"),
        ("Patient", {"_cursor": "made-up"}, "_cursor"),
        ("Patient", {"_id": "a b"}, "_id"),
        ("Patient", {"_format": "xml"}, "JSON"),
        ("Slot", {"_lastUpdated": "gt2026-01-01"}, "_lastUpdated"),
    ],
)
def test_a_bad_parameter_is_400(
    ehr: tuple[ApiClient, str], resource_type: str, params: dict[str, str], says: str
) -> None:
    client, token = ehr
    assert says in outcome(get(resource_type, token, **params), 400, "invalid")
    assert last_event().details == {
        "via": "fhir_api",
        "api_client": client.pk,
        "api_client_name": "EHR",
        "interaction": "error",
        "resource_type": resource_type,
        "ids": [],
        "path": f"/fhir/r4/{resource_type}",
        "status": 400,
    }


def test_a_cursor_of_another_search_is_refused(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    SubmissionFactory.create_batch(3)
    first = body(get("Patient", token, _count="1"))
    cursor = parse_qs(urlsplit(first["link"][1]["url"]).query)["_cursor"][0]
    outcome(get("Appointment", token, _cursor=cursor), 400, "invalid")


def test_every_request_is_audited_with_its_client(
    ehr: tuple[ApiClient, str], booking_system: tuple[ApiClient, str]
) -> None:
    (client, token), (bookings, booking_token) = ehr, booking_system
    submission = SubmissionFactory()
    before = AuditEvent.objects.count()
    requests = [
        (token, "metadata"),
        (token, "Patient"),
        (token, f"QuestionnaireResponse/{submission.reference}"),
        (token, "Observation"),
        (token, "Patient?_count=0"),
        (booking_token, "RiskAssessment"),
        (None, "Patient"),
    ]
    for who, path in requests:
        get(path, who)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == len(requests)
    assert [e.details["api_client"] for e in events] == [client.pk] * 5 + [bookings.pk, None]
    assert all(e.details["via"] == "fhir_api" for e in events)


# --- Searches and pages -------------------------------------------------------------------------


def _sent_forms(count: int) -> list[Submission]:
    """`count` sent forms, each with its patient, in a few statements."""
    patients = PatientFactory.create_batch(count)
    forms = SubmissionFactory.build_batch(count, patient=None)
    for form, patient in zip(forms, patients, strict=True):
        form.patient = patient
    return Submission.objects.bulk_create(forms)


def _walk(path: str, token: str, **params: Any) -> tuple[list[str], list[int]]:
    """Follow the next links to the end: the ids in order, and the queries of each page."""
    ids: list[str] = []
    queries: list[int] = []
    url: str | None = API + path
    query: dict[str, Any] = dict(params)
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = Client().get(url, query, headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.content[:500]
        data = body(response)
        assert data["type"] == "searchset"
        queries.append(len(captured.captured_queries))
        ids += [entry["resource"]["id"] for entry in data.get("entry", [])]
        links = {link["relation"]: link["url"] for link in data["link"]}
        assert links["self"].startswith(systems.api_base())
        url = links.get("next", "").removeprefix(systems.api_base()) or None
        if url:
            url = "/fhir/r4" + url
        query = {}
    return ids, queries


@pytest.mark.parametrize("resource_type", ["QuestionnaireResponse", "RiskAssessment"])
def test_paging_through_a_few_hundred_forms_takes_the_same_queries_per_page(
    ehr: tuple[ApiClient, str], resource_type: str
) -> None:
    _client, token = ehr
    few = _sent_forms(12)
    few_ids, few_queries = _walk(resource_type, token, _count="50")
    assert few_ids == [s.reference for s in few]
    many = few + _sent_forms(288)
    many_ids, many_queries = _walk(resource_type, token, _count="50")
    # Every form once, in order of last change (then id), on six pages.
    assert many_ids == [s.reference for s in sorted(many, key=lambda s: (s.updated_at, s.pk))]
    assert len(many_queries) == 6
    # The token, the page, the audit event: the same on every page, at 12 forms or 300.
    assert set(many_queries) == set(few_queries) == {3}


def test_last_updated_returns_only_what_changed_since(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    old = _sent_forms(5)
    Submission.objects.filter(pk__in=[s.pk for s in old]).update(
        updated_at=timezone.now() - dt.timedelta(days=3)
    )
    since = timezone.now() - dt.timedelta(days=1)
    new = _sent_forms(4)
    ids, _queries = _walk(
        "QuestionnaireResponse", token, _lastUpdated=f"gt{systems.instant(since)}", _count="3"
    )
    assert sorted(ids) == sorted(str(s.reference) for s in new)
    # A range, by date (in the clinic's time zone), and its other end.
    day = timezone.localdate(timezone.now() - dt.timedelta(days=3)).isoformat()
    ids, _queries = _walk("QuestionnaireResponse", token, _lastUpdated=[f"ge{day}", f"le{day}"])
    assert sorted(ids) == sorted(str(s.reference) for s in old)
    ids, _queries = _walk("Patient", token, _lastUpdated=f"lt{systems.instant(since)}")
    assert ids == []  # the patients themselves were not changed


def test_search_by_id(ehr: tuple[ApiClient, str]) -> None:
    _client, token = ehr
    forms = _sent_forms(4)
    wanted = f"{forms[0].reference},{forms[2].reference}"
    data = body(get("QuestionnaireResponse", token, _id=wanted))
    assert [e["resource"]["id"] for e in data["entry"]] == [forms[0].reference, forms[2].reference]
    assert all(e["search"] == {"mode": "match"} for e in data["entry"])
    data = body(get("Patient", token, _id=f"{forms[1].patient_id},nope"))
    assert [e["resource"]["id"] for e in data["entry"]] == [str(forms[1].patient_id)]


def test_appointments_are_polled_with_their_slot_and_schedule_readable(
    ehr: tuple[ApiClient, str], receptionist: User
) -> None:
    _client, token = ehr
    booked = [
        booking.appointment_book(
            submission=TriagedSubmissionFactory(), slot=slot_in(30 + i), actor=receptionist
        )
        for i in range(3)
    ]
    ids, queries = _walk("Appointment", token, _count="2")
    assert ids == [str(a.pk) for a in booked]
    assert set(queries) == {3}
    slot = body(get(f"Slot/{booked[0].slot_id}", token))
    assert slot["status"] == "busy"
    schedule = body(get(slot["schedule"]["reference"], token))
    assert schedule["resourceType"] == "Schedule"
    assert body(get("Slot", token, _id=str(booked[1].slot_id)))["entry"][0]["resource"]["id"] == (
        str(booked[1].slot_id)
    )


def test_the_page_size_has_a_default_and_a_ceiling() -> None:
    assert search.DEFAULT_COUNT == 50
    assert search.MAX_COUNT == 100
