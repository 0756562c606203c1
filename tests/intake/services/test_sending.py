"""Sending the form (intake/services/sending.py): freezing the answers with their triage, the
staff alert and receipt in the outbox, the patient record, the reference."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from pytest_django import DjangoCaptureOnCommitCallbacks

from intake import plainsql, sms
from intake.models import Notification, Patient, Submission
from intake.services import drafts, sending
from tests.intake.services.helpers import NOW, filled_draft
from tests.journey import CONSENT, IDENTITY, vignette_answers

pytestmark = pytest.mark.django_db


def test_submit_freezes_answers_and_stores_the_triage() -> None:
    draft = filled_draft("V19", pregnancy_status="pregnant")  # hidden for a man: not kept
    sent = sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    assert sent.status == Submission.Status.SUBMITTED
    assert sent.submitted_at == NOW
    assert sent.tier == "URGENT"
    assert sent.fired_rules == ["URG_DVT"]
    assert sent.scores["p_wells"] == 2
    assert "pregnancy_status" not in sent.answers
    assert sent.answers["consent_true"] == "yes"
    assert sent.age_years == vignette_answers("V19")["age_years"]
    assert sent.expires_at is None


def test_submit_writes_staff_alert_and_receipt_in_the_outbox(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    draft = filled_draft("V19")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sent = sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    rows = Notification.objects.filter(submission=sent).order_by("kind", "channel")
    assert [(n.kind, n.channel, n.recipient) for n in rows] == [
        ("patient_receipt", "email", IDENTITY["email"]),
        ("staff_alert", "email", "oncall@clinic.test"),
        ("staff_alert", "sms", "+447700900001"),
    ]
    assert len(callbacks) == 1  # the three queued together, only after commit
    assert all(n.status == "sent" for n in Notification.objects.all())
    alert = next(m for m in mail.outbox if m.to == ["oncall@clinic.test"])
    assert isinstance(alert, EmailMultiAlternatives)  # text and HTML
    assert sent.reference is not None
    assert alert.subject == f"[URGENT] Intake {sent.reference} needs review"
    # The alert names the reference, tier, reason and link, and nothing about the patient.
    assert f"/admin/intake/submission/{sent.pk}/change/" in alert.body
    assert "Suspected DVT" in alert.body
    assert IDENTITY["full_name"] not in alert.body
    assert IDENTITY["email"] not in alert.body
    # The HTML part says the same, escaped, and no more.
    html, mimetype = alert.alternatives[0]
    assert mimetype == "text/html" and isinstance(html, str)
    assert sent.reference in html and "Suspected DVT" in html
    assert IDENTITY["full_name"] not in html
    # The text message: reference, tier, reason and link; nothing about the patient.
    [text] = sms.outbox
    assert text.to == "+447700900001"
    assert sent.reference in text.body and "URGENT" in text.body and "DVT" in text.body
    assert f"/admin/intake/submission/{sent.pk}/change/" in text.body
    assert IDENTITY["full_name"] not in text.body and IDENTITY["phone"] not in text.body


def test_a_routine_submission_sends_no_staff_alert() -> None:
    sent = sending.submission_submit(
        submission=filled_draft("V48"), consent_answers=CONSENT, now=NOW
    )
    assert sent.tier == "ROUTINE"
    assert list(Notification.objects.values_list("kind", flat=True)) == ["patient_receipt"]


def test_submit_twice_returns_the_same_submission() -> None:
    draft = filled_draft("V07")
    first = sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    second = sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    assert first.reference == second.reference
    assert Notification.objects.count() == 1


def test_submit_refuses_an_incomplete_form() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(
        submission=draft,
        step_answers={"rf_fever": "no"},
        identity={**IDENTITY},
        now=NOW,
    )
    with pytest.raises(ValidationError):
        sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    draft.refresh_from_db()
    assert draft.is_draft


def test_submit_without_identity_is_refused_not_crashed() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers=vignette_answers("V07"), now=NOW)
    with pytest.raises(ValidationError, match="Some questions still need an answer"):
        sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)


def test_the_patient_record_is_reused_for_the_same_person() -> None:
    sending.submission_submit(submission=filled_draft("V07"), consent_answers=CONSENT)
    sending.submission_submit(submission=filled_draft("V07"), consent_answers=CONSENT)
    assert Patient.objects.count() == 1
    assert Patient.objects.get().submissions.count() == 2


def test_a_returning_patient_is_matched_and_their_details_brought_up_to_date() -> None:
    first = filled_draft("V07")
    sending.submission_submit(submission=first, consent_answers=CONSENT, now=NOW)
    created = Patient.objects.get()
    # Same person by email (any case) and date of birth, with a new phone number.
    again = filled_draft("V07")
    identity = {**again.identity, "email": IDENTITY["email"].upper(), "phone": "07700 900999"}
    Submission.objects.filter(pk=again.pk).update(identity=identity)
    again.refresh_from_db()
    sending.submission_submit(submission=again, consent_answers=CONSENT, now=NOW)
    patient = Patient.objects.get()
    assert patient.pk == created.pk and patient.phone == "07700 900999"
    assert patient.updated_at > created.updated_at
    # The NHS number wins over the email: a new address for the same NHS number.
    nhs = filled_draft("V07")
    identity = {**nhs.identity, "nhs_number": "4857773456", "email": "new@example.org"}
    Submission.objects.filter(pk=nhs.pk).update(identity=identity)
    Patient.objects.filter(pk=patient.pk).update(nhs_number="4857773456")
    nhs.refresh_from_db()
    sent = sending.submission_submit(submission=nhs, consent_answers=CONSENT, now=NOW)
    patient.refresh_from_db()
    assert Patient.objects.count() == 1 and patient.email == "new@example.org"
    assert sent.patient_id == patient.pk
    receipt = Notification.objects.get(submission=sent, kind="patient_receipt")
    assert receipt.recipient == "new@example.org"


def test_a_patient_removed_between_the_match_and_the_update_is_recorded_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sending.submission_submit(submission=filled_draft("V07"), consent_answers=CONSENT, now=NOW)
    monkeypatch.setattr(plainsql, "first_pk", lambda *a, **k: None)
    sent = sending.submission_submit(
        submission=filled_draft("V07"), consent_answers=CONSENT, now=NOW
    )
    assert sent.patient_id is not None and Patient.objects.count() == 2


def test_references_are_human_friendly_and_unique() -> None:
    refs = {sending.new_reference() for _ in range(500)}
    assert len(refs) == 500
    for ref in refs:
        assert ref.startswith("LEG-") and len(ref) == 13
        assert not set(ref[4:].replace("-", "")) & set("01ILOU")
    # Every position draws from the whole alphabet (no position stuck or biased to a few).
    positions = [{ref[4:].replace("-", "")[i] for ref in refs} for i in range(8)]
    assert all(len(seen) >= 25 for seen in positions), [len(seen) for seen in positions]


def test_a_reference_collision_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    first = sending.submission_submit(
        submission=filled_draft("V07"), consent_answers=CONSENT, now=NOW
    )
    draws = iter([first.reference, "LEG-2222-3333"])
    monkeypatch.setattr(sending, "new_reference", lambda: next(draws))
    second = sending.submission_submit(
        submission=filled_draft("V48"), consent_answers=CONSENT, now=NOW
    )
    assert second.reference == "LEG-2222-3333"
    assert Submission.objects.filter(status="submitted").count() == 2
    # The failed attempt left nothing behind: one receipt per submission.
    assert Notification.objects.filter(submission=second).count() == 1
