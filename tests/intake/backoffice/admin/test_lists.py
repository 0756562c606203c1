"""Admin lists that read well (issue 20): the outbox names each case by its reference, the user
list shows each account's roles, each role's group page says in words what it can see and do,
and what the patient did is "patient" in the audit log as in the case history."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake import roles
from intake.models import AuditEvent, Submission
from tests.factories import SubmissionFactory, logged_in, staff_user
from tests.intake.services.helpers import receipt

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """The page's text, tags removed and white space collapsed."""
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- The outbox ----------------------------------------------------------------------------------


def test_the_outbox_names_each_message_s_case_by_its_reference(clinic_admin: User) -> None:
    message = receipt(status="failed")
    reference = message.submission.reference
    html = logged_in(clinic_admin).get("/admin/intake/notification/").content.decode()
    url = f"/admin/intake/submission/{message.submission_id}/change/"
    assert f'<a href="{url}">{reference}</a>' in html
    assert f'{url}">{message.submission_id}</a>' not in html  # no longer the bare id


def test_the_outbox_is_searched_by_reference_in_any_case(clinic_admin: User) -> None:
    wanted, other = receipt(), receipt()
    client = logged_in(clinic_admin)
    reference, other_reference = wanted.submission.reference, other.submission.reference
    assert reference is not None and other_reference is not None
    html = client.get(
        "/admin/intake/notification/", {"q": f" {reference.lower()} "}
    ).content.decode()
    assert reference in html and other_reference not in html


def test_the_outbox_list_costs_the_same_queries_for_one_message_or_many(
    clinic_admin: User,
) -> None:
    client = logged_in(clinic_admin)
    receipt()
    client.get("/admin/intake/notification/")  # warm: the session, content types
    with CaptureQueriesContext(connection) as one:
        client.get("/admin/intake/notification/")
    for _ in range(15):
        receipt()
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/intake/notification/")
    assert len(many) == len(one)


# --- Users and roles -----------------------------------------------------------------------------


def test_the_user_list_shows_each_account_s_roles(clinic_admin: User, receptionist: User) -> None:
    both = staff_user("sam", roles.TRIAGE_CLINICIAN)
    both.groups.add(Group.objects.get(name=roles.RECEPTIONIST))
    staff_user("nobody")
    html = _text(logged_in(clinic_admin).get("/admin/auth/user/").content.decode())
    assert "rita" in html and "Receptionist" in html
    assert "Receptionist, Triage clinician" in html  # several, by name
    assert "No role: can see nothing" in html


def test_the_user_list_costs_the_same_queries_for_few_accounts_or_many(clinic_admin: User) -> None:
    client = logged_in(clinic_admin)
    client.get("/admin/auth/user/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/auth/user/")
    for number in range(12):
        staff_user(f"colleague{number}", roles.RECEPTIONIST)
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/auth/user/")
    assert len(many) == len(few)


def test_every_permission_a_role_has_is_described_in_words() -> None:
    described = frozenset().union(*(c.needs for c in roles.CAPABILITIES))
    for name, perms in roles.ROLES.items():
        assert perms <= described, f"{name}: {sorted(perms - described)} not described"
        assert name in roles.ROLE_SUMMARIES


def test_what_a_role_can_and_cannot_do_follows_its_permissions() -> None:
    reception = roles.role_description(roles.RECEPTIONIST)
    triage = roles.role_description(roles.TRIAGE_CLINICIAN)
    admin = roles.role_description(roles.CLINIC_ADMIN)
    assert reception is not None and triage is not None and admin is not None
    said = {name: " ".join(map(str, d.can)) for name, d in (("r", reception), ("t", triage))}
    assert "Never sees clinical detail" in " ".join(map(str, reception.cannot))
    assert "Book, move and cancel" in said["r"] and "Triage:" not in said["r"]
    assert "clinical detail" in said["t"] and "Triage:" in said["t"]
    assert "Cannot manage staff accounts." in map(str, triage.cannot)
    assert admin.cannot == ()  # everything
    assert roles.role_description("Made by hand") is None


@pytest.mark.parametrize("role", list(roles.ROLES))
def test_each_role_s_group_page_says_what_it_can_see_and_do(clinic_admin: User, role: str) -> None:
    group = Group.objects.get(name=role)
    page = logged_in(clinic_admin).get(f"/admin/auth/group/{group.pk}/change/")
    assert page.status_code == 200
    html = _text(page.content.decode())
    described = roles.role_description(role)
    assert described is not None
    assert str(described.summary) in html
    for line in (*described.can, *described.cannot):
        assert str(line) in html


def test_the_group_list_sums_up_each_role(clinic_admin: User) -> None:
    Group.objects.create(name="Made by hand")
    html = _text(logged_in(clinic_admin).get("/admin/auth/group/").content.decode())
    for summary in roles.ROLE_SUMMARIES.values():
        assert str(summary) in html
    assert "Not one of the clinic's roles" in html


def test_a_superuser_still_edits_a_group_s_permissions(clinic_admin: User) -> None:
    clinic_admin.is_superuser = True
    clinic_admin.save()
    group = Group.objects.get(name=roles.RECEPTIONIST)
    html = logged_in(clinic_admin).get(f"/admin/auth/group/{group.pk}/change/").content.decode()
    assert 'name="permissions"' in html  # the picker, under the description
    assert html.index("role-description") < html.index('name="permissions"')


# --- The patient as an actor ---------------------------------------------------------------------


def test_what_the_patient_did_is_patient_in_the_audit_log_and_the_case_history(
    journey: Callable[..., Submission], clinic_admin: User
) -> None:
    submission = journey("V07", send=True)
    sent = AuditEvent.objects.get(submission=submission, action=AuditEvent.Action.SUBMIT)
    assert sent.actor_kind == AuditEvent.ActorKind.PATIENT
    client = logged_in(clinic_admin)
    log = client.get("/admin/intake/auditevent/", {"action__exact": "submit"}).content.decode()
    row = re.search(r"<tr>.*?</tr>", log.split("<tbody>")[1], re.S)
    assert row is not None
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(0), re.S)
    assert "patient" in [_text(cell).strip() for cell in cells]
    history = client.get(f"/admin/intake/submission/{submission.pk}/history/").content.decode()
    assert "· patient · Form sent" in _text(history)
    detail = client.get(f"/admin/intake/auditevent/{sent.pk}/change/").content.decode()
    assert "patient" in _text(detail)


def test_staff_and_system_keep_their_own_names_in_the_audit_log(clinic_admin: User) -> None:
    submission = SubmissionFactory()
    AuditEvent.objects.create(
        **AuditEvent.actor_fields(clinic_admin), action="view", submission=submission
    )
    AuditEvent.objects.create(**AuditEvent.actor_fields(None), action="escalation")
    html = _text(logged_in(clinic_admin).get("/admin/intake/auditevent/").content.decode())
    assert " cleo " in html and " system " in html


def test_a_user_s_roles_are_ticks_with_their_names(clinic_admin: User, receptionist: User) -> None:
    html = logged_in(clinic_admin).get(f"/admin/auth/user/{receptionist.pk}/change/")
    page = html.content.decode()
    for name in roles.ROLES:
        group = Group.objects.get(name=name)
        ticked = " checked" if name == roles.RECEPTIONIST else ""
        assert re.search(
            rf'<input type="checkbox" name="groups" value="{group.pk}"[^>]*{ticked}', page
        ), name
    assert "What each role can see and do is on its page under Groups." in _text(page)
    # When they joined and last signed in are recorded, not typed in.
    assert 'name="last_login_0"' not in page and 'name="date_joined_0"' not in page


def test_a_clinic_admin_gives_a_role_by_ticking_it(clinic_admin: User, receptionist: User) -> None:
    triage = Group.objects.get(name=roles.TRIAGE_CLINICIAN)
    response = logged_in(clinic_admin).post(
        f"/admin/auth/user/{receptionist.pk}/change/",
        {
            "username": receptionist.username,
            "is_active": "on",
            "is_staff": "on",
            "groups": [triage.pk],
        },
    )
    assert response.status_code == 302
    assert list(receptionist.groups.values_list("name", flat=True)) == [roles.TRIAGE_CLINICIAN]
