"""Who may see and do what in the staff admin, checked on the server for every page and action.

Personas: anonymous, a patient with a draft in their session, Rita (receptionist), Tess (triage
clinician), Cleo (clinic admin) and Sid (staff, in no group). Rita must never see answers, free
text, scores or reasons, whichever way she asks: change page, history, search; and she may not
export at all (only clinic admins may, issue 17). Every workflow view (intake/backoffice/views/)
is in the matrix at the end.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db.models import Model, QuerySet
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client, RequestFactory
from django.utils import timezone

from intake.backoffice import permissions
from intake.models import AuditEvent, RulesetChange, Submission
from intake.scheduling.models import Appointment
from intake.scheduling.services import booking
from tests.factories import SubmissionFactory, TriagedSubmissionFactory, staff_user
from tests.intake.backoffice.staff import QUEUE, client_for, logged_in, slot_in
from tests.intake.ruleset_cases import would_fall

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


@pytest.fixture
def users(receptionist: User, triage_nurse: User, clinic_admin: User) -> dict[str, User]:
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
    persona: str, page: str, users: dict[str, User], submission: Submission
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
    persona: str, action: str, users: dict[str, User], submission: Submission
) -> None:
    # "Mark triaged" is only allowed from "in review"; every other action from "submitted".
    start_status = Submission.Status.IN_REVIEW if action == "triaged" else submission.status
    Submission.objects.filter(pk=submission.pk).update(status=start_status)
    arranged = AuditEvent.objects.order_by("id").last()  # the update above is audited too
    client = client_for(persona, users)
    data = {"tier": "SOON", "reason": "checked by phone", "text": "a note"}
    url = f"/admin/intake/submission/{submission.pk}/workflow/{action}/"
    response = client.post(url, data)
    # A refusal is audited as such (issue 17); nothing else may be written for it.
    after = AuditEvent.objects.filter(id__gt=arranged.pk if arranged else 0)
    denied = after.filter(action="access_denied")
    events = after.exclude(action__in=["login", "view", "access_denied"])
    if MAY_TRIAGE[persona]:
        assert response.status_code == 302
        # Back on the case page, at the section acted in (its anchor).
        case, _anchor, section = response["Location"].partition("#")
        assert case == f"/admin/intake/submission/{submission.pk}/change/"
        assert section == ("case-notes" if action == "note" else "case-actions")
        assert events.exists()
        assert not denied.exists()
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
        assert denied.exists() is (response.status_code == 403)
        assert not events.exists()
        submission.refresh_from_db()
        assert submission.status == start_status
        assert submission.tier == "URGENT"


def test_workflow_actions_need_post(users: dict[str, User], submission: Submission) -> None:
    client = client_for("triage", users)
    response = client.get(f"/admin/intake/submission/{submission.pk}/workflow/start-review/")
    assert response.status_code == 405


def test_receptionist_never_sees_clinical_detail(
    users: dict[str, User], submission: Submission
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
    assert submission.reference is not None and submission.reference not in found


EXPORT = {"action": "export_csv"}
# persona -> is the CSV export offered, and does it work? (issue 17: reception has no export)
MAY_EXPORT = {"receptionist": False, "triage": False, "clinic_admin": True}


def _export(client: Client, submission: Submission) -> HttpResponseBase:
    return client.post(QUEUE, {**EXPORT, "_selected_action": [submission.pk]})


@pytest.mark.parametrize("persona", list(MAY_EXPORT))
def test_only_clinic_admins_are_offered_the_export(
    persona: str, users: dict[str, User], submission: Submission
) -> None:
    html = client_for(persona, users).get(QUEUE).content.decode()
    assert ('value="export_csv"' in html) is MAY_EXPORT[persona]


@pytest.mark.parametrize("persona", ["receptionist", "triage"])
def test_a_forged_export_is_refused_with_no_file_and_nothing_audited(
    persona: str, users: dict[str, User], submission: Submission
) -> None:
    # The action is not offered, so the admin does not run it: the queue again (Tess, who has
    # other actions, by a redirect with "No action selected"; Rita, who has none, at once).
    response = _export(client_for(persona, users), submission)
    assert not isinstance(response, StreamingHttpResponse)
    assert response.status_code in (200, 302)
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("persona", ["receptionist", "triage"])
def test_the_export_action_itself_refuses_a_user_without_the_permission(
    persona: str, users: dict[str, User], submission: Submission, rf: RequestFactory
) -> None:
    # However the action is reached, it checks the permission itself before reading a row.
    request = rf.post(QUEUE)
    request.user = users[persona]
    model_admin = admin.site.get_model_admin(Submission)
    with pytest.raises(PermissionDenied):
        model_admin.export_csv(request, Submission.objects.all())  # type: ignore[attr-defined]
    assert not AuditEvent.objects.filter(action="export").exists()


def test_clinic_admin_export_includes_reasons_and_is_audited(
    users: dict[str, User], submission: Submission
) -> None:
    response = _export(client_for("clinic_admin", users), submission)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)  # the CSV, streamed
    assert response["Content-Disposition"] == 'attachment; filename="submissions.csv"'
    body = response.getvalue().decode()
    assert "fired_rules" in body.splitlines()[0]
    assert REASON in body
    assert "Ada Brook" in body
    event = AuditEvent.objects.get(action="export")
    assert event.actor == users["clinic_admin"]
    assert event.details == {"count": 1, "clinical_detail": True}


def test_an_exporter_without_clinical_access_gets_no_clinical_columns(
    submission: Submission,
) -> None:
    # No role is like this today, but a hand-made grant (say, an auditor with view and export
    # only) must not turn the export into a way round view_clinical_detail.
    auditor = staff_user("audra")
    auditor.user_permissions.add(
        Permission.objects.get(content_type__app_label="intake", codename="view_submission"),
        Permission.objects.get(content_type__app_label="intake", codename="export_submission"),
    )
    response = _export(logged_in(auditor), submission)
    assert isinstance(response, StreamingHttpResponse)
    body = response.getvalue().decode()
    header = body.splitlines()[0]
    assert "fired_rules" not in header and "top_reason" not in header
    assert REASON not in body and FREE_TEXT not in body
    assert "Ada Brook" in body
    assert AuditEvent.objects.get(action="export").details == {
        "count": 1,
        "clinical_detail": False,
    }


def test_receptionist_has_no_bulk_workflow_actions(
    users: dict[str, User], submission: Submission
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
    users: dict[str, User], submission: Submission
) -> None:
    client = client_for("triage", users)
    html = client.get(PAGES["submission"].format(pk=submission.pk)).content.decode()
    assert "Clinical summary" in html
    assert REASON in html
    assert FREE_TEXT in html
    queue = client.get(PAGES["queue"]).content.decode()
    assert REASON in queue  # the top-reason column


def test_nobody_can_edit_or_delete_the_audit_log(
    users: dict[str, User], submission: Submission
) -> None:
    client = client_for("clinic_admin", users)
    client.get(PAGES["submission"].format(pk=submission.pk))
    event = AuditEvent.objects.filter(action="view").latest("id")
    page = client.get(f"/admin/intake/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="auditevent_form"')[-1]
    assert client.post(f"/admin/intake/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/intake/auditevent/add/").status_code == 403


# --- Every workflow view: who may use it ---------------------------------------------------------
#
# Each view is served under the admin's login (anonymous and patients go to the login page) and
# checks its own permission on the server (a staff user without it gets 403 and changes
# nothing). A button that acts answers 405 to GET. Sid is staff in no group.

TRIAGERS = frozenset({"triage", "clinic_admin"})
BOOKERS = frozenset({"receptionist", "triage", "clinic_admin"})
# Who sees clinical detail: the case page's downloads (issue 21).
CLINICAL = frozenset({"triage", "clinic_admin"})
# Files, not admin pages (their content is checked in views/test_handover.py).
DOWNLOADS = frozenset({"summary PDF", "FHIR bundle"})
PERSONAS = ["anonymous", "patient", "no_role", "receptionist", "triage", "clinic_admin"]


@pytest.fixture
def everyone(users: dict[str, User]) -> dict[str, User]:
    return {**users, "no_role": staff_user("sid")}


def _case(**fields: object) -> str:
    submission = SubmissionFactory(tier="URGENT", **fields)
    return f"/admin/intake/submission/{submission.pk}/workflow/"


def _in_review() -> str:
    return _case(status=Submission.Status.IN_REVIEW)


def _open_emergency() -> str:
    draft = SubmissionFactory(
        status=Submission.Status.DRAFT,
        reference=None,
        submitted_at=None,
        interruption_shown_at=timezone.now(),
        interrupted_rules=["EMG_CHEST_BREATH"],
    )
    return f"/admin/intake/submission/{draft.pk}/workflow/"


def _booking(tier: str = "SOON") -> str:
    return f"/admin/scheduling/appointment/book/{TriagedSubmissionFactory(tier=tier).pk}/"


def _appointment(users: dict[str, User], *, started: bool = False) -> str:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=slot_in(30), actor=users["receptionist"]
    )
    if started:
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=timezone.now() - dt.timedelta(minutes=5)
        )
    return f"/admin/scheduling/appointment/{appointment.pk}/"


def _erasure() -> str:
    """A patient whose only form is past the retention period: erasing needs one admin."""
    old = timezone.now() - dt.timedelta(days=9 * 365)
    submission = SubmissionFactory(submitted_at=old, awaiting_since=old)
    return f"/admin/intake/submission/patient/{submission.patient_id}/erase/"


def _triaged_case() -> str:
    return f"/admin/intake/submission/{TriagedSubmissionFactory().pk}/workflow/"


def _cancelled_by_patient(users: dict[str, User]) -> str:
    appointment = booking.appointment_book(
        submission=TriagedSubmissionFactory(), slot=slot_in(30), actor=users["receptionist"]
    )
    booking.appointment_cancel_by_patient(appointment=appointment, reason="Away")
    return f"/admin/scheduling/appointment/{appointment.pk}/"


def _ruleset_change() -> str:
    would_fall()
    call_command("triage_release", stdout=io.StringIO())
    return f"/admin/intake/rulesetchange/{RulesetChange.objects.get().pk}/decide/"


# A workflow's set-up: given the personas' users, the URL to ask and the data to post.
SetUp = Callable[[dict[str, User]], tuple[str, dict[str, object]]]

ADMINS = frozenset({"clinic_admin"})

# name -> (who may, "GET" page or "POST" button, set-up returning (url, data))
WORKFLOWS: dict[str, tuple[frozenset[str], str, SetUp]] = {
    "assign to me": (TRIAGERS, "POST", lambda u: (_case() + "assign-to-me/", {})),
    "start review": (TRIAGERS, "POST", lambda u: (_case() + "start-review/", {})),
    "mark triaged": (TRIAGERS, "POST", lambda u: (_in_review() + "triaged/", {})),
    "refer": (TRIAGERS, "POST", lambda u: (_in_review() + "refer/", {"reason": "MSK physio"})),
    "close": (TRIAGERS, "POST", lambda u: (_in_review() + "close/", {"reason": "Duplicate"})),
    "override tier": (
        TRIAGERS,
        "POST",
        lambda u: (_case() + "override/", {"tier": "SOON", "reason": "checked by phone"}),
    ),
    "add note": (TRIAGERS, "POST", lambda u: (_case() + "note/", {"text": "Rang, no answer"})),
    "emergency follow-up": (
        TRIAGERS,
        "POST",
        lambda u: (_open_emergency() + "emergency-follow-up/", {"text": "Phoned: in A&E"}),
    ),
    "re-run triage": (TRIAGERS, "POST", lambda u: (_case() + "rerun/", {})),
    "booking guidance": (
        TRIAGERS,
        "POST",
        lambda u: (_triaged_case() + "booking-guidance/", {"note": "Mornings only"}),
    ),
    "summary PDF": (CLINICAL, "GET", lambda u: (_case() + "summary.pdf", {})),
    "FHIR bundle": (CLINICAL, "GET", lambda u: (_case() + "fhir.json", {})),
    "booking page": (BOOKERS, "GET", lambda u: (_booking(), {})),
    "book": (BOOKERS, "POST", lambda u: (_booking(), {"slot": slot_in(30).pk})),
    "escalate": (BOOKERS, "POST", lambda u: (_booking("URGENT") + "escalate/", {})),
    "emergency record": (
        BOOKERS,
        "POST",
        lambda u: (_booking("EMERGENCY") + "emergency/", {"text": "Told to call 999"}),
    ),
    "move page": (BOOKERS, "GET", lambda u: (_appointment(u) + "move/", {})),
    "move": (BOOKERS, "POST", lambda u: (_appointment(u) + "move/", {"slot": slot_in(50).pk})),
    "cancel": (BOOKERS, "POST", lambda u: (_appointment(u) + "do/cancel/", {"reason": "Ill"})),
    "acknowledge cancellation": (
        BOOKERS,
        "POST",
        lambda u: (_cancelled_by_patient(u) + "do/acknowledge-cancellation/", {}),
    ),
    "attended": (BOOKERS, "POST", lambda u: (_appointment(u, started=True) + "do/attended/", {})),
    "did not attend": (
        BOOKERS,
        "POST",
        lambda u: (_appointment(u, started=True) + "do/no_show/", {}),
    ),
    "day sheet": (BOOKERS, "GET", lambda u: ("/admin/scheduling/appointment/day-sheet/", {})),
    "accept page": (TRIAGERS, "GET", lambda u: (_ruleset_change() + "accept/", {})),
    "accept": (TRIAGERS, "POST", lambda u: (_ruleset_change() + "accept/", {"reason": "Fine"})),
    "dismiss page": (TRIAGERS, "GET", lambda u: (_ruleset_change() + "dismiss/", {})),
    "dismiss": (TRIAGERS, "POST", lambda u: (_ruleset_change() + "dismiss/", {"reason": "No"})),
    # A patient's data rights (issue 18): clinic admins only.
    "erase page": (ADMINS, "GET", lambda u: (_erasure(), {})),
    "erase": (ADMINS, "POST", lambda u: (_erasure(), {"reason": "Letter of 3 March"})),
}
POST_ONLY = [
    name for name, (_, method, _) in WORKFLOWS.items() if method == "POST" and "page" not in name
]
POST_ONLY.remove("book")  # the booking page: GET shows it
POST_ONLY.remove("move")
POST_ONLY.remove("accept")  # the decision page: GET shows it
POST_ONLY.remove("dismiss")
POST_ONLY.remove("erase")  # the erasure page: GET shows it


def _changes_after(first_id: int) -> QuerySet[AuditEvent]:
    """Audit events other than views, logins and refusals since `first_id`: what the request
    changed."""
    return AuditEvent.objects.filter(id__gt=first_id).exclude(
        action__in=["view", "login", "export", "access_denied"]
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("workflow", list(WORKFLOWS))
def test_workflow_views_permission_matrix(
    persona: str, workflow: str, everyone: dict[str, User]
) -> None:
    allowed, method, set_up = WORKFLOWS[workflow]
    url, data = set_up(everyone)
    client = client_for(persona, everyone)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url) if method == "GET" else client.post(url, data)
    if persona in ("anonymous", "patient"):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert not _changes_after(before).exists()
    elif persona in allowed:
        if method == "GET":
            assert response.status_code == 200
            if workflow not in DOWNLOADS:
                assert 'id="site-name"' in response.content.decode() or workflow == "day sheet"
        else:
            assert response.status_code == 302, response.content.decode()[:2000]
            assert not response["Location"].startswith("/admin/login/")
            assert _changes_after(before).exists()  # done, and audited by its service
    else:
        assert response.status_code == 403
        assert not _changes_after(before).exists()
        # The refusal itself is audited, with who was refused (issue 17).
        [refusal] = AuditEvent.objects.filter(id__gt=before, action="access_denied")
        assert refusal.actor == everyone[persona]


@pytest.mark.parametrize("persona", ["no_role", "receptionist", "triage"])
@pytest.mark.parametrize("workflow", POST_ONLY)
def test_workflow_buttons_answer_get_with_405(
    persona: str, workflow: str, everyone: dict[str, User]
) -> None:
    _, _, set_up = WORKFLOWS[workflow]
    url, _ = set_up(everyone)
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client_for(persona, everyone).get(url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not _changes_after(before).exists()


@pytest.mark.parametrize("model", [Submission, Appointment, RulesetChange])
def test_can_view_asks_what_the_admin_page_itself_asks(
    model: type[Model], everyone: dict[str, User], rf: RequestFactory
) -> None:
    # The workflow views check the page's permission without reaching into the site's registry:
    # for every persona the answer must be the admin's own.
    model_admin = admin.site.get_model_admin(model)
    for persona, user in everyone.items():
        request = rf.get("/admin/")
        request.user = user
        expected = model_admin.has_view_permission(request)
        if model is RulesetChange:  # its own rule: clinical detail, not the model permission
            assert permissions.can_see_ruleset_changes(request) is expected, persona
        else:
            assert permissions.can_view(request, model) is expected, persona
