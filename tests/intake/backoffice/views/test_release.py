"""The admin's "Ruleset changes" page and its Accept / Dismiss pages.

Personas: anonymous, Rita (receptionist: never sees this page), Tess (triage clinician), Cleo
(clinic admin) and a superuser. Deciding needs `intake.triage_submission` and a reason.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from intake.models import AuditEvent, RulesetChange, Submission
from tests.factories import STAFF_PASSWORD, logged_in, staff_user
from tests.intake.ruleset_cases import would_fall

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/intake/rulesetchange/"


def decide_url(change: RulesetChange, decision: str) -> str:
    return f"/admin/intake/rulesetchange/{change.pk}/decide/{decision}/"


@pytest.fixture
def change() -> RulesetChange:
    would_fall()
    call_command("triage_release", stdout=io.StringIO())
    return RulesetChange.objects.get()


@pytest.fixture
def users(receptionist: User, triage_nurse: User, clinic_admin: User) -> dict[str, User]:
    superuser = get_user_model().objects.create_superuser(
        username="root", password=STAFF_PASSWORD, email="root@example.org"
    )
    return {
        "receptionist": receptionist,
        "triage": triage_nurse,
        "clinic_admin": clinic_admin,
        "superuser": superuser,
    }


def client_for(
    persona: str, users: dict[str, User], *, enforce_csrf_checks: bool = False
) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    if persona != "anonymous":
        logged_in(users[persona], client)
    return client


PAGES = {"list": lambda c: CHANGELIST, "accept": lambda c: decide_url(c, "accept")}
PAGES["dismiss"] = lambda c: decide_url(c, "dismiss")
EXPECTED = {
    "anonymous": 302,  # to the login page
    "receptionist": 403,
    "triage": 200,
    "clinic_admin": 200,
    "superuser": 200,
}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_permission_matrix(
    change: RulesetChange, users: dict[str, User], persona: str, page: str
) -> None:
    response = client_for(persona, users).get(PAGES[page](change))
    assert response.status_code == EXPECTED[persona], (persona, page)
    if persona == "anonymous":
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("decision", ["accept", "dismiss"])
def test_reception_cannot_decide_by_posting(
    change: RulesetChange, users: dict[str, User], decision: str
) -> None:
    response = client_for("receptionist", users).post(decide_url(change, decision), {"reason": "x"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.decision == "pending"


def test_staff_who_may_see_clinical_detail_but_not_triage_cannot_decide(
    change: RulesetChange, db: None
) -> None:
    viewer = staff_user("vic")
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_clinical_detail"))
    client = logged_in(viewer)
    assert client.get(CHANGELIST).status_code == 200
    assert b"decide/accept" not in client.get(CHANGELIST).content
    assert client.post(decide_url(change, "accept"), {"reason": "x"}).status_code == 403


def test_the_page_is_not_on_receptions_admin_index(
    change: RulesetChange, users: dict[str, User]
) -> None:
    assert b"Ruleset changes" not in client_for("receptionist", users).get("/admin/").content
    assert b"Ruleset changes" in client_for("triage", users).get("/admin/").content


def test_list_shows_pending_by_default_with_case_link_tiers_and_rules(
    change: RulesetChange, users: dict[str, User]
) -> None:
    decided = would_fall()
    RulesetChange.objects.create(
        submission=decided,
        from_ruleset="2025.1",
        to_ruleset="2025.2",
        old_tier="SOON",
        new_tier="ROUTINE",
        decision="dismissed",
    )
    assert change.submission.reference is not None and decided.reference is not None
    client = client_for("triage", users)
    page = client.get(CHANGELIST).content.decode()
    assert f'href="/admin/intake/submission/{change.submission_id}/change/"' in page
    assert change.submission.reference in page
    assert decided.reference not in page  # dismissed: not in the default (pending) view
    assert 'class="tier-badge tier-urgent"' in page
    assert 'class="tier-badge tier-routine"' in page
    assert "<code>URG_DVT</code> → <code>RTN_DEFAULT</code>" in page
    assert decide_url(change, "accept") in page and decide_url(change, "dismiss") in page
    everything = client.get(CHANGELIST + "?decision=all").content.decode()
    assert decided.reference in everything


def test_decision_page_has_the_admin_look_and_a_reason_box(
    change: RulesetChange, users: dict[str, User]
) -> None:
    response = client_for("triage", users).get(decide_url(change, "accept"))
    page = response.content.decode()
    assert 'id="site-name"' in page  # the admin's header: each_context was used
    assert "csrfmiddlewaretoken" in page
    assert 'name="reason"' in page
    assert "Accept: apply the lower tier" in page


def test_accept_with_a_reason_applies_the_lower_tier(
    change: RulesetChange, users: dict[str, User]
) -> None:
    client = client_for("triage", users, enforce_csrf_checks=False)
    response = client.post(decide_url(change, "accept"), {"reason": "Settled since"})
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    change.refresh_from_db()
    assert (change.decision, change.reason, change.decided_by) == (
        "accepted",
        "Settled since",
        users["triage"],
    )
    assert Submission.objects.get(pk=change.submission_id).tier == "ROUTINE"
    assert AuditEvent.objects.filter(actor=users["triage"], action="ruleset").count() == 1


def test_dismiss_with_a_reason_keeps_the_tier(
    change: RulesetChange, users: dict[str, User]
) -> None:
    response = client_for("triage", users).post(decide_url(change, "dismiss"), {"reason": "No"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.decision == "dismissed"
    assert Submission.objects.get(pk=change.submission_id).tier == "URGENT"


@pytest.mark.parametrize("decision", ["accept", "dismiss"])
def test_without_a_reason_the_form_comes_back_with_its_error(
    change: RulesetChange, users: dict[str, User], decision: str
) -> None:
    response = client_for("triage", users).post(decide_url(change, decision), {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    change.refresh_from_db()
    assert change.decision == "pending"


def test_an_invalid_reason_is_shown_again_as_typed(
    change: RulesetChange, users: dict[str, User]
) -> None:
    typed = "Because " + "x" * 2000
    response = client_for("triage", users).post(decide_url(change, "accept"), {"reason": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters" in page
    assert typed in page
    change.refresh_from_db()
    assert change.decision == "pending"


def test_deciding_twice_is_refused_with_a_message(
    change: RulesetChange, users: dict[str, User]
) -> None:
    tess, cleo = client_for("triage", users), client_for("clinic_admin", users)
    assert tess.post(decide_url(change, "dismiss"), {"reason": "Keep"}).status_code == 302
    response = cleo.post(decide_url(change, "accept"), {"reason": "Lower it"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already decided (dismissed: tier kept) by tess" in page
    change.refresh_from_db()
    assert (change.decision, change.decided_by) == ("dismissed", users["triage"])
    assert Submission.objects.get(pk=change.submission_id).tier == "URGENT"


def test_posting_without_the_csrf_token_is_refused(
    change: RulesetChange, users: dict[str, User]
) -> None:
    client = client_for("triage", users, enforce_csrf_checks=True)
    response = client.post(decide_url(change, "accept"), {"reason": "Settled"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.decision == "pending"


def test_an_unknown_decision_is_not_found(change: RulesetChange, users: dict[str, User]) -> None:
    assert client_for("triage", users).get(decide_url(change, "lower")).status_code == 404
