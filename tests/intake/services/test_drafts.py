"""Services of the patient journey: drafts, steps, interruption, sending, resume, purge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from intake import sms
from intake.models import Notification, Patient, Submission
from intake.services import drafts, outbox, sending
from tests.journey import CONSENT, IDENTITY, vignette_answers

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)  # a Wednesday, clinic open


def filled_draft(vignette: str | None = None, **overrides: Any) -> Submission:
    """A draft with every page saved, as if the patient had reached the check page."""
    answers = {**vignette_answers(vignette), **overrides}
    draft = drafts.submission_create_draft(now=NOW)
    born = dt.date(NOW.year - int(answers["age_years"]), 1, 1)
    identity = {**IDENTITY, "date_of_birth": born.isoformat()}
    drafts.submission_save_step(submission=draft, step_answers=answers, identity=identity, now=NOW)
    draft.refresh_from_db()
    return draft


def test_a_new_draft_expires_after_the_configured_lifetime() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    assert draft.expires_at == NOW + dt.timedelta(days=7)
    assert draft.is_draft


def test_two_drafts_never_share_a_token() -> None:
    tokens = {drafts.submission_create_draft().token for _ in range(50)}
    assert len(tokens) == 50


def test_saving_a_step_merges_answers_and_extends_the_expiry() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers={"rf_fever": "no"}, now=NOW)
    later = NOW + dt.timedelta(days=3)
    drafts.submission_save_step(submission=draft, step_answers={"rf_fainted": "no"}, now=later)
    draft.refresh_from_db()
    assert draft.answers == {"rf_fever": "no", "rf_fainted": "no"}
    assert draft.expires_at == later + dt.timedelta(days=7)


def test_an_emergency_answer_records_the_interruption_and_alerts_staff_once() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    saved = drafts.submission_save_step(
        submission=draft, step_answers={"rf_cough_blood": "yes"}, now=NOW
    )
    assert saved.interrupt
    assert saved.result.tier.name == "EMERGENCY"
    draft.refresh_from_db()
    assert draft.interruption_shown_at == NOW
    assert Notification.objects.filter(kind="staff_alert", channel="email").count() == 1
    # Saving the next page with the same emergency does not interrupt or alert again.
    again = drafts.submission_save_step(
        submission=draft, step_answers={"pain_score_now": 2}, now=NOW
    )
    assert not again.interrupt
    assert Notification.objects.filter(kind="staff_alert", channel="email").count() == 1


def test_an_interruption_and_its_alert_are_saved_together_or_not_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft = drafts.submission_create_draft(now=NOW)

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("the outbox insert failed")

    monkeypatch.setattr(outbox, "notifications_add", fail)
    with pytest.raises(RuntimeError):
        drafts.submission_save_step(
            submission=draft, step_answers={"rf_cough_blood": "yes"}, now=NOW
        )
    draft.refresh_from_db()
    # Without its alert the emergency answer is not recorded as shown: the next save retries.
    assert draft.answers == {} and draft.interruption_shown_at is None
    assert draft.version == 0


def test_a_new_emergency_rule_interrupts_again_but_does_not_alert_twice() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers={"rf_cough_blood": "yes"})
    saved = drafts.submission_save_step(
        submission=draft, step_answers={"rf_vein_bleeding": "bleeding_now_not_stopping"}
    )
    assert saved.interrupt
    draft.refresh_from_db()
    assert draft.interrupted_rules == ["EMG_CHEST_BREATH", "EMG_VV_BLEED"]
    assert Notification.objects.filter(kind="staff_alert", channel="email").count() == 1


def test_a_routine_step_does_not_interrupt() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    saved = drafts.submission_save_step(submission=draft, step_answers={"rf_fever": "no"}, now=NOW)
    assert not saved.interrupt
    assert not Notification.objects.exists()


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
    django_capture_on_commit_callbacks: Callable[..., Any],
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
    assert alert.subject == f"[URGENT] Intake {sent.reference} needs review"
    # The alert names the reference, tier, reason and link, and nothing about the patient.
    assert f"/admin/intake/submission/{sent.pk}/change/" in alert.body
    assert "Suspected DVT" in alert.body
    assert IDENTITY["full_name"] not in alert.body
    assert IDENTITY["email"] not in alert.body
    # The HTML part says the same, escaped, and no more.
    html = alert.alternatives[0][0]
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


def test_a_sent_form_cannot_be_changed() -> None:
    draft = filled_draft("V07")
    sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    with pytest.raises(ValidationError, match="already been sent"):
        drafts.submission_save_step(submission=draft, step_answers={"rf_fever": "yes"})


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
    monkeypatch.setattr(sending.plainsql, "first_pk", lambda *a, **k: None)
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


def test_resume_link_needs_an_email_address_first() -> None:
    draft = drafts.submission_create_draft()
    with pytest.raises(ValidationError):
        drafts.submission_send_resume_link(submission=draft)
    drafts.submission_save_step(submission=draft, step_answers={}, identity=IDENTITY)
    notification = drafts.submission_send_resume_link(submission=draft)
    assert notification.kind == "resume_link"
    assert notification.recipient == IDENTITY["email"]


@override_settings(CLINIC_RESUME_MAX_FAILURES=3)
def test_resume_locks_after_repeated_wrong_dates_of_birth() -> None:
    draft = drafts.submission_create_draft()
    drafts.submission_save_step(submission=draft, step_answers={}, identity=IDENTITY)
    right = dt.date.fromisoformat(IDENTITY["date_of_birth"])
    wrong = dt.date(2000, 1, 1)
    assert not drafts.submission_check_resume(submission=draft, date_of_birth=wrong)
    assert drafts.submission_check_resume(submission=draft, date_of_birth=right)
    for _ in range(3):
        assert not drafts.submission_check_resume(submission=draft, date_of_birth=wrong)
    # Locked: even the right date no longer opens it.
    assert not drafts.submission_check_resume(submission=draft, date_of_birth=right)


def test_purge_deletes_only_expired_drafts() -> None:
    old = drafts.submission_create_draft(now=NOW - dt.timedelta(days=8))
    fresh = drafts.submission_create_draft(now=NOW - dt.timedelta(days=6))
    sent = filled_draft("V07")
    sending.submission_submit(submission=sent, consent_answers=CONSENT)
    Submission.objects.filter(pk=sent.pk).update(expires_at=NOW - dt.timedelta(days=30))
    assert drafts.submission_purge_expired_drafts(now=NOW) == 1
    remaining = set(Submission.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, sent.pk}
    assert old.pk not in remaining


def test_purge_keeps_an_expired_draft_that_showed_the_emergency_advice() -> None:
    # It is a case: the alert, the clinician's follow-up and the audit history hang off it.
    old = drafts.submission_create_draft(now=NOW - dt.timedelta(days=8))
    saved = drafts.submission_save_step(
        submission=old, step_answers={"rf_chest_pain": "yes"}, now=NOW - dt.timedelta(days=8)
    )
    assert saved.interrupt
    assert drafts.submission_purge_expired_drafts(now=NOW) == 0
    assert Submission.objects.filter(pk=old.pk).exists()


def test_purge_drafts_command_reports_what_it_deleted(capsys: pytest.CaptureFixture[str]) -> None:
    drafts.submission_create_draft(now=timezone.now() - dt.timedelta(days=10))
    call_command("purge_drafts")
    assert "Deleted 1 expired draft(s)." in capsys.readouterr().out
    assert not Submission.objects.exists()


def test_the_beat_schedule_purges_drafts_daily() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-drafts"]
    assert entry["task"] == "intake.tasks.purge_expired_drafts"
    assert entry["schedule"] == 86400


def test_two_tabs_saving_at_once_lose_nothing() -> None:
    # Alex has the form open in two tabs; both were loaded before either saved.
    draft = drafts.submission_create_draft(now=NOW)
    tab_one = Submission.objects.get(pk=draft.pk)
    tab_two = Submission.objects.get(pk=draft.pk)
    drafts.submission_save_step(submission=tab_one, step_answers={"rf_fever": "no"}, now=NOW)
    drafts.submission_save_step(submission=tab_two, step_answers={"rf_fainted": "no"}, now=NOW)
    draft.refresh_from_db()
    assert draft.answers == {"rf_fever": "no", "rf_fainted": "no"}
    assert draft.version == 2


def test_a_stale_tab_cannot_save_into_a_sent_form() -> None:
    draft = filled_draft("V07")
    stale = Submission.objects.get(pk=draft.pk)
    sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    with pytest.raises(ValidationError, match="already been sent"):
        drafts.submission_save_step(submission=stale, step_answers={"rf_fever": "yes"})
    stale.refresh_from_db()
    assert stale.answers["rf_fever"] == "no"


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


def test_submit_without_identity_is_refused_not_crashed() -> None:
    draft = drafts.submission_create_draft(now=NOW)
    drafts.submission_save_step(submission=draft, step_answers=vignette_answers("V07"), now=NOW)
    with pytest.raises(ValidationError, match="Some questions still need an answer"):
        sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
