"""Issue 15 §3: a draft on which the emergency advice was shown is a case in the triage queue
until a clinician records what was done; the escalation sweep treats it like a sent EMERGENCY
form; if the patient sends the form later, it is the same case."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from intake.models import AuditEvent, Escalation, Notification, Submission, SubmissionNote
from intake.services import escalation, workflow
from tests.factories import SubmissionFactory
from tests.intake.backoffice.staff import QUEUE, logged_in
from tests.intake.conftest import CONSENT, fill_until, start, step_url
from tests.journey import IDENTITY, page_key, step_post_data, vignette_answers

pytestmark = pytest.mark.django_db


def abandoned_emergency(patient: Client, **answers: str) -> Submission:
    """Alex answers the safety check with an emergency answer, sees the advice, and leaves."""
    answers = answers or {"rf_chest_pain": "yes"}
    page = page_key(next(iter(answers)))  # the safety check's page that asks it
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before=page)
    response = patient.post(step_url(submission, page), {**answers, "action": "x"})
    assert response["Location"].endswith("/urgent/")
    submission.refresh_from_db()
    return submission


def queue_rows(client: Client, query: str = "") -> list[str]:
    """The queue's rows as text, in order (tags stripped)."""
    html = client.get(QUEUE + query).content.decode()
    table = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, flags=re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), flags=re.S) if table else []
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_an_abandoned_mid_form_emergency_is_at_the_top_of_the_default_queue(
    patient: Client, triage_nurse: User
) -> None:
    # Sent forms: an EMERGENCY that has waited 2 hours, an URGENT one of 5 hours.
    SubmissionFactory(tier="URGENT", submitted_at=timezone.now() - dt.timedelta(hours=5))
    sent_emergency = SubmissionFactory(
        tier="EMERGENCY", submitted_at=timezone.now() - dt.timedelta(hours=2)
    )
    draft = abandoned_emergency(patient)
    assert draft.tier == "EMERGENCY" and draft.tier_rank == 4
    assert draft.awaiting_since == draft.interruption_shown_at

    rows = queue_rows(logged_in(triage_nurse))
    assert len(rows) == 3
    # Ranked as EMERGENCY, after the emergency that has waited longer, before the URGENT one.
    assert sent_emergency.reference is not None and sent_emergency.reference in rows[0]
    row = rows[1]
    assert f"Unfinished form #{draft.pk}" in row
    assert "Form not finished" in row
    assert "Emergency advice shown" in row
    assert "Emergency" in row  # the tier badge
    assert IDENTITY["full_name"] in row and IDENTITY["phone"] in row  # contact details so far
    assert "Cardiorespiratory red flag" in row  # the reason of the rule that fired
    assert re.search(r"\b0 min\b", row)  # how long it has waited
    assert "URGENT" in rows[2].upper()
    # The count of emergencies awaiting review includes it.
    html = logged_in(triage_nurse).get(QUEUE).content.decode()
    assert re.search(r'data-tier-count="EMERGENCY">2<', html)


def test_a_draft_without_emergency_advice_is_not_in_the_default_queue(
    patient: Client, triage_nurse: User
) -> None:
    submission = start(patient)
    fill_until(patient, submission, vignette_answers(), stop_before="where_it_hurts")
    assert queue_rows(logged_in(triage_nurse)) == []
    assert len(queue_rows(logged_in(triage_nurse), "?queue=draft")) == 1


def test_the_case_page_shows_when_the_advice_was_shown_and_what_fired(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    html = logged_in(triage_nurse).get(f"{QUEUE}{draft.pk}/change/").content.decode()
    assert "Emergency advice was shown while filling in the form" in html
    assert "EMG_CHEST_BREATH" in html
    assert "Not followed up yet." in html
    assert "Record what was done about the emergency advice" in html


def test_recording_what_was_done_takes_it_off_the_queue_with_a_note_and_an_audit_event(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    client = logged_in(triage_nurse)
    url = f"{QUEUE}{draft.pk}/workflow/emergency-follow-up/"
    response = client.post(url, {"text": "Phoned 14:05: patient on the way to A&E"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.interruption_handled_at is not None
    assert draft.interruption_handled_by == triage_nurse
    assert draft.status == Submission.Status.DRAFT  # the patient may still finish the form
    assert queue_rows(client) == []
    note = SubmissionNote.objects.get(submission=draft)
    assert "patient on the way to A&E" in note.text
    event = AuditEvent.objects.get(action="emergency_action")
    assert event.submission_id == draft.pk and event.actor == triage_nurse
    assert "A&E" not in str(event.details)  # the audit log holds names, not the text
    page = client.get(f"{QUEUE}{draft.pk}/change/").content.decode()
    assert "Followed up by" in page
    # A second record is refused with a clear message.
    response = client.post(url, {"text": "again"}, follow=True)
    assert "no unfinished form with emergency advice to follow up" in response.content.decode()
    assert SubmissionNote.objects.filter(submission=draft).count() == 1


def test_a_follow_up_needs_a_reason_and_keeps_what_was_typed(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    client = logged_in(triage_nurse)
    url = f"{QUEUE}{draft.pk}/workflow/emergency-follow-up/"
    response = client.post(url, {"text": "   "})
    assert response.status_code == 200
    assert "Write down what was done" in response.content.decode()
    too_long = "Could not reach: left a message. " * 70
    response = client.post(url, {"text": too_long})
    assert "Could not reach: left a message." in response.content.decode()
    draft.refresh_from_db()
    assert draft.interruption_handled_at is None


def test_reception_cannot_record_the_follow_up(patient: Client, receptionist: User) -> None:
    draft = abandoned_emergency(patient)
    client = logged_in(receptionist)
    response = client.post(f"{QUEUE}{draft.pk}/workflow/emergency-follow-up/", {"text": "x"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.interruption_handled_at is None


def test_an_unfollowed_mid_form_emergency_escalates_like_a_sent_one(
    patient: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    draft = abandoned_emergency(patient)
    shown = draft.awaiting_since
    assert shown is not None  # waiting since the advice was shown
    assert escalation.submission_escalate_overdue(now=shown + dt.timedelta(minutes=14)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.submission_escalate_overdue(now=shown + dt.timedelta(minutes=15)) == 1
    [row] = Escalation.objects.filter(submission=draft)
    assert row.level == "EMERGENCY"
    [message] = [m for m in mail.outbox if m.to == ["lead@clinic.test"]]
    assert "ESCALATION" in message.subject
    assert IDENTITY["full_name"] not in message.body
    assert AuditEvent.objects.get(action="escalation").details["waited_minutes"] == 15


def test_a_followed_up_mid_form_emergency_does_not_escalate(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    workflow.submission_record_emergency_follow_up(
        submission=draft, text="Phoned: in A&E", actor=triage_nurse
    )
    assert draft.awaiting_since is not None
    later = draft.awaiting_since + dt.timedelta(hours=1)
    assert escalation.submission_escalate_overdue(now=later) == 0


def test_sending_the_form_later_keeps_one_case_one_history_and_one_alert(
    patient: Client, triage_nurse: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    draft = abandoned_emergency(patient)
    logged_in(triage_nurse).get(f"{QUEUE}{draft.pk}/change/")  # a clinician looks at it
    answers = {**vignette_answers(), "rf_chest_pain": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        fill_until(patient, draft, answers)
        response = patient.post(f"/intake/{draft.token}/check/", CONSENT)
    assert response.status_code == 302
    sent = Submission.objects.get()
    assert sent.pk == draft.pk and sent.status == Submission.Status.SUBMITTED
    assert sent.tier == "EMERGENCY"
    # Still waiting from the moment the advice was shown: nobody had followed it up.
    assert sent.awaiting_since == draft.interruption_shown_at
    staff_alerts = Notification.objects.filter(kind="staff_alert")
    assert sorted(staff_alerts.values_list("channel", flat=True)) == ["email", "sms"]
    rows = queue_rows(logged_in(triage_nurse))
    assert len(rows) == 1 and sent.reference is not None and sent.reference in rows[0]
    # One history: the clinician's view of the unfinished form is on the sent case.
    assert AuditEvent.objects.filter(submission_id=sent.pk, action="view").exists()


def test_a_form_sent_after_the_follow_up_waits_from_its_sending(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    workflow.submission_record_emergency_follow_up(
        submission=draft, text="Phoned", actor=triage_nurse
    )
    fill_until(patient, draft, {**vignette_answers(), "rf_chest_pain": "yes"})
    patient.post(f"/intake/{draft.token}/check/", CONSENT)
    sent = Submission.objects.get()
    assert sent.submitted_at is not None
    assert sent.awaiting_since == sent.submitted_at


def test_a_new_emergency_answer_after_the_follow_up_reopens_the_case(
    patient: Client, triage_nurse: User
) -> None:
    draft = abandoned_emergency(patient)
    workflow.submission_record_emergency_follow_up(
        submission=draft, text="Phoned", actor=triage_nurse
    )
    breathing, back = page_key("rf_chest_pain"), page_key("rf_bladder_bowel")
    answers = {**vignette_answers(), "rf_chest_pain": "yes"}
    response = patient.post(step_url(draft, breathing), step_post_data(breathing, answers))
    assert response["Location"] == step_url(draft, back)  # the advice already shown: on
    response = patient.post(
        step_url(draft, back), {"rf_bladder_bowel": "yes", "action": "continue"}
    )
    assert response["Location"].endswith("/urgent/")
    draft.refresh_from_db()
    assert draft.is_open_emergency
    assert len(queue_rows(logged_in(triage_nurse))) == 1
    # The on-call team is told again: a closed case nobody is looking at any more reopened.
    alerts = Notification.objects.filter(submission=draft, kind="staff_alert")
    assert sorted(alerts.values_list("channel", flat=True)) == ["email", "email", "sms", "sms"]
