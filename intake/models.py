"""Intake models: the patient record, the questionnaire submission and the notification outbox.

Models hold data and its invariants (constraints, choices). Behaviour that changes state lives in
`intake/services.py`; reads that join models live in `intake/selectors.py`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.triage import Tier as EngineTier


class Tier(models.TextChoices):
    """Urgency tiers (spec §1). Values equal the engine's tier names and are never renamed."""

    EMERGENCY = EngineTier.EMERGENCY.name, _("Emergency")
    URGENT = EngineTier.URGENT.name, _("Urgent")
    SOON = EngineTier.SOON.name, _("Soon")
    ROUTINE = EngineTier.ROUTINE.name, _("Routine")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    TEXT = "text", _("Text message")


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
    nhs_number = models.CharField(_("NHS number"), max_length=10, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        indexes = [models.Index(fields=["email", "date_of_birth"])]

    def __str__(self) -> str:
        return self.full_name


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
    token = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    identity = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)

    # The emergency interruption (spec §2.4): when it was first shown and for which rules.
    interruption_shown_at = models.DateTimeField(null=True, blank=True)
    interrupted_rules = models.JSONField(default=list, blank=True)

    # Wrong dates of birth given on the resume link; the link stops working past a limit.
    resume_failures = models.PositiveSmallIntegerField(default=0)

    # Set when sent.
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    age_years = models.PositiveSmallIntegerField(null=True, blank=True)
    ruleset_version = models.CharField(max_length=20, blank=True)
    engine_tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    fired_rules = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    patient_message = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
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


class Notification(models.Model):
    """The outbox: one message to send, written in the same transaction as its cause.

    A Celery task queued after commit sends it; a periodic sweep re-queues rows still pending,
    so a broker outage delays a message but never loses it. The row holds ids and a template
    name, never the message body: it is rendered at send time from the database.
    """

    class Kind(models.TextChoices):
        STAFF_ALERT = "staff_alert", _("Urgent alert to on-call staff")
        PATIENT_RECEIPT = "patient_receipt", _("Receipt to patient")
        RESUME_LINK = "resume_link", _("Resume link to patient")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    template = models.CharField(max_length=100)
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="notifications"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
