"""Scheduling models: clinicians, appointment types, weekly availability and its exceptions,
slots, and appointments (docs/scheduling.md).

The tables were made by the core app's migrations (0010, 0011) and keep their names
(`db_table`): the models moved into this app without the database noticing (scheduling's
migration 0001 and intake's 0017). State changes go through `intake.scheduling.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.encryption import EncryptedCharField, EncryptedTextField
from intake.models import AuditedQuerySet, Submission


class Weekday(models.IntegerChoices):
    """Python's numbering (Monday = 0), as `date.weekday()` and CLINIC_OPEN_WEEKDAYS use."""

    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ClinicianRole(models.TextChoices):
    VASCULAR_SURGEON = "vascular_surgeon", _("Vascular surgeon")
    VASCULAR_NURSE = "vascular_nurse", _("Vascular nurse")
    SONOGRAPHER = "sonographer", _("Vascular sonographer")
    PODIATRIST = "podiatrist", _("Podiatrist")


class Clinician(models.Model):
    """Someone patients are booked with. Not necessarily a staff user of this system."""

    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=ClinicianRole.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinician",
        verbose_name=_("staff user"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "intake_clinician"
        verbose_name = _("clinician")
        verbose_name_plural = _("clinicians")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AppointmentType(models.Model):
    """What the appointment is for, how long it takes and which roles can take it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The name the triage recommendation table uses (intake/scheduling/guidance.py): a type
    # renamed in the admin keeps being recommended.
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "Optional. The name triage's recommendations use for this type, e.g. "
            "duplex_same_day (see docs/scheduling.md)."
        ),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    # ClinicianRole values; a rule may only offer this type for a clinician with one of them.
    roles = models.JSONField(_("roles that can take it"), default=list)
    location = models.CharField(
        _("where"), max_length=200, blank=True, help_text=_("Shown to the patient.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "intake_appointmenttype"
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="appointmenttype_duration_positive", condition=models.Q(duration_minutes__gt=0)
            )
        ]

    def __str__(self) -> str:
        return self.name


class AvailabilityRule(models.Model):
    """A clinician's weekly session: every <weekday> from <start> to <end>, one type of slot.

    Times are wall-clock times in the clinic's time zone (09:00 stays 09:00 across the change
    to and from summer time). Slots are generated from these rules; see `slots.slot_generate`.
    """

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="rules", verbose_name=_("clinician")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, verbose_name=_("appointment type")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        db_table = "intake_availabilityrule"
        verbose_name = _("availability rule")
        verbose_name_plural = _("availability rules")
        ordering = ["clinician__name", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                name="availabilityrule_starts_before_end",
                condition=models.Q(start_time__lt=models.F("end_time")),
            ),
            models.CheckConstraint(
                name="availabilityrule_valid_range",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} {self.get_weekday_display()} {self.start_time:%H:%M}"


class AvailabilityException(models.Model):
    """A time nobody can be booked: a clinician's leave, or (no clinician) a clinic closure."""

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        CLOSURE = "closure", _("Clinic closed")
        OTHER = "other", _("Other")

    clinician = models.ForeignKey(
        Clinician,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exceptions",
        verbose_name=_("clinician"),
        help_text=_("Leave empty for a closure of the whole clinic."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LEAVE)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    # Encrypted at rest (issue 18): a note on someone's leave can be about their health.
    reason = EncryptedCharField(_("note"), max_length=200, blank=True)

    class Meta:
        db_table = "intake_availabilityexception"
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="availabilityexception_starts_before_end",
                condition=models.Q(starts_at__lt=models.F("ends_at")),
            )
        ]

    def __str__(self) -> str:
        who = self.clinician or _("Whole clinic")
        return f"{who}: {self.get_kind_display()}"


class Slot(models.Model):
    """A bookable time with one clinician, generated from the availability rules.

    One slot per clinician and start (generation is idempotent through this constraint). A slot
    is free while it has no active appointment; see Appointment for the no-double-booking rules.
    """

    clinician = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, related_name="slots", verbose_name=_("clinician")
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, verbose_name=_("appointment type")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "intake_slot"
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["start", "clinician__name"]
        indexes = [models.Index(fields=["start"], name="slot_start_idx")]
        constraints = [
            models.UniqueConstraint(fields=["clinician", "start"], name="slot_once_per_start"),
            models.CheckConstraint(
                name="slot_starts_before_end", condition=models.Q(start__lt=models.F("end"))
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{local:%a %d %b %Y %H:%M} {self.clinician} ({self.appointment_type})"


# Statuses in which an appointment holds its slot (cancelled ones free it).
ACTIVE_APPOINTMENT_STATUSES = ("booked", "attended", "no_show")


class AppointmentQuerySet(AuditedQuerySet["Appointment"]):
    """Appointments: every `update()` and `delete()` leaves an audit row per appointment, on its
    submission, naming the appointment (intake.models.AuditedQuerySet)."""

    audit_columns = ("pk", "submission_id", "submission__reference")
    audit_entity = "appointment"


class Appointment(models.Model):
    """A submission booked into a slot. Changed only through the appointment_* services.

    No double booking, enforced by the database: at most one active (not cancelled) appointment
    per slot (a partial unique index, on every database), and on PostgreSQL no two active
    appointments of one clinician that overlap in time (an exclusion constraint over
    `tstzrange(starts_at, ends_at)`, created by intake's migration 0011; SQLite has none).
    The clinician and times are copied from the slot because a constraint cannot join tables.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="appointments"
    )
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by_patient = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Encrypted at rest (issue 18, docs/security.md).
    cancel_reason = EncryptedTextField(_("why cancelled"), blank=True)
    # A patient's cancellation is shown on the case page until reception acknowledges it.
    cancellation_acknowledged_at = models.DateTimeField(null=True, blank=True)
    cancellation_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    # Bumped by every move: the calendar file's SEQUENCE, so the patient's calendar updates.
    sequence = models.PositiveSmallIntegerField(default=0)
    # Its last change (booked, moved, cancelled, attendance): what the FHIR API's _lastUpdated
    # searches by (docs/integration.md). Every service's save names it in update_fields.
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    # Bulk updates and deletes audited, also through the base manager (as Submission's).
    objects = AppointmentQuerySet.as_manager()

    class Meta:
        db_table = "intake_appointment"
        base_manager_name = "objects"
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "clinician__name"]
        indexes = [
            models.Index(fields=["starts_at", "clinician"], name="appointment_day_idx"),
            models.Index(fields=["submission", "status"], name="appointment_submission_idx"),
            # The FHIR API's polls: changed since an instant, in order (issue 21).
            models.Index(fields=["updated_at", "id"], name="appointment_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(status__in=ACTIVE_APPOINTMENT_STATUSES),
                name="appointment_one_active_per_slot",
            ),
            # One upcoming appointment per submission: a second click books nothing twice.
            models.UniqueConstraint(
                fields=["submission"],
                condition=models.Q(status="booked"),
                name="appointment_one_booked_per_submission",
            ),
            models.CheckConstraint(
                name="appointment_starts_before_end",
                condition=models.Q(starts_at__lt=models.F("ends_at")),
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.submission} {local:%d %b %Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_APPOINTMENT_STATUSES

    @property
    def is_booked(self) -> bool:
        """Still to come: not cancelled, and attendance not yet recorded. The core asks this
        through its foreign keys (the outbox, closing a case) rather than importing this app."""
        return self.status == self.Status.BOOKED


class BookingRequest(models.Model):
    """What reception needs to book a triaged case, and what reception and triage tell each
    other about it (issue 20). One per submission, written when a clinician marks it triaged.

    - the clinician's guidance: the recommended appointment type (suggested from the fired rules
      and the likely category, intake/scheduling/guidance.py) and a booking note, which
      reception reads, so it holds no clinical detail;
    - `book_by`, the booking deadline (windows.case_deadline): the tier's window counted from
      when the form was sent, extended to the next opening session if it closed too soon after
      triage (`window_closed_at` then keeps the original, for the warning);
    - `needs_slot_since`: reception found no free slot inside the window and told the triage
      clinicians (the queue shows the case until a slot is booked or a clinician answers);
    - `overdue_alerted_at`: the beat job's alert that the deadline passed unbooked, once.

    Changed only through intake.scheduling.services.requests, which audits every change.
    """

    submission = models.OneToOneField(
        Submission,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="booking_request",
        verbose_name=_("submission"),
    )
    appointment_type = models.ForeignKey(
        AppointmentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recommended appointment type"),
    )
    # Staff text without clinical detail, encrypted at rest all the same, as every note is
    # (issue 18, docs/security.md): nothing looks it up in SQL.
    note = EncryptedCharField(_("booking note"), max_length=200, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"))
    book_by = models.DateTimeField(_("book by"), null=True, blank=True)
    window_closed_at = models.DateTimeField(_("window closed at"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    needs_slot_since = models.DateTimeField(_("needs a slot since"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("overdue alert sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking request")
        verbose_name_plural = _("booking requests")
        indexes = [models.Index(fields=["book_by"], name="bookingrequest_book_by_idx")]

    def __str__(self) -> str:
        return str(self.submission)


class CaseToBook(Submission):
    """Reception's list, "To book": triaged cases with no booked appointment, soonest deadline
    first (intake/backoffice/admin/to_book.py). A proxy: the same rows as Submission, no table.
    """

    class Meta:
        proxy = True
        verbose_name = _("case to book")
        verbose_name_plural = _("to book")
