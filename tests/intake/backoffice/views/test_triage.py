"""The submission page's buttons (intake/backoffice/views/triage.py): each moves the case on
through one service, which audits it, and says what it did; a refused one says why and keeps
what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from intake.models import AuditEvent, Submission
from intake.services import drafts, workflow
from tests.factories import SubmissionFactory
from tests.intake.backoffice.staff import logged_in, queue_references, waited

pytestmark = pytest.mark.django_db


def post_action(client: Client, submission: Submission, action: str, **data: str) -> str:
    """Press a workflow button; returns the page shown next (the same page again if refused)."""
    response = client.post(f"/admin/intake/submission/{submission.pk}/workflow/{action}/", data)
    if response.status_code == 200:  # refused: the page again, with the form as typed
        return str(response.content.decode())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    return page


def test_review_workflow_moves_through_the_statuses(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    client = logged_in(triage_nurse)
    post_action(client, submission, "start-review")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.IN_REVIEW
    assert submission.assigned_to == triage_nurse  # taken by the reviewer
    post_action(client, submission, "triaged")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.TRIAGED
    post_action(client, submission, "refer", reason="MSK physiotherapy")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REFERRED
    assert submission.notes.get().text == "MSK physiotherapy"
    moves = AuditEvent.objects.filter(action="status").order_by("id")
    assert [e.details for e in moves] == [
        {"from": "submitted", "to": "in_review"},
        {"from": "in_review", "to": "triaged"},
        {"from": "triaged", "to": "referred"},
    ]


def test_an_illegal_transition_is_refused_with_a_message(triage_nurse: User) -> None:
    submission = SubmissionFactory(status=Submission.Status.CLOSED)
    page = post_action(logged_in(triage_nurse), submission, "triaged")
    assert "A submission that is closed cannot be marked triaged." in page
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLOSED
    assert not AuditEvent.objects.filter(action="status").exists()


def test_closing_needs_a_reason(triage_nurse: User) -> None:
    submission = SubmissionFactory(status=Submission.Status.IN_REVIEW)
    page = post_action(logged_in(triage_nurse), submission, "close", reason="  ")
    assert "Give a reason." in page
    submission.refresh_from_db()
    assert submission.status == Submission.Status.IN_REVIEW


def test_override_keeps_the_engine_tier_and_needs_a_reason(triage_nurse: User) -> None:
    submission = SubmissionFactory(tier="ROUTINE")
    client = logged_in(triage_nurse)
    page = post_action(client, submission, "override", tier="URGENT", reason="")
    assert "Choose a tier and give a reason." in page
    post_action(client, submission, "override", tier="URGENT", reason="Worse on the phone")
    submission.refresh_from_db()
    assert (submission.tier, submission.engine_tier) == ("URGENT", "ROUTINE")
    assert submission.override_reason == "Worse on the phone"
    assert submission.overridden_by == triage_nurse
    page = client.get(f"/admin/intake/submission/{submission.pk}/change/").content.decode()
    assert re.search(r"Engine(&#x27;|')s tier", page)
    assert "Worse on the phone" in page
    event = AuditEvent.objects.get(action="override")
    assert event.details == {"from": "ROUTINE", "to": "URGENT", "engine_tier": "ROUTINE"}
    # The queue now sorts it as urgent.
    SubmissionFactory(tier="SOON", submitted_at=waited(100))
    assert queue_references(client)[0] == submission.reference


def test_notes_are_added_and_audited_without_their_text(triage_nurse: User) -> None:
    submission = SubmissionFactory()
    page = post_action(logged_in(triage_nurse), submission, "note", text="Called; no answer")
    assert "Called; no answer" in page
    event = AuditEvent.objects.get(action="note")
    assert "Called" not in str(event.details) + str(event.changed_fields)


def test_rerun_records_old_and_new_results(
    triage_nurse: User, journey: Callable[..., Submission]
) -> None:
    submission = journey("V19", send=True)  # URGENT: URG_DVT
    Submission.objects.filter(pk=submission.pk).update(
        engine_tier="ROUTINE", tier="ROUTINE", fired_rules=["RTN_DEFAULT"], ruleset_version="2025.9"
    )
    post_action(logged_in(triage_nurse), submission, "rerun")
    submission.refresh_from_db()
    assert (submission.engine_tier, submission.tier) == ("URGENT", "URGENT")
    event = AuditEvent.objects.get(action="rerun")
    assert event.details["old"] == {
        "ruleset_version": "2025.9",
        "tier": "ROUTINE",
        "fired": ["RTN_DEFAULT"],
    }
    assert event.details["new"] == {
        "ruleset_version": "2026.2",
        "tier": "URGENT",
        "fired": ["URG_DVT"],
    }


def test_rerun_keeps_a_clinicians_override(triage_nurse: User) -> None:
    submission = SubmissionFactory(answers={"rf_chest_pain": "no"})
    workflow.submission_override_tier(
        submission=submission, tier="SOON", reason="seen", actor=triage_nurse
    )
    workflow.submission_rerun_engine(submission=submission, actor=triage_nurse)
    submission.refresh_from_db()
    assert submission.tier == "SOON"
    assert submission.engine_tier == "ROUTINE"


def test_a_refused_workflow_form_keeps_what_was_typed(triage_nurse: User) -> None:
    submission = SubmissionFactory(tier="ROUTINE", status=Submission.Status.IN_REVIEW)
    client = logged_in(triage_nurse)
    url = f"/admin/intake/submission/{submission.pk}/workflow/"
    # An override with no reason: the page comes back with URGENT still chosen.
    page = client.post(url + "override/", {"tier": "URGENT", "reason": ""})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose a tier and give a reason." in html
    assert re.search(r'<option value="URGENT" selected>', html)
    # A note over the limit: the text typed is still in the box.
    long_note = "Rang the patient twice. " * 220
    html = client.post(url + "note/", {"text": long_note}).content.decode()
    assert "Write a note first" in html
    assert "Rang the patient twice. Rang the patient twice." in html
    submission.refresh_from_db()
    assert submission.tier == "ROUTINE" and not submission.notes.exists()


def test_a_refused_referral_shows_the_reason_typed_on_a_page_with_the_admin_look(
    triage_nurse: User,
) -> None:
    # Referral is only allowed from "in review": the reason typed must not be lost.
    submission = SubmissionFactory()
    url = f"/admin/intake/submission/{submission.pk}/workflow/refer/"
    response = logged_in(triage_nurse).post(url, {"reason": "MSK physiotherapy, <b>soon</b>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Refer elsewhere or close" in html
    assert 'id="site-name"' in html  # the admin's header: each_context was used
    assert "submitted cannot be marked referred elsewhere." in html  # the message
    assert "MSK physiotherapy, &lt;b&gt;soon&lt;/b&gt;</textarea>" in html  # as typed, escaped
    assert f'action="{url}"' in html and "csrfmiddlewaretoken" in html
    assert f'href="/admin/intake/submission/{submission.pk}/change/#case-actions">Back to' in html
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert not submission.notes.exists()


def test_an_emergency_follow_up_without_a_text_is_refused_with_the_form_again(
    triage_nurse: User,
) -> None:
    draft = drafts.submission_create_draft()
    drafts.submission_save_step(submission=draft, step_answers={"rf_chest_pain": "yes"})
    url = f"/admin/intake/submission/{draft.pk}/workflow/emergency-follow-up/"
    response = logged_in(triage_nurse).post(url, {"text": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write down what was done (2,000 characters at most)." in html
    assert "This field is required." in html
    assert "Record and take off the queue" in html
    draft.refresh_from_db()
    assert draft.is_open_emergency
    assert not AuditEvent.objects.filter(action="emergency_follow_up").exists()


def test_a_refused_button_without_a_form_goes_back_to_the_case_with_the_reason(
    triage_nurse: User,
) -> None:
    submission = SubmissionFactory(status=Submission.Status.BOOKED)
    client = logged_in(triage_nurse)
    response = client.post(f"/admin/intake/submission/{submission.pk}/workflow/start-review/")
    assert response.status_code == 302
    case = f"/admin/intake/submission/{submission.pk}/change/"
    assert response["Location"] == case + "#case-actions"
    page = client.get(response["Location"]).content.decode()
    assert "A submission that is booked cannot be marked in review." in page


def test_each_button_says_what_changed(triage_nurse: User, clinic_admin: User) -> None:
    submission = SubmissionFactory(tier="URGENT", assigned_to=clinic_admin)
    client = logged_in(triage_nurse)
    page = post_action(client, submission, "assign-to-me")
    assert "Assigned to you (it was assigned to cleo)." in page
    page = post_action(client, submission, "start-review")
    assert "Status changed from Submitted to In review." in page
    page = post_action(client, submission, "override", tier="SOON", reason="Phoned")
    assert "Tier changed from Urgent to Soon; the engine&#x27;s tier is kept beside it." in page
    page = post_action(client, submission, "triaged")
    assert "Status changed from In review to Triaged." in page
    assert "Reception will book: no appointment type recommended, by" in page
    assert "Triage re-run with ruleset 2026.2: the tier is still Soon." in post_action(
        client, submission, "rerun"
    )
    assert "Note added." in post_action(client, submission, "note", text="Rang")
    page = post_action(client, submission, "refer", reason="MSK physio")
    assert "Status changed from Triaged to Referred elsewhere." in page
    submission.refresh_from_db()
    assert (submission.assigned_to, submission.status) == (triage_nurse, "referred")
