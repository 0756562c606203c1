"""The draft services (intake/services/drafts.py): creating a draft, saving a page (merging,
racing tabs, the mid-form emergency and its alert), the resume link and its lock, the purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from intake.models import Notification, Submission
from intake.services import drafts, outbox, sending
from tests.intake.services.helpers import NOW, filled_draft
from tests.journey import CONSENT, IDENTITY

pytestmark = pytest.mark.django_db


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

    def fail(**kwargs: object) -> None:
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


def test_a_sent_form_cannot_be_changed() -> None:
    draft = filled_draft("V07")
    sending.submission_submit(submission=draft, consent_answers=CONSENT, now=NOW)
    with pytest.raises(ValidationError, match="already been sent"):
        drafts.submission_save_step(submission=draft, step_answers={"rf_fever": "yes"})


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
