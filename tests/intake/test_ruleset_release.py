"""`triage_release` and the decisions on a fall: a tier rises at once (audited and alerted) and
never falls without a clinician; running the release twice changes nothing the second time."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from intake import ruleset_release, triage
from intake.models import AuditEvent, Notification, RulesetChange, Submission
from tests.intake.ruleset_cases import (
    EMERGENCY_ANSWERS,
    OLD_RULESET,
    URGENT_ANSWERS,
    draft,
    stays,
    would_fall,
    would_rise,
)

pytestmark = pytest.mark.django_db
NEW = triage.RULESET_VERSION


def release() -> str:
    out = io.StringIO()
    call_command("triage_release", stdout=out)  # no SystemExit: exit status 0
    return out.getvalue()


def staff_alerts(submission: Submission) -> list[Notification]:
    return list(submission.notifications.filter(kind=Notification.Kind.STAFF_ALERT))


def ruleset_events(submission: Submission) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(submission=submission, action="ruleset"))


def test_a_rising_tier_is_raised_audited_and_alerted() -> None:
    case = would_rise()
    out = release()
    assert "raised (audited, staff alerted): 1" in out
    case.refresh_from_db()
    assert (case.tier, case.engine_tier, case.tier_rank) == ("URGENT", "URGENT", 3)
    assert case.ruleset_version == NEW
    assert case.fired_rules == ["URG_DVT"]
    assert case.reasons[0]["code"] == "URG_DVT"
    [event] = ruleset_events(case)
    assert event.actor is None
    assert event.details == {
        "outcome": "raised",
        "from_ruleset": OLD_RULESET,
        "to_ruleset": NEW,
        "old_tier": "ROUTINE",
        "new_tier": "URGENT",
        "old_engine_tier": "ROUTINE",
        "old_rules": ["RTN_DEFAULT"],
        "new_rules": ["URG_DVT"],
        "raised_over_clinician_override": False,
    }
    # The usual on-call alert for a new URGENT case: email and text, in the outbox.
    alerts = staff_alerts(case)
    assert {(n.channel, n.recipient) for n in alerts} == {
        ("email", "oncall@clinic.test"),
        ("sms", "+447700900001"),
    }
    assert not RulesetChange.objects.exists()


def test_urgent_rising_to_emergency_alerts_again() -> None:
    case = stays(answers=EMERGENCY_ANSWERS)
    already = Notification.objects.create(
        submission=case, kind="staff_alert", recipient="oncall@clinic.test", template="x"
    )
    release()
    case.refresh_from_db()
    assert case.tier == "EMERGENCY"
    assert [n.pk for n in staff_alerts(case) if n.pk != already.pk]


def test_a_raised_case_that_alerted_mid_form_before_is_alerted_again() -> None:
    # It showed the emergency advice mid-form (and alerted then), was sent at a lower tier,
    # and the new ruleset raises it: the on-call team hears of the raise like a new case.
    case = stays(answers=EMERGENCY_ANSWERS)
    Submission.objects.filter(pk=case.pk).update(interruption_shown_at=timezone.now())
    already = Notification.objects.create(
        submission=case, kind="staff_alert", recipient="oncall@clinic.test", template="x"
    )
    release()
    assert len([n for n in staff_alerts(case) if n.pk != already.pk]) == 2  # email and text


def test_a_falling_tier_is_kept_and_listed_for_a_clinician() -> None:
    case = would_fall()
    out = release()
    assert "falls listed for review: 1" in out
    case.refresh_from_db()
    assert (case.tier, case.engine_tier, case.ruleset_version) == ("URGENT", "URGENT", OLD_RULESET)
    change = RulesetChange.objects.get()
    assert (change.submission_id, change.decision) == (case.pk, "pending")
    assert (change.from_ruleset, change.to_ruleset) == (OLD_RULESET, NEW)
    assert (change.old_tier, change.new_tier) == ("URGENT", "ROUTINE")
    assert (change.old_rules, change.new_rules) == (["URG_DVT"], ["RTN_DEFAULT"])
    [event] = ruleset_events(case)
    assert event.details["outcome"] == "fall_listed"
    assert event.details["ruleset_change"] == change.pk
    assert not staff_alerts(case)


def test_an_unchanged_tier_keeps_the_ruleset_it_was_triaged_under() -> None:
    case = stays()
    out = release()
    assert "unchanged: 1" in out
    case.refresh_from_db()
    assert case.ruleset_version == OLD_RULESET
    assert not AuditEvent.objects.exists()


def test_only_cases_awaiting_review_are_touched() -> None:
    triaged = would_rise(status=Submission.Status.TRIAGED)
    closed = would_fall(status=Submission.Status.CLOSED)
    in_review = would_rise(status=Submission.Status.IN_REVIEW)
    release()
    triaged.refresh_from_db()
    in_review.refresh_from_db()
    assert triaged.tier == "ROUTINE" and in_review.tier == "URGENT"
    assert not RulesetChange.objects.filter(submission=closed).exists()


def test_a_clinicians_override_below_the_new_tier_is_raised_and_the_audit_says_so(
    triage_nurse: User,
) -> None:
    case = would_rise(
        tier="SOON",
        engine_tier="ROUTINE",
        override_reason="Seen in clinic last week",
        overridden_by=triage_nurse,
        overridden_at=timezone.now(),
    )
    release()
    case.refresh_from_db()
    assert (case.tier, case.engine_tier) == ("URGENT", "URGENT")
    assert case.override_reason == "Seen in clinic last week"  # history kept
    [event] = ruleset_events(case)
    assert event.details["old_tier"] == "SOON"
    assert event.details["raised_over_clinician_override"] is True
    assert staff_alerts(case)


def test_an_override_is_not_re_raised_when_the_ruleset_does_not_change_the_engines_tier(
    triage_nurse: User,
) -> None:
    # The engine said URGENT before and says URGENT now; a clinician had lowered it to SOON.
    case = stays(tier="SOON", engine_tier="URGENT", overridden_at=timezone.now())
    release()
    case.refresh_from_db()
    assert (case.tier, case.ruleset_version) == ("SOON", OLD_RULESET)
    assert not AuditEvent.objects.exists()


def test_open_emergency_drafts_cannot_rise_and_drafts_without_a_tier_are_skipped() -> None:
    emergency = draft(
        answers=EMERGENCY_ANSWERS, tier="EMERGENCY", interruption_shown_at=timezone.now()
    )
    draft(answers=URGENT_ANSWERS, interruption_shown_at=timezone.now())  # no stored tier
    out = release()
    assert "raised (audited, staff alerted): 0" in out
    assert "unchanged: 1" in out
    emergency.refresh_from_db()
    assert emergency.tier == "EMERGENCY"


def test_a_second_release_changes_nothing() -> None:
    rise, fall = would_rise(), would_fall()
    stays()
    release()
    counts = (
        AuditEvent.objects.count(),
        RulesetChange.objects.count(),
        Notification.objects.count(),
    )
    assert counts[1] == 1 and counts[2] == 2
    out = release()
    assert "raised (audited, staff alerted): 0" in out
    assert "falls listed for review: 0 (and 1 listed by an earlier run)" in out
    assert "unchanged: 2" in out
    assert (
        AuditEvent.objects.count(),
        RulesetChange.objects.count(),
        Notification.objects.count(),
    ) == counts
    rise.refresh_from_db()
    fall.refresh_from_db()
    assert (rise.tier, fall.tier) == ("URGENT", "URGENT")


def test_release_summary_by_id() -> None:
    rise, fall = would_rise(), would_fall()
    summary = ruleset_release.ruleset_release(batch_size=1)
    assert (summary.raised, summary.falls_listed, summary.unchanged) == ([rise.pk], [fall.pk], 0)


# --- Decisions -------------------------------------------------------------------------------


@pytest.fixture
def change() -> RulesetChange:
    would_fall()
    release()
    return RulesetChange.objects.get()


def test_accept_applies_the_lower_tier_and_records_who_and_why(
    change: RulesetChange, triage_nurse: User
) -> None:
    ruleset_release.ruleset_change_accept(
        change=change, reason="Symptoms settled", actor=triage_nurse, ip_address="10.0.0.5"
    )
    change.refresh_from_db()
    case = change.submission
    case.refresh_from_db()
    assert (case.tier, case.engine_tier, case.tier_rank) == ("ROUTINE", "ROUTINE", 1)
    assert (case.ruleset_version, case.fired_rules) == (NEW, ["RTN_DEFAULT"])
    assert (change.decision, change.decided_by, change.reason) == (
        "accepted",
        triage_nurse,
        "Symptoms settled",
    )
    assert change.decided_at is not None
    event = AuditEvent.objects.filter(actor=triage_nurse, action="ruleset").get()
    assert event.ip_address == "10.0.0.5"
    assert event.details["outcome"] == "accepted"
    assert (event.details["old_tier"], event.details["new_tier"]) == ("URGENT", "ROUTINE")
    assert "Symptoms settled" not in str(event.details)  # the reason stays on the change row


def test_accept_keeps_a_clinicians_override_and_updates_only_the_engine(triage_nurse: User) -> None:
    case = would_fall(tier="SOON", engine_tier="URGENT", overridden_at=timezone.now())
    release()
    change = RulesetChange.objects.get()
    assert change.old_tier == "SOON"
    ruleset_release.ruleset_change_accept(change=change, reason="Agreed", actor=triage_nurse)
    case.refresh_from_db()
    assert (case.tier, case.engine_tier, case.ruleset_version) == ("SOON", "ROUTINE", NEW)
    event = AuditEvent.objects.filter(actor=triage_nurse).get()
    assert event.details["clinician_override_kept"] is True


def test_dismiss_keeps_the_tier(change: RulesetChange, triage_nurse: User) -> None:
    ruleset_release.ruleset_change_dismiss(change=change, reason="Still", actor=triage_nurse)
    change.refresh_from_db()
    change.submission.refresh_from_db()
    assert change.decision == "dismissed"
    assert (change.submission.tier, change.submission.ruleset_version) == ("URGENT", OLD_RULESET)
    assert AuditEvent.objects.filter(actor=triage_nurse, action="ruleset").count() == 1
    # A dismissed fall is not listed again by a later run of the same release.
    release()
    assert RulesetChange.objects.count() == 1


@pytest.mark.parametrize("service", ["ruleset_change_accept", "ruleset_change_dismiss"])
def test_a_reason_is_required(change: RulesetChange, triage_nurse: User, service: str) -> None:
    with pytest.raises(ValidationError, match="Give a reason"):
        getattr(ruleset_release, service)(change=change, reason="  ", actor=triage_nurse)
    change.refresh_from_db()
    assert change.decision == "pending"


@pytest.mark.parametrize("second", ["ruleset_change_accept", "ruleset_change_dismiss"])
def test_deciding_twice_is_refused(
    change: RulesetChange, triage_nurse: User, clinic_admin: User, second: str
) -> None:
    ruleset_release.ruleset_change_dismiss(change=change, reason="Keep", actor=triage_nurse)
    with pytest.raises(ValidationError) as error:
        getattr(ruleset_release, second)(change=change, reason="Again", actor=clinic_admin)
    assert "already decided (dismissed: tier kept) by tess" in error.value.messages[0]
    change.refresh_from_db()
    assert (change.decided_by, change.reason) == (triage_nurse, "Keep")


def test_accept_is_refused_when_the_running_ruleset_is_not_the_changes(
    change: RulesetChange, triage_nurse: User
) -> None:
    RulesetChange.objects.filter(pk=change.pk).update(to_ruleset="2099.1")
    change.refresh_from_db()
    with pytest.raises(ValidationError, match="Run triage_release again"):
        ruleset_release.ruleset_change_accept(change=change, reason="ok", actor=triage_nurse)
    change.submission.refresh_from_db()
    assert change.submission.tier == "URGENT"
