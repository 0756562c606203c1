"""The queue's data-rights actions (issue 18): "Export this patient's data" (a zip of the JSON and
HTML copies) and "Erase this patient's data" (a page asking for the reason and, inside the
retention period, a second clinic admin signing in with their own password). Clinic admins only:
Rita (reception) and Tess (triage) are neither offered them nor able to forge them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from intake import roles
from intake.models import AuditEvent, Patient, Submission
from tests.factories import STAFF_PASSWORD, staff_user
from tests.intake.backoffice.staff import QUEUE, logged_in
from tests.intake.data_rights_world import ALEX, XANDER, World, build_world, traces

pytestmark = pytest.mark.django_db

ALL = QUEUE + "?queue=all"  # the queue with every status shown: where a request is looked up
REASON = "Erasure request by email of 4 March, ref DR-2026-032"
ACTIONS = ("export_patient_data", "erase_patient_data")


@pytest.fixture
def world(triage_nurse: User, receptionist: User, clinic_admin: User) -> World:
    return build_world(
        triage_nurse=triage_nurse, receptionist=receptionist, clinic_admin=clinic_admin
    )


@pytest.fixture
def second_admin(db: None) -> User:
    return staff_user("omar", roles.CLINIC_ADMIN)


def act(client: Client, action: str, *submissions: Submission, follow: bool = False) -> Any:
    return client.post(
        ALL, {"action": action, "_selected_action": [s.pk for s in submissions]}, follow=follow
    )


def erase_url(patient: Patient) -> str:
    return f"/admin/intake/submission/patient/{patient.pk}/erase/"


def _alex_untouched(world: World) -> None:
    alex = Patient.objects.get(pk=world.alex.pk)
    assert alex.full_name == ALEX["name"]
    assert not AuditEvent.objects.filter(action="erase").exists()


# --- Who is offered what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "offered"), [("receptionist", False), ("triage", False), ("admin", True)]
)
def test_only_clinic_admins_are_offered_the_data_rights_actions(
    world: World, persona: str, offered: bool
) -> None:
    html = logged_in(world.staff[persona]).get(ALL).content.decode()
    for action in ACTIONS:
        assert (f'value="{action}"' in html) is offered


@pytest.mark.parametrize("persona", ["receptionist", "triage"])
@pytest.mark.parametrize("action", ACTIONS)
def test_a_forged_action_is_refused_with_no_file_and_nothing_done(
    world: World, persona: str, action: str
) -> None:
    response = act(logged_in(world.staff[persona]), action, world.sent)
    assert response.status_code in (200, 302)
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    if response.status_code == 302:
        assert "/erase/" not in response["Location"]
    assert not AuditEvent.objects.filter(action__in=["export", "erase"]).exists()


@pytest.mark.parametrize("persona", ["receptionist", "triage"])
@pytest.mark.parametrize("action", ACTIONS)
def test_the_actions_themselves_refuse_a_user_without_the_permission(
    world: World, persona: str, action: str, rf: RequestFactory
) -> None:
    request = rf.post(QUEUE)
    request.user = world.staff[persona]
    model_admin = admin.site.get_model_admin(Submission)
    with pytest.raises(PermissionDenied):
        getattr(model_admin, action)(request, Submission.objects.filter(pk=world.sent.pk))
    assert not AuditEvent.objects.filter(action__in=["export", "erase"]).exists()


# --- Export ------------------------------------------------------------------------------------


def test_a_clinic_admin_downloads_one_patients_data_as_a_zip(world: World) -> None:
    response = act(logged_in(world.staff["admin"]), "export_patient_data", world.sent)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    stem = f"patient-{world.alex.pk}-"
    assert f'filename="{stem}' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert [name.rsplit(".", 1)[1] for name in names] == ["json", "html"]
    data = json.loads(archive.read(names[0]))
    html = archive.read(names[1]).decode()
    assert data["patient"]["id"] == world.alex.pk
    for text in (json.dumps(data), html):
        assert ALEX["free_text"] in text and ALEX["note"] in text
        assert not [canary for canary in XANDER.values() if canary in text]
    events = AuditEvent.objects.filter(action="export")
    assert events.count() == 3  # her three forms, each with its own history entry
    assert {e.actor for e in events} == {world.staff["admin"]}


def test_any_one_of_her_forms_will_do_but_not_two_patients_or_a_draft(world: World) -> None:
    client = logged_in(world.staff["admin"])
    two = act(client, "export_patient_data", world.sent, world.xander_sent, follow=True)
    assert "Content-Disposition" not in two
    assert "Select the forms of one patient only." in two.content.decode()
    draft = act(client, "export_patient_data", world.plain_draft, follow=True)
    assert "Content-Disposition" not in draft
    assert "an unfinished form has no patient record yet" in draft.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
    both_hers = act(client, "export_patient_data", world.sent, world.emergency_draft)
    assert both_hers["Content-Type"] == "application/zip"


# --- Erasure -------------------------------------------------------------------------------------


def test_the_erase_action_leads_to_the_patients_erasure_page(world: World) -> None:
    client = logged_in(world.staff["admin"])
    response = act(client, "erase_patient_data", world.sent)
    assert response.status_code == 302
    assert response["Location"] == erase_url(world.alex)
    page = client.get(erase_url(world.alex)).content.decode()
    assert ALEX["name"] in page  # to check it is the right person
    assert "inside the retention period" in page and "second clinic admin" in page
    _alex_untouched(world)
    # Seeing who the patient is, is a view in the audit log, by id (and in her access log).
    viewed = AuditEvent.objects.filter(action="view", submission__isnull=True).get()
    assert viewed.actor == world.staff["admin"]
    assert viewed.object_repr == f"Patient #{world.alex.pk}"
    assert viewed.details == {"patient": world.alex.pk, "page": "erasure"}


@pytest.mark.parametrize("persona", ["receptionist", "triage"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_erasure_page_refuses_everyone_but_clinic_admins(
    world: World, second_admin: User, persona: str, method: str
) -> None:
    client = logged_in(world.staff[persona])
    data = {"reason": REASON, "confirmer_username": "omar", "confirmer_password": STAFF_PASSWORD}
    response = getattr(client, method)(erase_url(world.alex), data if method == "post" else {})
    assert response.status_code == 403
    _alex_untouched(world)
    [refusal] = AuditEvent.objects.filter(action="access_denied")
    assert refusal.actor == world.staff[persona]


def test_erasure_with_a_second_admins_sign_in_leaves_no_trace(
    world: World, second_admin: User
) -> None:
    client = logged_in(world.staff["admin"])
    response = client.post(
        erase_url(world.alex),
        {"reason": REASON, "confirmer_username": "omar", "confirmer_password": STAFF_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == QUEUE
    assert f"Patient #{world.alex.pk} erased: 2 form(s) anonymised, 1 deleted" in (
        response.content.decode()
    )
    assert traces(ALEX.values()) == []
    summary = AuditEvent.objects.get(action="erase", submission__isnull=True)
    assert summary.actor == world.staff["admin"]
    assert summary.details["confirmed_by"] == "omar" and summary.details["reason"] == REASON
    assert summary.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("confirmer", "password", "message"),
    [
        ("", "", "a second clinic admin must confirm"),
        ("omar", "wrong password", "user name or password is not right"),
        ("cleo", STAFF_PASSWORD, "not by you"),
        ("tess", STAFF_PASSWORD, "only an active clinic admin can"),
    ],
)
def test_erasure_inside_retention_is_refused_without_a_second_clinic_admin(
    world: World, second_admin: User, confirmer: str, password: str, message: str
) -> None:
    client = logged_in(world.staff["admin"])
    response = client.post(
        erase_url(world.alex),
        {"reason": REASON, "confirmer_username": confirmer, "confirmer_password": password},
    )
    assert response.status_code == 200  # the page again, with why
    assert message in response.content.decode()
    _alex_untouched(world)


def test_a_reason_naming_the_patient_is_refused_on_the_page(
    world: World, second_admin: User
) -> None:
    response = logged_in(world.staff["admin"]).post(
        erase_url(world.alex),
        {
            "reason": f"Asked by {ALEX['name']}",
            "confirmer_username": "omar",
            "confirmer_password": STAFF_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "never holds a patient" in response.content.decode()
    _alex_untouched(world)
