"""Booking: the slot page (book a submission, or move its appointment), escalation when no slot
is free in time, the record of what was done for an emergency, cancelling and attendance.

Permissions, checked on the server: booking needs `intake.add_appointment` and the submission
page's own permission; moving, cancelling and attendance need `intake.change_appointment` and
the diary's (receptionists and triage clinicians have both: intake/roles.py). Each page that
shows a patient's identity is audited like the submission page; every change goes through one
service, which audits it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from intake import selectors, services
from intake.backoffice.audit import audit_staff
from intake.backoffice.display import tier_badge_html
from intake.backoffice.forms import BookForm, CancelForm, EmergencyDirectionForm, MoveForm
from intake.backoffice.permissions import may_book, may_change_appointments, staff_member
from intake.backoffice.views.base import StaffAction, admin_page, case_url
from intake.models import Appointment, AppointmentType, AuditEvent, Submission, Tier
from intake.ratelimit import client_address

# --- The slot page: book, or move ----------------------------------------------------------------


class Book(View):
    """Free slots for a submission, inside its tier's window first; POST books one."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_book(request):
            raise PermissionDenied
        self.submission = get_object_or_404(
            Submission.objects.select_related("patient"), pk=kwargs["submission_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            submission=self.submission,
            details={"page": "booking"},
        )
        return slot_page(request, submission=self.submission, form=BookForm())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = BookForm(request.POST)
        if form.is_valid():
            slot = form.cleaned_data["slot"]
            try:
                services.appointment_book(
                    submission=self.submission,
                    slot=slot,
                    actor=staff_member(request),
                    notes=form.cleaned_data["notes"],
                    ip_address=client_address(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Booked: %(slot)s. The confirmation email is on its way.") % {"slot": slot},
                )
                return HttpResponseRedirect(case_url(self.submission))
        return slot_page(request, submission=self.submission, form=form)


class Move(View):
    """The same list of free slots, to move a booked appointment; POST moves it."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_change_appointments(request):
            raise PermissionDenied
        self.appointment = get_object_or_404(
            Appointment.objects.select_related("submission__patient", "clinician", "slot"),
            pk=kwargs["appointment_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            submission=self.appointment.submission,
            details={"page": "move", "appointment": self.appointment.pk},
        )
        return self.page(MoveForm())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = MoveForm(request.POST)
        if form.is_valid():
            slot = form.cleaned_data["slot"]
            try:
                services.appointment_move(
                    appointment=self.appointment,
                    slot=slot,
                    actor=staff_member(request),
                    ip_address=client_address(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Moved to %(slot)s. The patient is told by email.") % {"slot": slot}
                )
                return HttpResponseRedirect(case_url(self.appointment.submission))
        return self.page(form)

    def page(self, form: MoveForm) -> HttpResponse:
        submission = self.appointment.submission
        return slot_page(self.request, submission=submission, form=form, moving=self.appointment)


def slot_page(
    request: HttpRequest,
    *,
    submission: Submission,
    form: MoveForm,
    moving: Appointment | None = None,
) -> HttpResponse:
    """The slot page; a refused booking is the page again with the reasons at the top and the
    choices as posted (HTTP 200, never 500)."""
    types = list(AppointmentType.objects.filter(active=True))
    chosen = next((t for t in types if str(t.pk) == request.GET.get("type")), None)
    now = timezone.now()
    options = selectors.slot_list_for_booking(
        tier=submission.tier,
        now=now,
        since=submission.submitted_at,
        appointment_type=chosen,
        exclude_slot=moving.slot_id if moving else None,
    )
    booked = None if moving else selectors.appointment_get_booked_for(submission)
    title = _("Move the appointment of %(ref)s") if moving else _("Book %(ref)s")
    errors = [error for errors in form.errors.values() for error in errors] if form.is_bound else []
    context = {
        "title": title % {"ref": submission.reference},
        "opts": Submission._meta,
        "submission": submission,
        "tier_badge": tier_badge_html(submission.tier),
        "emergency": submission.tier == Tier.EMERGENCY,
        "bookable_status": submission.status == Submission.Status.TRIAGED or moving,
        "status_label": submission.get_status_display(),
        "options": options,
        "window_missed": options.deadline is not None and options.deadline <= now,
        "window_rule": _window_rule(submission.tier),
        "types": types,
        "chosen_type": chosen,
        "booked": booked,
        "moving": moving,
        "errors": errors,
        "posted_slot": form.data.get("slot", ""),
        "notes": form.data.get("notes", ""),
        "action_url": (
            reverse("admin:intake_appointment_move", args=[moving.pk])
            if moving
            else reverse("admin:intake_appointment_book", args=[submission.pk])
        ),
    }
    return admin_page(request, "admin/intake/appointment/book.html", context)


def _window_rule(tier: str) -> str:
    if tier == Tier.URGENT:
        days = settings.CLINIC_BOOKING_URGENT_WORKING_DAYS
        if days == 1:
            return _("URGENT: by the end of the next working day after the form was sent.")
        return _("URGENT: by the end of the %(n)dth working day after the form was sent.") % {
            "n": days
        }
    if tier == Tier.SOON:
        return _("SOON: within %(n)d days of the form being sent.") % {
            "n": settings.CLINIC_BOOKING_SOON_DAYS
        }
    if tier == Tier.ROUTINE:
        return _(
            "ROUTINE: within %(n)d days of the form being sent (the clinic's routine target)."
        ) % {"n": settings.CLINIC_BOOKING_ROUTINE_DAYS}
    return ""


# --- The slot page's other buttons ---------------------------------------------------------------


class BookingAction(StaffAction[Submission]):
    """A button on the booking page; back to the booking page afterwards."""

    def permitted(self, request: HttpRequest) -> bool:
        return may_book(request)

    def target(self, **kwargs: Any) -> Submission:
        return get_object_or_404(
            Submission.objects.select_related("patient"), pk=kwargs["submission_id"]
        )

    def next_url(self, target: Submission) -> str:
        return reverse("admin:intake_appointment_book", args=[target.pk])


class Escalate(BookingAction):
    """No slot is free inside the tier's window: tell the triage clinicians."""

    done = gettext_lazy("The triage clinicians have been alerted that no slot is free in time.")

    def act(
        self, target: Submission, data: dict[str, Any], *, actor: User, ip_address: str | None
    ) -> None:
        services.submission_escalate_no_slot(submission=target, actor=actor, ip_address=ip_address)


class RecordEmergencyDirection(BookingAction):
    """An EMERGENCY is never booked: record what reception did (who was told what, when)."""

    form_class = EmergencyDirectionForm
    done = gettext_lazy("Recorded.")

    def act(
        self, target: Submission, data: dict[str, Any], *, actor: User, ip_address: str | None
    ) -> None:
        services.submission_record_emergency_direction(
            submission=target, text=data["text"], actor=actor, ip_address=ip_address
        )


# --- Cancel, attendance: from the appointment page or the submission page ------------------------


class AppointmentAction(StaffAction[Appointment]):
    """A button for one appointment; back to the page it was pressed on (`next`)."""

    def permitted(self, request: HttpRequest) -> bool:
        return may_change_appointments(request)

    def target(self, **kwargs: Any) -> Appointment:
        return get_object_or_404(Appointment, pk=kwargs["appointment_id"])

    def next_url(self, target: Appointment) -> str:
        if self.request.POST.get("next") == "submission":
            return reverse("admin:intake_submission_change", args=[target.submission_id])
        return reverse("admin:intake_appointment_change", args=[target.pk])


class Cancel(AppointmentAction):
    form_class = CancelForm
    invalid = gettext_lazy("Give a reason for cancelling.")
    done = gettext_lazy("Cancelled; the slot is free again and the patient is told by email.")

    def act(
        self, target: Appointment, data: dict[str, Any], *, actor: User, ip_address: str | None
    ) -> None:
        services.appointment_cancel(
            appointment=target, reason=data["reason"], actor=actor, ip_address=ip_address
        )


class RecordAttendance(AppointmentAction):
    """Attended or did not attend (`status`, one URL each), once the appointment has started."""

    status: str = ""
    done = gettext_lazy("Attendance recorded.")

    def act(
        self, target: Appointment, data: dict[str, Any], *, actor: User, ip_address: str | None
    ) -> None:
        services.appointment_record_attendance(
            appointment=target, status=self.status, actor=actor, ip_address=ip_address
        )
