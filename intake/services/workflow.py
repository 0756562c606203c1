"""The triage clinicians' workflow on a sent form: assign, review, status, tier override,
notes, engine re-run, follow-up of a mid-form emergency. Every change audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical
from intake.models import TIER_RANK, AuditEvent, Submission, SubmissionNote, Tier
from intake.services import audit

Status = Submission.Status


# The only moves a submission's status can make. Anything else is refused with a message.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset({Status.TRIAGED, Status.REFERRED, Status.CLOSED}),
    Status.TRIAGED: frozenset({Status.IN_REVIEW, Status.BOOKED, Status.REFERRED, Status.CLOSED}),
    Status.BOOKED: frozenset({Status.TRIAGED, Status.CLOSED}),
    Status.REFERRED: frozenset({Status.IN_REVIEW}),
    Status.CLOSED: frozenset({Status.IN_REVIEW}),
    Status.DRAFT: frozenset(),
}


def locked_sent(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.is_draft:
        raise ValidationError(_("This form has not been sent yet."))
    return locked


def move_status(
    submission: Submission,
    to: str,
    *,
    actor: audit.Actor,  # audit.PATIENT: the patient, by their cancel link
    ip_address: str | None,
    now: dt.datetime,
    details: dict[str, object] | None = None,
) -> None:
    """Change status if the move is allowed; record it. Caller holds the row lock."""
    before = submission.status
    if to not in TRANSITIONS[before]:
        raise ValidationError(
            _("A submission that is %(before)s cannot be marked %(after)s.")
            % {"before": Status(before).label.lower(), "after": Status(to).label.lower()}
        )
    submission.status = to
    submission.status_changed_at = now
    submission.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.STATUS,
        submission=submission,
        changed_fields=["status"],
        details={"from": before, "to": to, **(details or {})},
        ip_address=ip_address,
    )


@transaction.atomic
def submission_assign(
    *, submission: Submission, assignee: User | None, actor: User, ip_address: str | None = None
) -> Submission:
    """Assign the submission to a staff member (or nobody). Side effects: row, audit event."""
    locked = locked_sent(submission)
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to", "updated_at"])
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.ASSIGN,
        submission=locked,
        changed_fields=["assigned_to"],
        details={"to": getattr(assignee, "username", None)},
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def submission_start_review(
    *,
    submission: Submission,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Mark in review; the reviewer takes it if nobody has. Raises ValidationError if illegal.

    Side effects: the row; an audit event for the status and, if the reviewer took it, one for
    the assignment (issue 17: that change went unrecorded)."""
    locked = locked_sent(submission)
    _review(locked, actor=actor, ip_address=ip_address, now=now or timezone.now())
    return locked


def _review(
    locked: Submission,
    *,
    actor: User,
    ip_address: str | None,
    now: dt.datetime,
    details: dict[str, object] | None = None,
) -> None:
    """In review, taken by the reviewer if nobody has it. Caller holds the row lock."""
    move_status(
        locked, Status.IN_REVIEW, actor=actor, ip_address=ip_address, now=now, details=details
    )
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
        locked.save(update_fields=["assigned_to", "updated_at"])
        audit.audit_record(
            actor=actor,
            action=AuditEvent.Action.ASSIGN,
            submission=locked,
            changed_fields=["assigned_to"],
            details={"to": actor.username, "taken_on_review": True},
            ip_address=ip_address,
        )


# The statuses "Mark triaged" works from: in review, or sent and read without pressing "Mark in
# review" first (issue 20), which `submission_mark_triaged` records as a review.
TRIAGEABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW})


@transaction.atomic
def submission_mark_triaged(
    *,
    submission: Submission,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Mark triaged, from in review or straight from submitted.

    The status table (TRANSITIONS) is unchanged: a clinician who has read a submitted case and
    triages it has reviewed it, and that review is recorded as it happened, in the same
    transaction and with the same audit rows as pressing the two buttons would leave (in
    review, marked `on_triage`; the assignment if nobody had it; then triaged). So the history
    still says who reviewed it. From the other statuses, as `submission_set_status`: allowed
    where TRANSITIONS allows it (booked, with no appointment still to come), else
    ValidationError.
    """
    locked = locked_sent(submission)
    now = now or timezone.now()
    _refuse_if_booked(locked)
    if locked.status == Status.SUBMITTED:
        _review(locked, actor=actor, ip_address=ip_address, now=now, details={"on_triage": True})
    move_status(locked, Status.TRIAGED, actor=actor, ip_address=ip_address, now=now)
    return locked


def _refuse_if_booked(locked: Submission) -> None:
    # Through the reverse foreign key: the scheduling app sits above the core, not imported here.
    if locked.status == Status.BOOKED and any(a.is_booked for a in locked.appointments.all()):
        # Else the patient is reminded of, and comes to, an appointment for a closed case.
        raise ValidationError(
            _(
                "The patient still has a booked appointment: cancel it, or record whether "
                "they came, first."
            )
        )


@transaction.atomic
def submission_set_status(
    *,
    submission: Submission,
    status: str,
    actor: User,
    reason: str = "",
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Mark triaged, referred elsewhere or closed. Referral and closing need a reason (a note)."""
    locked = locked_sent(submission)
    if status in (Status.REFERRED, Status.CLOSED) and not reason.strip():
        raise ValidationError(_("Give a reason."))
    _refuse_if_booked(locked)
    move_status(locked, status, actor=actor, ip_address=ip_address, now=now or timezone.now())
    if reason.strip():
        _note(locked, text=reason, actor=actor, ip_address=ip_address)
    return locked


@transaction.atomic
def submission_override_tier(
    *,
    submission: Submission,
    tier: str,
    reason: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Set the tier staff work to, with a required reason; the engine's tier is kept beside it.

    Side effects: the row; an audit event naming both tiers (not the answers).
    """
    if tier not in Tier.values:
        raise ValidationError(_("Choose a tier."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for changing the tier."))
    locked = locked_sent(submission)
    before = locked.tier
    locked.tier = tier
    locked.tier_rank = TIER_RANK[tier]
    locked.override_reason = reason.strip()
    locked.overridden_by = actor
    locked.overridden_at = now or timezone.now()
    locked.save()
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.OVERRIDE,
        submission=locked,
        changed_fields=["tier", "override_reason"],
        details={"from": before, "to": tier, "engine_tier": locked.engine_tier},
        ip_address=ip_address,
    )
    return locked


def _note(submission: Submission, *, text: str, actor: User, ip_address: str | None) -> None:
    SubmissionNote.objects.create(submission=submission, author=actor, text=text.strip())
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.NOTE,
        submission=submission,
        changed_fields=["notes"],
        ip_address=ip_address,
    )


@transaction.atomic
def submission_add_note(
    *, submission: Submission, text: str, actor: User, ip_address: str | None = None
) -> Submission:
    """Add a clinician's note. Side effects: a note row, an audit event (without the text)."""
    if not text.strip():
        raise ValidationError(_("Write a note first."))
    if len(text) > 5000:
        raise ValidationError(_("Keep a note to 5,000 characters or fewer."))
    locked = locked_sent(submission)
    _note(locked, text=text, actor=actor, ip_address=ip_address)
    return locked


@transaction.atomic
def submission_rerun_engine(
    *, submission: Submission, actor: User, ip_address: str | None = None
) -> Submission:
    """Triage the stored answers again with the current ruleset (after a ruleset change).

    Records the old and new ruleset version, tier and fired rules in the audit log. A clinician's
    override stays in force; the engine's tier beside it is updated.
    """
    locked = locked_sent(submission)
    old = {
        "ruleset_version": locked.ruleset_version,
        "tier": locked.engine_tier,
        "fired": list(locked.fired_rules),
    }
    result = clinical.evaluate(locked.answers, now=locked.submitted_at)
    clinical.store_result(locked, result)
    locked.save()
    new = {
        "ruleset_version": locked.ruleset_version,
        "tier": locked.engine_tier,
        "fired": list(locked.fired_rules),
    }
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.RERUN,
        submission=locked,
        changed_fields=["engine_tier", "fired_rules", "reasons", "scores", "ruleset_version"],
        details={"old": old, "new": new},
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def submission_record_emergency_follow_up(
    *,
    submission: Submission,
    text: str,
    actor: User,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Record what a clinician did about a mid-form emergency (issue 15), which closes it.

    E.g. "Phoned 14:05: patient on the way to A&E" or "Could not reach: left a message". The
    draft leaves the queue (until a new emergency answer reopens it, or the patient sends the
    form, which joins the queue as usual). Side effects: the draft row, a note with the text,
    an audit event (without it). Raises ValidationError without a text, or if there is no
    open mid-form emergency (already followed up, or the form was sent meanwhile).
    """
    text = _checked_text(text, _("Write down what was done."))
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_open_emergency:
        raise ValidationError(
            _("There is no unfinished form with emergency advice to follow up here.")
        )
    locked.interruption_handled_at = now or timezone.now()
    locked.interruption_handled_by = actor
    locked.save(update_fields=["interruption_handled_at", "interruption_handled_by", "updated_at"])
    SubmissionNote.objects.create(
        submission=locked,
        author=actor,
        text=_("Mid-form emergency followed up: %(text)s") % {"text": text},
    )
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.EMERGENCY_FOLLOW_UP,
        submission=locked,
        changed_fields=["interruption_handled_at", "notes"],
        details={"interrupted_rules": list(locked.interrupted_rules)},
        ip_address=ip_address,
    )
    return locked


def _checked_text(text: str, missing: str, *, limit: int = 2000) -> str:
    """A staff member's free-text account, stripped; ValidationError if empty or too long."""
    if not text.strip():
        raise ValidationError(missing)
    if len(text) > limit:
        raise ValidationError(
            _("Keep it to %(limit)s characters or fewer.") % {"limit": f"{limit:,}"}
        )
    return text.strip()


@transaction.atomic
def submission_record_emergency_direction(
    *, submission: Submission, text: str, actor: User, ip_address: str | None = None
) -> Submission:
    """Record what reception did for an EMERGENCY patient (who is never booked).

    E.g. "Phoned 14:05, told to call 999; ambulance called by daughter". Kept as a note on the
    submission for the clinicians. Side effects: a note, an audit event (without the text).
    """
    text = _checked_text(text, _("Write down what was done."))
    locked = locked_sent(submission)
    if locked.tier != Tier.EMERGENCY:
        raise ValidationError(_("This is for emergencies only: book the patient instead."))
    note = _("Directed to emergency care (recorded at booking): %(text)s") % {"text": text}
    SubmissionNote.objects.create(submission=locked, author=actor, text=note)
    audit.audit_record(
        actor=actor,
        action=AuditEvent.Action.NOTE,
        submission=locked,
        changed_fields=["notes"],
        details={"emergency_direction": True},
        ip_address=ip_address,
    )
    return locked
