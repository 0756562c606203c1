"""Retention (issue 18): what has outlived its retention period is deleted or blanked, nightly.

One run (`retention_apply`, from the beat job `apply-retention`) does, in order:

1. **Cases**: a sent form, or an unfinished one that showed the emergency advice (a case in
   the queue: `purge_expired_drafts` keeps those), is deleted with its appointments, notes,
   messages, escalations and ruleset changes once CLINIC_RETENTION_DAYS have passed since the
   **last contact with its patient**: the latest sending, emergency advice and its follow-up,
   status change, override, note or appointment of *any* of that patient's cases (a case with
   no patient, its own). The NHS Records Management Code of Practice keeps an adult's health
   record "8 years after the conclusion of treatment", and the record is the patient's: while
   one of their cases is inside the period, their older ones stay too, as history a clinician
   may need. Deleting goes through the audited querysets: one audit event per submission and
   appointment, actor the system, `details.reason` "retention".
2. **Patients** with no submission left, not changed within the same period.
3. **Messages**: a delivered message (sent, or a reminder cancelled before it was due) older
   than CLINIC_MESSAGE_RETENTION_DAYS loses its recipient address or number and any error
   text; its kind, channel, template, times and status stay. Bodies are never stored (they
   are rendered when sent), so the recipient is all the personal data a row holds. Pending
   and failed messages are left alone: they are still work to do.
4. **Sessions** past their expiry, by the session engine's own `clear_expired()` (what
   `manage.py clearsessions` does).
5. **Audit events** older than CLINIC_AUDIT_RETENTION_DAYS: on PostgreSQL through the
   database function `intake_audit_purge()` (migration 0024 says why no other way works), on
   SQLite with the ORM.

Idempotent: everything is chosen by age, so a second run finds nothing and counts zeros. Each
step is its own transaction (cases in batches), not one for the whole run: a failure in a
late step (the audit purge refused by a missing grant, say) keeps what the earlier ones did,
and a first run over years of history never holds one huge transaction. The run is recorded
in a RetentionRun row (counts only) as it goes; the admin home page shows the latest.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from importlib import import_module
from typing import Any, cast

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from intake.models import (
    AuditedQuerySet,
    AuditEvent,
    Escalation,
    Notification,
    Patient,
    RetentionRun,
    RulesetChange,
    Submission,
    SubmissionNote,
)
from intake.selectors.retention import submission_list_past_retention

logger = logging.getLogger(__name__)

# What a run counts, in the order the admin home page names them.
RETENTION_COUNTS = (
    "submissions",
    "appointments",
    "patients",
    "notes",
    "notifications",
    "escalations",
    "ruleset_changes",
    "messages",
    "sessions",
    "audit_events",
)
# What each model's deleted rows are counted as (Django's per-model delete counts).
_COUNTED_AS = {
    Submission._meta.label: "submissions",
    "scheduling.Appointment": "appointments",
    SubmissionNote._meta.label: "notes",
    Notification._meta.label: "notifications",
    Escalation._meta.label: "escalations",
    RulesetChange._meta.label: "ruleset_changes",
}
# Cases are deleted this many at a time, each batch in its own transaction.
CASE_BATCH = 500
# What the audit events of deleted cases say (as purge_drafts' say "expired_draft").
AUDIT_REASON = {"reason": "retention"}


def retention_apply(*, now: dt.datetime | None = None) -> RetentionRun:
    """Delete or blank everything past its retention period (the module's docstring says what)
    and record the run. `now` is the day the periods are counted back from (the clock by
    default; tests pass another); the run's own times are always the clock's.

    Side effects: deletes submissions, their appointments, notes, notifications, escalations
    and ruleset changes, patients left with none, expired sessions and old audit events;
    blanks the recipients of old delivered notifications; one audit event per deleted
    submission and appointment (actor: the system); one RetentionRun row, updated after each
    step. Not one transaction (see the module's docstring): a step that fails leaves the run
    without `finished_at`, and the exception goes to the caller.
    """
    today = now or timezone.now()
    run = RetentionRun.objects.create(
        started_at=timezone.now(), counts=dict.fromkeys(RETENTION_COUNTS, 0)
    )
    steps: Sequence[Callable[[dt.datetime], Counter[str]]] = (
        _delete_expired_cases,
        _delete_patients_without_cases,
        _blank_delivered_messages,
        _clear_expired_sessions,
        _purge_audit_events,
    )
    for step in steps:
        counts = step(today)
        run.counts = {**run.counts, **{k: run.counts.get(k, 0) + v for k, v in counts.items()}}
        run.save(update_fields=["counts"])
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    logger.info("retention run %s: %s", run.pk, run.counts)  # counts only
    return run


# --- 1. Cases --------------------------------------------------------------------------------


def _cutoff(today: dt.datetime, days: int) -> dt.datetime:
    return today - dt.timedelta(days=days)


def _appointments() -> AuditedQuerySet[Any]:
    """Every appointment, through its audited queryset. The scheduling app owns appointments
    and sits above the core, which never imports it: the model is reached through
    Submission's reverse relation, as the outbox reaches an appointment."""
    model = cast(type[models.Model], Submission._meta.get_field("appointments").related_model)
    return cast(AuditedQuerySet[Any], model._base_manager.all())


def _delete_expired_cases(today: dt.datetime) -> Counter[str]:
    cutoff = _cutoff(today, settings.CLINIC_RETENTION_DAYS)
    expired = submission_list_past_retention(cutoff=cutoff).order_by("pk")
    ids = list(expired.values_list("pk", flat=True))
    counts: Counter[str] = Counter()
    for batch in _batches(ids):
        counts += _delete_cases(batch, cutoff=cutoff)
    return counts


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CASE_BATCH):
        yield ids[start : start + CASE_BATCH]


@transaction.atomic
def _delete_cases(ids: list[int], *, cutoff: dt.datetime) -> Counter[str]:
    """Delete the cases among `ids` that are still expired once locked (a note added since
    they were chosen keeps its case), appointments first: they protect their submission."""
    still = submission_list_past_retention(cutoff=cutoff).filter(pk__in=ids)
    locked = list(still.select_for_update(of=("self",)).values_list("pk", flat=True))
    counts: Counter[str] = Counter()
    if not locked:
        return counts
    for queryset in (
        _appointments().filter(submission_id__in=locked),
        Submission.objects.filter(pk__in=locked),
    ):
        _total, per_model = queryset.audited(details=AUDIT_REASON).delete()
        for label, deleted in per_model.items():
            counts[_COUNTED_AS.get(label, label.lower())] += deleted
    return counts


# --- 2. Patients -----------------------------------------------------------------------------


@transaction.atomic
def _delete_patients_without_cases(today: dt.datetime) -> Counter[str]:
    """Patients with no submission left (retention took their last), not changed within the
    retention period: a patient sending a form now is changed now, so is never taken."""
    cutoff = _cutoff(today, settings.CLINIC_RETENTION_DAYS)
    alone = Patient.objects.filter(
        ~Exists(Submission.objects.filter(patient_id=OuterRef("pk"))), updated_at__lt=cutoff
    )
    ids = list(alone.select_for_update().values_list("pk", flat=True))
    deleted, _per_model = alone.filter(pk__in=ids).delete()
    return Counter({"patients": deleted})


# --- 3. Messages -----------------------------------------------------------------------------


@transaction.atomic
def _blank_delivered_messages(today: dt.datetime) -> Counter[str]:
    """Blank the recipient (and any error text) of messages delivered before the cut-off: sent
    then, or cancelled (a reminder no longer needed) and written then."""
    cutoff = _cutoff(today, settings.CLINIC_MESSAGE_RETENTION_DAYS)
    Status = Notification.Status
    delivered = Notification.objects.filter(
        Q(status=Status.SENT, sent_at__lt=cutoff)
        | Q(status=Status.SENT, sent_at__isnull=True, created_at__lt=cutoff)
        | Q(status=Status.CANCELLED, created_at__lt=cutoff)
    )
    blanked = delivered.exclude(recipient="", last_error="").update(recipient="", last_error="")
    return Counter({"messages": blanked})


# --- 4. Sessions -----------------------------------------------------------------------------


def _clear_expired_sessions(today: dt.datetime) -> Counter[str]:
    """The configured session engine's `clear_expired()`, as `manage.py clearsessions` runs it.
    Counted where the sessions are rows (the database engines); a cache or cookie engine
    expires its own and counts nothing here. Always the clock's now: a session's expiry is
    not a retention period."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    expired = 0
    if issubclass(store, DatabaseSessionStore):
        model = store.get_model_class()
        expired = model.objects.filter(expire_date__lt=timezone.now()).count()
    store.clear_expired()
    return Counter({"sessions": expired})


# --- 5. Audit events -------------------------------------------------------------------------


def _purge_audit_events(today: dt.datetime) -> Counter[str]:
    """Delete audit events recorded before the cut-off. On PostgreSQL only the database
    function intake_audit_purge() can (the triggers refuse everyone else; migration 0024),
    and it refuses a cut-off less than a year ago; the settings never ask for one."""
    days = max(settings.CLINIC_AUDIT_RETENTION_DAYS, settings.AUDIT_PURGE_MIN_DAYS)
    cutoff = _cutoff(today, days)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT intake_audit_purge(%s)", [cutoff])
            row = cursor.fetchone()
        return Counter({"audit_events": int(row[0]) if row else 0})
    with transaction.atomic():
        deleted, _per_model = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return Counter({"audit_events": deleted})
