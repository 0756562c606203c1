"""The patient's unfinished form: create, save a page (with the emergency interruption),
resume on another device, purge when expired."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intake import clinical, plainsql, triage
from intake.models import (
    AuditEvent,
    Notification,
    Submission,
    Tier,
)
from intake.services import audit, escalation, outbox


@dataclass(frozen=True)
class StepSaved:
    """What saving a step led to: the live triage and whether to interrupt with the 999 page."""

    result: triage.TriageResult
    interrupt: bool


def _new_token() -> str:
    # 192 random bits, URL-safe: unguessable, and no personal data in it.
    return secrets.token_urlsafe(24)


def _draft_expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.CLINIC_DRAFT_LIFETIME_DAYS)


def _locked_draft(submission: Submission) -> Submission:
    """Re-read the row under lock; a sent form can no longer change."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if not locked.is_draft:
        raise ValidationError(_("This form has already been sent and cannot be changed."))
    return locked


def submission_create_draft(*, language: str = "", now: dt.datetime | None = None) -> Submission:
    """Create an empty draft with a fresh token, in the patient's language (their messages are
    written in it). Side effects: one Submission row."""
    now = now or timezone.now()
    return Submission.objects.create(
        token=_new_token(), language=language, expires_at=_draft_expiry(now)
    )


SAVE_ATTEMPTS = 3


def submission_save_step(
    *,
    submission: Submission,
    step_answers: Mapping[str, object],
    identity: Mapping[str, object] | None = None,
    hold: Mapping[str, object] | None = None,
    page: str = "",
    typed: Mapping[str, object] | None = None,
    to_check: bool = False,
    now: dt.datetime | None = None,
) -> StepSaved:
    """Save one page's answers on the draft and triage the answers so far (spec §2.4).

    If an EMERGENCY rule fires that the patient has not yet been interrupted for, records the
    interruption (when, which rules), makes the draft a case in the triage queue (tier, fired
    rules and reasons so far, waiting from now), writes the on-call staff alert through the
    same service the final submission uses, and records the interruption in the audit log
    (actor: the patient). Side effects: the draft row; Notification rows; an audit event;
    tasks queued after commit. Raises ValidationError for a sent form.

    A plain page save writes no audit event: a draft is the patient's own working copy until
    it becomes a case, and an audit row per page would double the writes of the hot path
    (docs/operations.md, "The audit log").

    `hold` is for a page that failed validation (issue 15: validation never stands between a
    patient and the emergency advice): `step_answers` are then only the page's answers that
    are valid on their own, and they are saved *only if* they interrupt, together with `hold`,
    the page as typed, which the page shows again (with its errors) when the patient carries
    on. Without an interruption nothing is written. A normal save forgets any held page.

    `typed` is for "Save and come back later" on a page that is not valid (issue 19: save
    anything): `step_answers` are then the page's answers that are valid on their own, saved
    (and triaged, so a valid emergency answer still interrupts), and `typed` is the page as
    typed, kept under the page's key `page` so that the page shows it again, and remembered as
    the page to come back to (`to_check`: from the check page). An invalid value is only in
    `typed`: neither the answers nor the engine ever see it. A normal save of the page `page`
    forgets what was typed on it.

    Optimistic locking: the row is written only if its `version` is still the one `submission`
    was read with (one UPDATE, no SELECT ... FOR UPDATE first: this runs on every page save).
    If another save got there first (a second tab), the fresh row is read and the answers are
    merged again, so nothing either save wrote is lost.

    A plain save is that one UPDATE, atomic by itself, so it runs without a transaction around
    it (BEGIN and COMMIT were two of a page save's five round trips to the database); a save
    that interrupts writes the UPDATE and the alert together in one transaction.
    """
    now = now or timezone.now()
    for _attempt in range(SAVE_ATTEMPTS):
        if not submission.is_draft:
            raise ValidationError(_("This form has already been sent and cannot be changed."))
        answers = {**submission.answers, **step_answers}
        new_identity = {**submission.identity, **identity} if identity is not None else None
        result = clinical.evaluate(answers, now=now)
        emergency = {r.code for r in result.rules if r.tier is triage.Tier.EMERGENCY}
        interrupt = bool(emergency - set(submission.interrupted_rules))
        if hold is not None and not interrupt:
            return StepSaved(result=result, interrupt=False)
        changes: dict[str, Any] = {
            "answers": answers,
            "expires_at": _draft_expiry(now),
            "updated_at": now,
        }
        if new_identity is not None:
            changes["identity"] = new_identity
        changes.update(_held_and_typed(submission, hold, page, typed, to_check=to_check))
        # A case a clinician had already followed up, reopened by a new emergency answer: the
        # on-call team is told again, or nobody would be looking at it.
        reopened = interrupt and submission.interruption_handled_at is not None
        if interrupt:
            changes.update(_interruption_changes(submission, result, emergency, now=now))
        with transaction.atomic() if interrupt else contextlib.nullcontext():
            written = plainsql.update(
                Submission,
                {**changes, "version": submission.version + 1},
                pk=submission.pk,
                status=Submission.Status.DRAFT,
                version=submission.version,
            )
            if written:
                # The caller's instance now reflects what was saved, without another query.
                for name, value in changes.items():
                    setattr(submission, name, value)
                submission.version += 1
                if interrupt:
                    escalation.staff_alert_add(submission, tier=Tier.EMERGENCY, again=reopened)
                    _audit_interruption(submission, sorted(changes), emergency, reopened)
                return StepSaved(result=result, interrupt=interrupt)
        submission.refresh_from_db()
    raise ValidationError(_("Your answers could not be saved just now. Please try again."))


def _held_and_typed(
    submission: Submission,
    hold: Mapping[str, object] | None,
    page: str,
    typed: Mapping[str, object] | None,
    *,
    to_check: bool,
) -> dict[str, Any]:
    """What a save writes of the pages as typed: the page an emergency interrupted (`hold`;
    any other save forgets it) and the pages saved for later (`typed`, see `_typed_after`)."""
    changes: dict[str, Any] = {}
    if hold is not None or submission.held_input:
        changes["held_input"] = dict(hold or {})
    if hold is None:
        typed_input = _typed_after(submission.typed_input, page, typed, to_check=to_check)
        if typed_input != submission.typed_input:
            changes["typed_input"] = typed_input
    return changes


def _typed_after(
    current: Mapping[str, Any] | None,
    page: str,
    typed: Mapping[str, object] | None,
    *,
    to_check: bool,
) -> dict[str, Any]:
    """The draft's `typed_input` after a save of the page `page`: what was typed on it kept
    (and the page remembered as the one to come back to), or forgotten after a normal save."""
    current = current or {}
    pages = dict(current.get("pages") or {})
    if typed is not None:
        pages[page] = dict(typed)
        return {"page": page, "to_check": to_check, "pages": pages}
    if page not in pages:
        return dict(current)
    del pages[page]
    if not pages:
        return {}
    if current.get("page") == page:
        return {"pages": pages}
    return {**current, "pages": pages}


def _audit_interruption(
    submission: Submission, changed: list[str], emergency: set[str], reopened: bool
) -> None:
    """The emergency advice shown: which rules (codes), whether it reopened a followed-up case,
    and the names of the fields the save wrote (never the answers)."""
    audit.audit_record(
        actor=audit.PATIENT,
        action=AuditEvent.Action.EMERGENCY_SHOWN,
        submission=submission,
        changed_fields=changed,
        details={"rules": sorted(emergency), "reopened": reopened},
    )


def _interruption_changes(
    submission: Submission,
    result: triage.TriageResult,
    emergency: set[str],
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    """What an emergency interruption writes on the draft: when and for which rules, and the
    triage so far, so that the draft is an EMERGENCY case in the queue (issue 15) until a
    clinician records what was done. A new emergency rule reopens a case already followed up."""
    triaged = copy.copy(submission)
    clinical.store_result(triaged, result)
    reopened = submission.interruption_handled_at is not None
    return {
        "interruption_shown_at": submission.interruption_shown_at or now,
        "interrupted_rules": sorted(set(submission.interrupted_rules) | emergency),
        "awaiting_since": now if reopened else (submission.awaiting_since or now),
        "interruption_handled_at": None,
        **{name: getattr(triaged, name) for name in clinical.TRIAGE_FIELDS},
    }


@transaction.atomic
def submission_send_resume_link(*, submission: Submission) -> Notification:
    """Email the patient a link to carry on later. Side effects: a Notification row, a task.

    Raises ValidationError if no email address has been given yet (first page not saved).
    """
    draft = _locked_draft(submission)
    email = draft.identity.get("email")
    if not email:
        raise ValidationError(
            _("Enter your email address on the first page, so that we can email you a link.")
        )
    return outbox.notification_add(
        submission=draft,
        kind=Notification.Kind.RESUME_LINK,
        recipient=str(email),
        template="resume_link",
    )


@transaction.atomic
def submission_check_resume(*, submission: Submission, date_of_birth: dt.date) -> bool:
    """Whether `date_of_birth` unlocks this draft on a new device.

    Counts wrong answers; after CLINIC_RESUME_MAX_FAILURES the link stops working for good (the
    patient can start again). Side effects: the draft's failure count; an audit event for each
    answer checked (actor: the patient; whether it unlocked, the count, never the date). An
    answer on a link that no longer works changes nothing and records nothing.
    """
    draft = Submission.objects.select_for_update().get(pk=submission.pk)
    if not draft.is_draft or draft.resume_failures >= settings.CLINIC_RESUME_MAX_FAILURES:
        return False
    unlocked = bool(draft.identity.get("date_of_birth") == date_of_birth.isoformat())
    before = draft.resume_failures
    draft.resume_failures = 0 if unlocked else before + 1
    if draft.resume_failures != before:
        draft.save(update_fields=["resume_failures"])
    audit.audit_record(
        actor=audit.PATIENT,
        action=AuditEvent.Action.RESUME,
        submission=draft,
        changed_fields=["resume_failures"] if draft.resume_failures != before else [],
        details={
            "unlocked": unlocked,
            "failures": draft.resume_failures,
            "link_closed": draft.resume_failures >= settings.CLINIC_RESUME_MAX_FAILURES,
        },
    )
    return unlocked


def submission_purge_expired_drafts(*, now: dt.datetime | None = None) -> int:
    """Delete unfinished forms past their expiry (7 days after the last save by default).

    A draft on which the emergency advice was shown is kept: it is a case, with the alert, the
    clinician's follow-up note and its audit history, deleted like a sent form by the retention
    job (intake/services/retention.py). Side effects: deletes draft Submission rows and their
    notifications; an audit event per draft (actor: the system; ids only), written by the
    audited queryset's delete(). Returns how many.
    """
    now = now or timezone.now()
    expired = Submission.objects.filter(
        status=Submission.Status.DRAFT, expires_at__lt=now, interruption_shown_at__isnull=True
    )
    _deleted, per_model = expired.audited(details={"reason": "expired_draft"}).delete()
    return per_model.get(Submission._meta.label, 0)
