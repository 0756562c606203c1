"""The FHIR API's clients in the admin: Cleo (clinic admin) creates one and sees its token
once; only its hash is kept; she can revoke it; nobody deletes one. Tess and Rita may not."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from intake.handover import tokens
from intake.handover.models import ApiClient
from intake.models import AuditEvent
from tests.intake.backoffice.staff import logged_in

pytestmark = pytest.mark.django_db

CLIENTS = "/admin/handover/apiclient/"


def _create(browser: Client, name: str = "EHR (live)") -> str:
    """Add a client through the admin's form; the token the page shows."""
    expires = timezone.localtime() + dt.timedelta(days=90)
    response = browser.post(
        CLIENTS + "add/",
        {
            "name": name,
            "scope": ApiClient.Scope.READ_ALL,
            "expires_at_0": expires.date().isoformat(),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "no-store" in response["Cache-Control"]
    [token] = re.findall(r'value="(fhir_[^"]+)"', response.content.decode())
    return html.unescape(token)


def test_a_clinic_admin_creates_a_client_and_sees_its_token_once(clinic_admin: User) -> None:
    browser = logged_in(clinic_admin)
    token = _create(browser)
    client = ApiClient.objects.get()
    assert client.name == "EHR (live)"
    assert client.created_by == clinic_admin
    assert client.token_hash == tokens.token_hash(token)
    assert token.startswith(client.token_prefix)
    # The token works...
    api = Client().get("/fhir/r4/metadata", headers={"authorization": f"Bearer {token}"})
    assert api.status_code == 200
    # ...and is never shown again, nor stored anywhere.
    for page in (CLIENTS, CLIENTS + f"{client.pk}/change/"):
        shown = browser.get(page).content.decode()
        assert token not in shown
        assert client.token_prefix in shown
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM handover_apiclient")
        assert not any(token in str(value) for row in cursor.fetchall() for value in row)
    event = AuditEvent.objects.get(action="change", details__event="created")
    assert event.actor == clinic_admin
    assert event.details == {"api_client": client.pk, "event": "created", "scope": "system/*.read"}


def test_a_clinic_admin_revokes_a_client_and_its_token_stops_working(clinic_admin: User) -> None:
    browser = logged_in(clinic_admin)
    token = _create(browser)
    client = ApiClient.objects.get()
    response = browser.post(CLIENTS, {"action": "revoke", "_selected_action": [client.pk]})
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.revoked_by == clinic_admin and client.revoked_at is not None
    assert client.state() == "revoked"
    api = Client().get("/fhir/r4/metadata", headers={"authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert AuditEvent.objects.filter(action="change", details__event="revoked").count() == 1
    # Revoking again changes nothing, and says so.
    page = browser.post(CLIENTS, {"action": "revoke", "_selected_action": [client.pk]}, follow=True)
    assert "revoked already" in page.content.decode()
    assert AuditEvent.objects.filter(action="change", details__event="revoked").count() == 1


def test_nobody_deletes_a_client_or_edits_it(clinic_admin: User) -> None:
    browser = logged_in(clinic_admin)
    _create(browser)
    client = ApiClient.objects.get()
    assert browser.post(CLIENTS + f"{client.pk}/delete/").status_code == 403
    page = browser.get(CLIENTS + f"{client.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    browser.post(CLIENTS + f"{client.pk}/change/", {"name": "Renamed"})
    client.refresh_from_db()
    assert client.name == "EHR (live)"


@pytest.mark.parametrize("persona", ["triage_nurse", "receptionist"])
def test_other_staff_may_not_see_or_create_clients(
    persona: str, request: pytest.FixtureRequest
) -> None:
    browser = logged_in(request.getfixturevalue(persona))
    assert browser.get(CLIENTS).status_code == 403
    assert browser.get(CLIENTS + "add/").status_code == 403
    assert not ApiClient.objects.exists()


def test_a_token_cannot_be_made_already_expired(clinic_admin: User) -> None:
    response = logged_in(clinic_admin).post(
        CLIENTS + "add/",
        {
            "name": "EHR",
            "scope": ApiClient.Scope.READ_ALL,
            "expires_at_0": "2020-01-01",
            "expires_at_1": "09:00:00",
        },
    )
    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()
    assert not ApiClient.objects.exists()
