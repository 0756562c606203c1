"""Who may see and do what in the staff admin, checked on the server for every page and action.

Personas: anonymous, a patient with a draft in their session, Rita (receptionist), Tess (triage
clinician) and Cleo (clinic admin). Rita must never see answers, free text, scores or reasons,
whichever way she asks: change page, history, search, export.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from intake.models import AuditEvent, Submission
from tests.factories import STAFF_PASSWORD, SubmissionFactory
from tests.intake.conftest import start

pytestmark = pytest.mark.django_db

FREE_TEXT = "My calves ache after the bus stop"
REASON = "Test reason for urgent"
WORKFLOW_ACTIONS = ["assign-to-me", "start-review", "triaged", "override", "note", "rerun"]


@pytest.fixture
def submission() -> Submission:
    return SubmissionFactory(
        tier="URGENT",
        answers={"main_problem_text": FREE_TEXT, "rls1_urge": "no"},
        patient__full_name="Ada Brook",
    )


def client_for(persona: str, users: dict[str, Any]) -> Client:
    client = Client()
    if persona == "patient":
        start(client)  # a patient's own browser session, with a draft in it
    elif persona != "anonymous":
        assert client.login(username=users[persona].username, password=STAFF_PASSWORD)
    return client


@pytest.fixture
def users(receptionist: Any, triage_nurse: Any, clinic_admin: Any) -> dict[str, Any]:
    return {"receptionist": receptionist, "triage": triage_nurse, "clinic_admin": clinic_admin}


PAGES = {
    "queue": "/admin/intake/submission/",
    "submission": "/admin/intake/submission/{pk}/change/",
    "history": "/admin/intake/submission/{pk}/history/",
    "audit_log": "/admin/intake/auditevent/",
    "notifications": "/admin/intake/notification/",
    "patients_search": "/admin/intake/submission/?q=Ada",
}

# persona -> page -> expected status (302 = sent to the login page)
EXPECTED = {
    "anonymous": dict.fromkeys(PAGES, 302),
    "patient": dict.fromkeys(PAGES, 302),
    "receptionist": {
        "queue": 200,
        "submission": 200,
        "history": 200,
        "audit_log": 403,
        "notifications": 403,
        "patients_search": 200,
    },
    "triage": {
        "queue": 200,
        "submission": 200,
        "history": 200,
        "audit_log": 403,
        "notifications": 200,
        "patients_search": 200,
    },
    "clinic_admin": dict.fromkeys(PAGES, 200),
}


@pytest.mark.parametrize("persona", list(EXPECTED))
@pytest.mark.parametrize("page", list(PAGES))
def test_admin_pages_permission_matrix(
    persona: str, page: str, users: dict[str, Any], submission: Submission
) -> None:
    client = client_for(persona, users)
    response = client.get(PAGES[page].format(pk=submission.pk))
    assert response.status_code == EXPECTED[persona][page]
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


# persona -> may use the workflow buttons?
MAY_TRIAGE = {
    "anonymous": False,
    "patient": False,
    "receptionist": False,
    "triage": True,
    "clinic_admin": True,
}


@pytest.mark.parametrize("persona", list(MAY_TRIAGE))
@pytest.mark.parametrize("action", WORKFLOW_ACTIONS)
def test_workflow_actions_permission_matrix(
    persona: str, action: str, users: dict[str, Any], submission: Submission
) -> None:
    # "Mark triaged" is only allowed from "in review"; every other action from "submitted".
    start_status = Submission.Status.IN_REVIEW if action == "triaged" else submission.status
    Submission.objects.filter(pk=submission.pk).update(status=start_status)
    client = client_for(persona, users)
    data = {"tier": "SOON", "reason": "checked by phone", "text": "a note"}
    url = f"/admin/intake/submission/{submission.pk}/workflow/{action}/"
    response = client.post(url, data)
    events = AuditEvent.objects.exclude(action__in=["login", "view"])
    if MAY_TRIAGE[persona]:
        assert response.status_code == 302
        assert response["Location"] == f"/admin/intake/submission/{submission.pk}/change/"
        assert events.exists()
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
        assert not events.exists()
        submission.refresh_from_db()
        assert submission.status == start_status
        assert submission.tier == "URGENT"


def test_workflow_actions_need_post(users: dict[str, Any], submission: Submission) -> None:
    client = client_for("triage", users)
    response = client.get(f"/admin/intake/submission/{submission.pk}/workflow/start-review/")
    assert response.status_code == 405


def test_receptionist_never_sees_clinical_detail(
    users: dict[str, Any], submission: Submission
) -> None:
    client = client_for("receptionist", users)
    pages = [
        client.get(PAGES["queue"]),
        client.get(PAGES["submission"].format(pk=submission.pk)),
        client.get(PAGES["history"].format(pk=submission.pk)),
        client.get("/admin/intake/submission/?q=Ada"),
    ]
    for response in pages:
        html = response.content.decode()
        assert FREE_TEXT not in html
        assert REASON not in html
        assert "Clinical summary" not in html
        assert 'id="answers-title"' not in html
    # Identity, contact, tier and status are there.
    html = pages[1].content.decode()
    assert "Ada Brook" in html
    assert "Urgent" in html
    # Searching by an answer finds nothing: only identity fields are searched.
    found = client.get("/admin/intake/submission/?q=calves&queue=all").content.decode()
    assert submission.reference not in found


def test_receptionist_export_has_no_clinical_columns(
    users: dict[str, Any], submission: Submission
) -> None:
    client = client_for("receptionist", users)
    response = client.post(
        "/admin/intake/submission/",
        {"action": "export_csv", "_selected_action": [submission.pk]},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    header = body.splitlines()[0]
    assert "fired_rules" not in header and "top_reason" not in header
    assert REASON not in body and FREE_TEXT not in body
    assert "Ada Brook" in body
    assert AuditEvent.objects.filter(action="export", actor=users["receptionist"]).count() == 1


def test_triage_export_includes_reasons(users: dict[str, Any], submission: Submission) -> None:
    client = client_for("triage", users)
    response = client.post(
        "/admin/intake/submission/",
        {"action": "export_csv", "_selected_action": [submission.pk]},
    )
    body = b"".join(response.streaming_content).decode()
    assert "fired_rules" in body.splitlines()[0]
    assert REASON in body


def test_receptionist_has_no_bulk_workflow_actions(
    users: dict[str, Any], submission: Submission
) -> None:
    client = client_for("receptionist", users)
    response = client.post(
        "/admin/intake/submission/",
        {"action": "mark_in_review", "_selected_action": [submission.pk]},
    )
    # The action is not offered, so Django refuses it and nothing changes.
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert response.status_code in (200, 302)


def test_triage_clinician_sees_the_clinical_summary(
    users: dict[str, Any], submission: Submission
) -> None:
    client = client_for("triage", users)
    html = client.get(PAGES["submission"].format(pk=submission.pk)).content.decode()
    assert "Clinical summary" in html
    assert REASON in html
    assert FREE_TEXT in html
    queue = client.get(PAGES["queue"]).content.decode()
    assert REASON in queue  # the top-reason column


def test_nobody_can_edit_or_delete_the_audit_log(
    users: dict[str, Any], submission: Submission
) -> None:
    client = client_for("clinic_admin", users)
    client.get(PAGES["submission"].format(pk=submission.pk))
    event = AuditEvent.objects.filter(action="view").latest("id")
    page = client.get(f"/admin/intake/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="auditevent_form"')[-1]
    assert client.post(f"/admin/intake/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/intake/auditevent/add/").status_code == 403
