"""Intake models: the patient record, the questionnaire submission and the notification outbox.

Models hold data and its invariants (constraints, choices). Behaviour that changes state lives in
`intake/services/`; reads that join models live in `intake/selectors/`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import NotSupportedError, models, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.encryption import (
    EncryptedCharField,
    EncryptedJSONField,
    EncryptedTextField,
    LookupHashField,
    lookup_hash,
)
from intake.triage import Tier as EngineTier


class Tier(models.TextChoices):
    """Urgency tiers (spec §1). Values equal the engine's tier names and are never renamed."""

    EMERGENCY = EngineTier.EMERGENCY.name, _("Emergency")
    URGENT = EngineTier.URGENT.name, _("Urgent")
    SOON = EngineTier.SOON.name, _("Soon")
    ROUTINE = EngineTier.ROUTINE.name, _("Routine")


# Queue order: EMERGENCY first. Stored beside the tier so the database can sort and index it.
TIER_RANK = {tier.name: int(tier) for tier in EngineTier}


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")


class PatientQuerySet(models.QuerySet["Patient"]):
    """`update(nhs_number=...)` sets the number's keyed hash too, as `save()` does
    (LookupHashField): the look-up by NHS number must never find a stale hash."""

    def update(self, **kwargs: Any) -> int:
        if "nhs_number" in kwargs and "nhs_number_hash" not in kwargs:
            number = kwargs["nhs_number"]
            if hasattr(number, "resolve_expression"):
                raise TypeError("Set nhs_number to a value, not an expression: its hash follows.")
            kwargs["nhs_number_hash"] = lookup_hash(str(number or ""))
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]


class Patient(models.Model):
    """Who the patient is and how to reach them. Created or updated when a form is sent."""

    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(_("phone"), max_length=30)
    preferred_contact = models.CharField(
        _("preferred contact"), max_length=10, choices=ContactMethod.choices
    )
    gp_practice = models.CharField(_("GP practice"), max_length=200, blank=True)
    # Encrypted at rest (issue 18, docs/security.md); found by its keyed hash, kept in step by
    # every save (the sending service, which writes through plainsql, passes it).
    nhs_number = EncryptedCharField(_("NHS number"), max_length=10, blank=True)
    nhs_number_hash = LookupHashField(source="nhs_number")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        # The patient's rights (issue 18): a copy of everything held about one patient, and
        # erasure. Clinic admins only (intake/roles.py); intake/services/data_rights.py.
        permissions = [
            ("export_patient_data", _("Can export one patient's data (access request)")),
            ("erase_patient_data", _("Can erase one patient's data (erasure request)")),
        ]
        # Sending a form finds the patient by NHS number (its keyed hash), else by email (any
        # case) and date of birth. Plain indexes: `db_index=True` on a text field would add a
        # second, LIKE-only index on PostgreSQL that no query uses and every insert pays for.
        indexes = [
            models.Index(fields=["nhs_number_hash"], name="patient_nhs_number_hash_idx"),
            models.Index(Upper("email"), "date_of_birth", name="patient_email_dob_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name


# A draft on which the emergency advice was shown, not yet followed up by a clinician: a case.
OPEN_EMERGENCY_Q = models.Q(
    status="draft", interruption_shown_at__isnull=False, interruption_handled_at__isnull=True
)
# What the queue shows by default: sent and not yet triaged, or an open mid-form emergency.
AWAITING_REVIEW_Q = models.Q(status__in=["submitted", "in_review"]) | OPEN_EMERGENCY_Q
# Cases the escalation sweep watches: nobody has started to review them.
NOT_PICKED_UP_Q = models.Q(status="submitted") | OPEN_EMERGENCY_Q


# ---------------------------------------------------------------------------------------------
# The audit nothing bypasses (issue 17): bulk writes on submissions and appointments
# ---------------------------------------------------------------------------------------------

_M = TypeVar("_M", bound=models.Model)

# Locked rows are changed, and their audit rows written, this many at a time (well under
# SQLite's limit on the parameters of one statement).
AUDIT_BATCH = 500


class AuditedQuerySet(models.QuerySet[_M]):
    """`update()` and `delete()` that leave one audit row per row they change.

    Every change of a case goes through a service that records what it did (intake/services/),
    but `QuerySet.update()` and `delete()` are one line away anywhere: a management command, a
    shell, a data fix. On these querysets (the default and base managers of Submission and
    Appointment, so also their related managers, `bulk_update()` and the SET_NULL updates of a
    deleted user) both record, in the same transaction, one audit row per affected row: the
    changed field *names* (never the values: free text and identity stay out of the log),
    the submission, and who did it. Without `.audited(...)` that is "system", action "change"
    (or "delete"). A caller that knows better says so:

        Submission.objects.filter(...).audited(actor=user, ip_address=ip).update(status=...)

    How: in one transaction, lock the matching rows (`SELECT ... FOR UPDATE`, their ids only),
    change exactly those (the same filter plus `pk IN` the locked ids, so a row that matches
    only later is neither changed nor recorded), then insert their audit rows in bulk. That
    is one SELECT more, and one INSERT per 500 rows: cheap for what uses it (commands, the
    daily purge), and nothing on the patient's hot path uses it.

    Not covered, on purpose: `Model.save()` and `Model.delete()` on one instance (the services
    do that, each with its own audit event), creating rows, and `update_unaudited()` below
    (the patient's page saves through plainsql's ORM fallback; docs/operations.md, "The audit
    log", says why they are not recorded). tests/intake/test_audit_trail.py holds all this.
    """

    # What each row's audit event names: its own id, its submission's id, the reference.
    audit_columns: tuple[str, str, str] = ("pk", "pk", "reference")
    # Set for rows that are not submissions themselves: details name them ("appointment": id).
    audit_entity: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._audit: dict[str, Any] = {}

    def _clone(self) -> Self:
        # Django's private copy step (not in django-stubs): the audit context goes along.
        clone: Self = super()._clone()  # type: ignore[misc]
        clone._audit = self._audit
        return clone

    def audited(
        self,
        *,
        actor: Any = None,
        action: str = "",
        ip_address: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> Self:
        """Who makes the next `update()` or `delete()`, and how: copied into its audit rows.

        `actor`: a staff User, AuditEvent.ActorKind.PATIENT, or None for the system. `details`:
        names and ids only, as everywhere in the audit log."""
        clone = self.all()
        clone._audit = {
            "actor": actor,
            "action": action,
            "ip_address": ip_address,
            "details": dict(details or {}),
        }
        return clone

    def update(self, **kwargs: Any) -> int:
        if not kwargs:
            return super().update()
        self._refuse_as_django_does("update")
        with transaction.atomic(using=self.db, savepoint=False):
            rows = self._lock_rows()
            changed = 0
            for batch in _batches(rows):
                pks = [row[0] for row in batch]
                changed += models.QuerySet.update(self.filter(pk__in=pks), **kwargs)
                self._record(batch, action=AuditEvent.Action.CHANGE, fields=sorted(kwargs))
        return changed

    update.alters_data = True  # type: ignore[attr-defined]

    def update_unaudited(self, **kwargs: Any) -> int:
        """`QuerySet.update()` without audit rows, for a caller that records its own audit event
        or, for a patient's draft page saves, deliberately none (docs/operations.md). Only
        intake/plainsql.py's ORM path calls it (tests/intake/test_audit_trail.py fences it)."""
        return super().update(**kwargs)

    update_unaudited.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_as_django_does("delete")
        with transaction.atomic(using=self.db, savepoint=False):
            rows = self._lock_rows()
            total = 0
            per_model: Counter[str] = Counter()
            for batch in _batches(rows):
                pks = [row[0] for row in batch]
                deleted, counts = models.QuerySet.delete(self.filter(pk__in=pks))
                total += deleted
                per_model.update(counts)
                self._record(batch, action=AuditEvent.Action.DELETE, fields=[])
        return total, dict(per_model)

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def _refuse_as_django_does(self, what: str) -> None:
        """What Django's own update() or delete() refuses, refused before anything runs."""
        if self.query.combinator:
            raise NotSupportedError(f"Calling QuerySet.{what}() after {self.query.combinator}()")
        if self.query.is_sliced:  # Django's own messages
            if what == "update":
                raise TypeError("Cannot update a query once a slice has been taken.")
            raise TypeError("Cannot use 'limit' or 'offset' with delete().")

    def _lock_rows(self) -> list[tuple[Any, ...]]:
        """The matching rows' audit columns, locked until the transaction ends, in id order
        (two such updates never deadlock)."""
        locking = self.order_by("pk").select_for_update(of=("self",))
        locking.query.distinct = False  # FOR UPDATE refuses DISTINCT; ids are deduplicated
        rows = locking.values_list(*self.audit_columns)
        return list({row[0]: row for row in rows}.values())

    def _record(self, rows: Sequence[tuple[Any, ...]], *, action: str, fields: list[str]) -> None:
        context = self._audit
        who = AuditEvent.actor_fields(context.get("actor"))
        via = "queryset.delete" if action == AuditEvent.Action.DELETE else "queryset.update"
        AuditEvent.objects.using(self.db).bulk_create(
            [
                AuditEvent(
                    **who,
                    action=context.get("action") or action,
                    submission_id=submission_id,
                    object_repr=reference or _("Draft %(id)s") % {"id": submission_id},
                    changed_fields=fields,
                    details={
                        **({self.audit_entity: pk} if self.audit_entity else {}),
                        "via": via,
                        **context.get("details", {}),
                    },
                    ip_address=context.get("ip_address"),
                )
                for pk, submission_id, reference in rows
            ]
        )


def _batches(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), AUDIT_BATCH):
        yield rows[start : start + AUDIT_BATCH]


class SubmissionQuerySet(AuditedQuerySet["Submission"]):
    """Submissions: every `update()` and `delete()` audited (AuditedQuerySet)."""


class Submission(models.Model):
    """One questionnaire: a draft while the patient fills it in, then a sent form to triage.

    The draft keeps every answer given so far (`answers`, question code → stored value) and the
    identity details of step 1 (`identity`), so the patient can resume on any device by link.
    When sent, the answers are frozen and the engine's result is stored beside them, with the
    ruleset version, so that any decision can be explained later.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        TRIAGED = "triaged", _("Triaged")
        BOOKED = "booked", _("Booked")
        REFERRED = "referred", _("Referred elsewhere")
        CLOSED = "closed", _("Closed")

    # Opaque, random, URL-safe; the only thing about a draft that ever appears in a URL.
    # Unique by a constraint in Meta (not unique=True: see there).
    token = models.CharField(max_length=64, editable=False)
    # No index of its own: the queue index starts with it.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    # Encrypted at rest, each as one token (issue 18): identity holds the NHS number and date
    # of birth, answers the free text (main problem, medicines, allergies) and the health data.
    identity = EncryptedJSONField(default=dict, blank=True)
    answers = EncryptedJSONField(default=dict, blank=True)

    # The emergency interruption (spec §2.4): when it was first shown and for which rules.
    interruption_shown_at = models.DateTimeField(null=True, blank=True)
    interrupted_rules = models.JSONField(default=list, blank=True)
    # A draft that showed the emergency advice is a case in the triage queue until a clinician
    # records what was done (or the patient sends the form): when, and by whom.
    interruption_handled_at = models.DateTimeField(null=True, blank=True)
    interruption_handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the patient typed on the page an emergency answer interrupted, as posted (field name
    # → list of values), so that "carry on with the form" shows it again with its errors.
    # Emptied when that page is next posted. {"step": code, "data": {...}, "to_check": bool}
    held_input = EncryptedJSONField(default=dict, blank=True)
    # What the patient typed on pages saved with "Save and come back later" (issue 19), as
    # posted (field name → list of values), valid or not, so that each page shows it again when
    # they come back; the answers keep only what was valid. A page's entry goes when the page is
    # next saved with Continue; all of it when the form is sent. Encrypted like held_input: it
    # is what the patient typed (issue 18).
    # {"page": key of the page saved last, "to_check": bool, "pages": {key: {name: [values]}}}
    typed_input = EncryptedJSONField(default=dict, blank=True)

    # Bumped by every save of a draft page: saves never overwrite each other (optimistic lock).
    version = models.PositiveIntegerField(default=0)
    # Wrong dates of birth given on the resume link; the link stops working past a limit.
    resume_failures = models.PositiveSmallIntegerField(default=0)

    # Set when sent. Unique by a constraint in Meta, so NULL (not "") while a draft: many
    # drafts, no reference.
    reference = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the case joined the triage queue: the emergency interruption of a draft, else the
    # sending of the form. The queue's waiting time and the escalation sweep count from it.
    awaiting_since = models.DateTimeField(null=True, blank=True)
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    ruleset_version = models.CharField(max_length=20, blank=True)
    engine_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    # The tier staff work to: the engine's, unless a clinician overrode it (reason kept).
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    tier_rank = models.PositiveSmallIntegerField(default=0)
    fired_rules = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    # The language the patient used the form in: their emails and texts are written in it.
    # (What they were told is not stored: it is rendered from `fired_rules` when shown.)
    language = models.CharField(max_length=10, blank=True)

    # Staff workflow.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_submissions",
        verbose_name=_("assigned to"),
    )
    override_reason = EncryptedTextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # Bulk updates and deletes leave an audit row per row (AuditedQuerySet), also through the
    # base manager Django uses for related lookups and a deleted user's SET_NULL updates.
    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        base_manager_name = "objects"
        permissions = [
            ("view_clinical_detail", _("Can see answers, free text, scores and reasons")),
            ("triage_submission", _("Can assign, review, override, note, refer and close")),
            # Bulk export of patient data: its own permission, not "view" (issue 17).
            ("export_submission", _("Can export submissions (CSV)")),
        ]
        indexes = [
            # The queue: awaiting review, most urgent first, then longest waiting.
            models.Index(
                fields=["status", "-tier_rank", "awaiting_since"], name="submission_queue_idx"
            ),
            # The default view (awaiting review) as an ordered scan of just the live queue.
            models.Index(
                fields=["-tier_rank", "awaiting_since"],
                name="submission_awaiting_idx",
                condition=AWAITING_REVIEW_Q,
            ),
            # "All" statuses, in the same order, without sorting the whole history.
            models.Index(fields=["-tier_rank", "awaiting_since"], name="submission_rank_idx"),
            models.Index(fields=["submitted_at"], name="submission_submitted_idx"),
        ]
        constraints = [
            # Constraints rather than unique=True, which on PostgreSQL adds a second, LIKE-only
            # index per field that no query uses and every page save has to update.
            models.UniqueConstraint(fields=["token"], name="submission_token_unique"),
            models.UniqueConstraint(fields=["reference"], name="submission_reference_unique"),
            models.CheckConstraint(
                name="submission_sent_has_reference",
                condition=models.Q(status="draft")
                | (models.Q(reference__isnull=False) & models.Q(submitted_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or _("Draft %(id)s") % {"id": self.pk}

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open_emergency(self) -> bool:
        """A draft that showed the emergency advice and that no clinician has followed up."""
        return (
            self.is_draft
            and self.interruption_shown_at is not None
            and self.interruption_handled_at is None
        )

    @property
    def is_awaiting_review(self) -> bool:
        """In the queue's default view: sent and not yet triaged, or an open mid-form emergency."""
        return self.status in AWAITING_REVIEW or self.is_open_emergency


# Sent, and not yet triaged: what waiting targets apply to.
AWAITING_REVIEW = (Submission.Status.SUBMITTED, Submission.Status.IN_REVIEW)


class Notification(models.Model):
    """The outbox: one message to send, written in the same transaction as its cause.

    A Celery task queued after commit sends it; a periodic sweep re-queues rows still pending,
    so a broker outage delays a message but never loses it. The row holds ids and a template
    name, never the message body: it is rendered at send time from the database.
    """

    class Kind(models.TextChoices):
        STAFF_ALERT = "staff_alert", _("Urgent alert to on-call staff")
        ESCALATION = "escalation", _("Escalation: urgent form not picked up")
        PATIENT_RECEIPT = "patient_receipt", _("Receipt to patient")
        RESUME_LINK = "resume_link", _("Resume link to patient")
        APPOINTMENT_CONFIRMATION = "appt_confirmation", _("Appointment confirmation to patient")
        APPOINTMENT_REMINDER = "appt_reminder", _("Appointment reminder to patient")
        APPOINTMENT_MOVED = "appt_moved", _("Appointment moved: notice to patient")
        APPOINTMENT_CANCELLED = "appt_cancelled", _("Appointment cancelled: notice to patient")
        RECEPTION_CANCELLED = "reception_cancelled", _("Patient cancelled: notice to reception")
        URGENT_CANCELLED = "urgent_cancelled", _("URGENT patient cancelled: alert to triage")
        NO_SLOT = "no_slot", _("No slot inside the booking window: alert to triage")
        BOOKING_OVERDUE = "booking_overdue", _("Booking deadline passed: alert to reception")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # A reminder for an appointment that was moved or cancelled before it was due.
        CANCELLED = "cancelled", _("Not needed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    template = models.CharField(max_length=100)
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="notifications"
    )
    # Set for messages about one appointment (confirmation, reminder, move, cancel). Named by
    # string: the scheduling app sits above the core, which never imports it.
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # No index of its own: (status, created_at) and the sweep's partial index serve it.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not to be sent before this: now for most messages, later for a reminder or after a failed
    # attempt (backoff). The database says when; beat's sweep sends what is due.
    due_at = models.DateTimeField(default=timezone.now)
    # When the sweep last handed the row to the broker (null: only the after-commit queueing).
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The sweep: pending rows that are due, oldest due first.
            models.Index(
                fields=["due_at"],
                name="notification_pending_due_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_urgent(self) -> bool:
        """Alerts to staff go on the `urgent` queue, which workers take first."""
        return self.kind in URGENT_KINDS


URGENT_KINDS = frozenset(
    {
        Notification.Kind.STAFF_ALERT,
        Notification.Kind.ESCALATION,
        Notification.Kind.URGENT_CANCELLED,
        Notification.Kind.NO_SLOT,
    }
)


class Escalation(models.Model):
    """An urgent form nobody started reviewing in time, escalated once per level (its tier).

    The unique constraint makes escalating idempotent, even if two beat runs overlap.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=10, choices=Tier.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "level"], name="escalation_once_per_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.level}"


class RulesetChange(models.Model):
    """A case awaiting review whose tier would fall under a newly released ruleset (spec §2.7).

    A tier is never lowered automatically: `triage_release` writes one of these instead, and a
    clinician accepts it (the case takes the new ruleset's triage) or dismisses it (the case
    keeps its tier), with a reason. One per case and ruleset, so a second release run adds none.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a clinician")
        ACCEPTED = "accepted", _("Accepted: lower tier applied")
        DISMISSED = "dismissed", _("Dismissed: tier kept")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="ruleset_changes"
    )
    from_ruleset = models.CharField(_("from ruleset"), max_length=20)
    to_ruleset = models.CharField(_("to ruleset"), max_length=20)
    old_tier = models.CharField(_("current tier"), max_length=10, choices=Tier.choices)
    new_tier = models.CharField(
        _("tier under the new ruleset"), max_length=10, choices=Tier.choices
    )
    old_rules = models.JSONField(default=list, blank=True)
    new_rules = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(
        max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("ruleset change")
        verbose_name_plural = _("ruleset changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "to_ruleset"], name="ruleset_change_once_per_release"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} {self.old_tier} → {self.new_tier} ({self.to_ruleset})"


class SubmissionNote(models.Model):
    """A clinician's note on a submission. Notes are added, never edited."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = EncryptedTextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return _("Note %(id)s") % {"id": self.pk}


class AuditEvent(models.Model):
    """Append-only record of who saw and changed what, when and from where.

    Holds names (of fields, statuses, tiers), never the clinical values themselves. On
    PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE (migrations 0004 and 0019), and the
    app can connect as a role without those privileges (docs/operations.md); the admin offers
    none of them. Events past their retention period go through one database function only,
    intake_audit_purge() (migration 0024; intake/services/retention.py). The submission
    link is a plain id (no foreign-key constraint) so purging a draft never rewrites history.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")
        STATUS = "status", _("Status changed")
        ASSIGN = "assign", _("Assigned")
        OVERRIDE = "override", _("Tier overridden")
        NOTE = "note", _("Note added")
        RERUN = "rerun", _("Engine re-run")
        EMERGENCY_FOLLOW_UP = "emergency_action", _("Mid-form emergency followed up")
        RULESET = "ruleset", _("Ruleset release")
        EXPORT = "export", _("Exported")
        ESCALATION = "escalation", _("Escalated")
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Login failed")
        # Staff sign-in (issue 17): "login" is the password step; these are the rest.
        SECOND_FACTOR = "second_factor", _("Second factor accepted")
        SECOND_FACTOR_FAILED = "second_factor_fail", _("Second factor refused")
        LOCKED_OUT = "locked_out", _("Sign-in locked out")
        THROTTLED = "signin_throttled", _("Sign-in refused: too many from the address")
        DEVICE_ADDED = "device_added", _("Sign-in method added")
        DEVICE_REMOVED = "device_removed", _("Sign-in method removed")
        DEVICES_RESET = "devices_reset", _("Sign-in methods reset")
        BACKUP_CODES = "backup_codes", _("Backup codes issued")
        BOOK = "book", _("Appointment booked")
        MOVE = "move", _("Appointment moved")
        CANCEL = "cancel", _("Appointment cancelled")
        ATTENDANCE = "attendance", _("Attendance recorded")
        # Issue 17: the patient's own actions, and bulk deletes.
        SUBMIT = "submit", _("Form sent")
        EMERGENCY_SHOWN = "emergency_shown", _("Emergency advice shown")
        RESUME = "resume", _("Resume link used")
        DELETE = "delete", _("Deleted")
        ACCESS_DENIED = "access_denied", _("Access denied")
        # Issue 18: a patient's data erased at their request (ids and counts only).
        ERASE = "erase", _("Personal data erased")
        # Issue 18: `manage.py reencrypt` after a key rotation (one event per run, counts only).
        REENCRYPT = "reencrypt", _("Re-encrypted with the current key")

    class ActorKind(models.TextChoices):
        """Who acted: a signed-in staff member (`actor`), the patient (through their form or an
        emailed link: no account, no name recorded), or the system (tasks, commands, the
        login page's failed attempts)."""

        STAFF = "staff", _("Staff member")
        PATIENT = "patient", _("Patient")
        SYSTEM = "system", _("System")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    # Blank on events recorded before it existed (migration 0019): staff if actor_username is
    # set, else the system. The audit log is append-only, so they are not filled in after.
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    submission = models.ForeignKey(
        Submission,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="audit_events",
    )
    object_repr = models.CharField(max_length=200, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["submission", "created_at"], name="audit_submission_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def actor_label(self) -> str:
        """Who, as the history shows it: the staff member's user name, "patient" or "system"."""
        if self.actor_username:
            return self.actor_username
        if self.actor_kind == self.ActorKind.PATIENT:
            return str(_("patient"))
        return str(_("system"))

    @classmethod
    def actor_fields(cls, actor: object) -> dict[str, Any]:
        """The actor columns of an event by `actor`: a signed-in user (staff),
        `ActorKind.PATIENT`, or anything else (None, an anonymous user) for the system."""
        if isinstance(actor, AbstractBaseUser) and actor.is_authenticated:
            return {
                "actor": actor,
                "actor_username": actor.get_username(),
                "actor_kind": cls.ActorKind.STAFF,
            }
        kind = cls.ActorKind.PATIENT if actor == cls.ActorKind.PATIENT else cls.ActorKind.SYSTEM
        return {"actor": None, "actor_username": "", "actor_kind": kind}


class StaffSessionCutoff(models.Model):
    """Every session of this user that signed in before `not_before` is over.

    Set when the user signs out (out of every browser at once), is deactivated, or has their
    sign-in methods reset; `intake.backoffice.middleware.StaffSessionLimits` ends the older
    sessions on their next request. One row per user, written by `intake.services.staff`.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    not_before = models.DateTimeField()

    class Meta:
        verbose_name = _("staff session cut-off")

    def __str__(self) -> str:
        return f"{self.user_id} not before {self.not_before:%Y-%m-%d %H:%M:%S}"


# ---------------------------------------------------------------------------------------------
# Retention (issue 18): each run of the nightly job, for the admin home page
# ---------------------------------------------------------------------------------------------


class RetentionRun(models.Model):
    """One run of the retention job (intake/services/retention.py): when it started and
    finished, and how many of each thing it removed. Counts only, never what was removed.

    Written when the run starts and again as each step ends, so a run that failed part-way
    shows what it had done, and no `finished_at`. The admin home page shows the latest.
    """

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What was removed, by kind: {"submissions": 3, "appointments": 2, "patients": 1,
    # "messages": 40, "sessions": 120, "audit_events": 0, ...} (RETENTION_COUNTS in the service).
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
