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
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from intake import clinical
from intake.backoffice.audit import audit_staff
from intake.backoffice.display import tier_badge_html
from intake.backoffice.forms import BookForm, CancelForm, EmergencyDirectionForm, MoveForm
from intake.backoffice.permissions import may_book, may_change_appointments
from intake.backoffice.views.base import Staff, StaffAction, admin_page, by_staff, case_url
from intake.models import AuditEvent, Submission, Tier
from intake.scheduling.models import Appointment, AppointmentType, Slot
from intake.scheduling.selectors import (
    appointment_get_booked_for,
    bookingrequest_get_for,
    slot_list_for_booking,
    slot_list_free,
    submission_get_deadline,
)
from intake.scheduling.services import booking
from intake.services import workflow

# --- The slot page: book, or move ----------------------------------------------------------------


class SlotPage(View):
    """The slot page: free slots, inside the tier's window first; POST takes the one chosen."""

    form_class: type[MoveForm] = MoveForm
    success: str | Promise = ""  # the message when done, with the slot as %(slot)s
    submission: Submission
    moving: Appointment | None = None

    def viewed(self) -> dict[str, Any]:
        """What the audit entry of looking at the page records."""
        raise NotImplementedError

    def choose(self, slot: Slot, data: dict[str, Any], by: Staff) -> None:
        """Call the service that books (or moves) into `slot`."""
        raise NotImplementedError

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            submission=self.submission,
            details=self.viewed(),
        )
        return self.page(self.form_class())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST)
        if form.is_valid():
            slot = form.cleaned_data["slot"]
            try:
                self.choose(slot, form.cleaned_data, by_staff(request))
            except ValidationError as error:
                form.add_error(None, error)  # taken meanwhile, started, leave, ...
            else:
                messages.success(request, str(self.success) % {"slot": slot})
                return HttpResponseRedirect(case_url(self.submission))
        return self.page(form)

    def page(self, form: MoveForm) -> HttpResponse:
        return slot_page(self.request, submission=self.submission, form=form, moving=self.moving)


class Book(SlotPage):
    """Book a submission into a free slot."""

    form_class = BookForm
    success = gettext_lazy("Booked: %(slot)s. The confirmation email is on its way.")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_book(request):
            raise PermissionDenied
        self.submission = get_object_or_404(
            Submission.objects.select_related("patient"), pk=kwargs["submission_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def viewed(self) -> dict[str, Any]:
        return {"page": "booking"}

    def choose(self, slot: Slot, data: dict[str, Any], by: Staff) -> None:
        booking.appointment_book(submission=self.submission, slot=slot, notes=data["notes"], **by)


class Move(SlotPage):
    """Move a booked appointment to another free slot (its own is not offered)."""

    success = gettext_lazy("Moved to %(slot)s. The patient is told by email.")
    moving: Appointment

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_change_appointments(request):
            raise PermissionDenied
        self.moving = get_object_or_404(
            Appointment.objects.select_related("submission__patient", "clinician", "slot"),
            pk=kwargs["appointment_id"],
        )
        self.submission = self.moving.submission
        return super().dispatch(request, *args, **kwargs)

    def viewed(self) -> dict[str, Any]:
        return {"page": "move", "appointment": self.moving.pk}

    def choose(self, slot: Slot, data: dict[str, Any], by: Staff) -> None:
        booking.appointment_move(appointment=self.moving, slot=slot, **by)


def slot_page(
    request: HttpRequest,
    *,
    submission: Submission,
    form: MoveForm,
    moving: Appointment | None = None,
) -> HttpResponse:
    """The slot page; a refused booking is the page again with the reasons at the top and the
    choices as posted (HTTP 200, never 500).

    The case's booking request sets the window (its deadline, extended after a late triage,
    with a warning) and the type filter: the recommended type's slots are shown first, until
    the receptionist chooses another type or "All types".
    """
    types = list(AppointmentType.objects.filter(active=True))
    guidance = bookingrequest_get_for(submission)
    recommended = guidance.appointment_type if guidance else None
    if "type" in request.GET:
        chosen = next((t for t in types if str(t.pk) == request.GET["type"]), None)
    else:
        chosen = recommended if recommended in types else None
    now = timezone.now()
    deadline = submission_get_deadline(submission, request=guidance, now=now)
    options = slot_list_for_booking(
        tier=submission.tier,
        now=now,
        since=submission.submitted_at,
        appointment_type=chosen,
        exclude_slot=moving.slot_id if moving else None,
        deadline=deadline.book_by if deadline else None,
    )
    # Filtered to one type with nothing of it in time: are there others, before escalating?
    other_types_in_window = (
        slot_list_free(now=now, until=options.deadline).count()
        if chosen is not None and options.deadline is not None and not options.in_window
        else 0
    )
    booked = None if moving else appointment_get_booked_for(submission)
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
        "other_types_in_window": other_types_in_window,
        "window_missed": options.deadline is not None and options.deadline <= now,
        "window_extended_from": deadline.closed_at if deadline else None,
        "window_rule": window_rule(submission.tier),
        "guidance": guidance,
        "recommended": recommended,
        "types": types,
        "chosen_type": chosen,
        "booked": booked,
        "moving": moving,
        "errors": errors,
        "posted_slot": form.data.get("slot", ""),
        "notes": form.data.get("notes", ""),
        "action_url": (
            reverse("admin:scheduling_appointment_move", args=[moving.pk])
            if moving
            else reverse("admin:scheduling_appointment_book", args=[submission.pk])
        ),
    }
    return admin_page(request, "admin/scheduling/appointment/book.html", context)


def window_rule(tier: str) -> str:
    """The tier's booking window in words, from its clock (CLINIC_TIERS)."""
    if tier not in settings.CLINIC_TIERS:
        return ""
    clock = clinical.tier_clock(tier)
    label = Tier(tier).label
    if clock.book_within_working_days == 0:
        return _(
            "%(tier)s: the same working day the form was sent (the patient was told they need "
            "to be seen today); sent when the clinic was closed, by the close of the next "
            "working day."
        ) % {"tier": label}
    if clock.book_within_working_days is not None:
        return _(
            "%(tier)s: by the close of the %(n)d working days after the day the form was sent."
        ) % {"tier": label, "n": clock.book_within_working_days}
    if clock.book_within_days is not None:
        return _("%(tier)s: within %(n)d days of the form being sent.") % {
            "tier": label,
            "n": clock.book_within_days,
        }
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
        return reverse("admin:scheduling_appointment_book", args=[target.pk])


class Escalate(BookingAction):
    """No slot is free inside the tier's window: tell the triage clinicians."""

    done = gettext_lazy(
        "The triage clinicians have been alerted that no slot is free in time. The case is in "
        "their queue as \u201cNeeds a slot\u201d until they answer or it is booked."
    )

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        booking.submission_escalate_no_slot(submission=target, **by)


class RecordEmergencyDirection(BookingAction):
    """An EMERGENCY is never booked: record what reception did (who was told what, when)."""

    form_class = EmergencyDirectionForm
    done = gettext_lazy("Recorded.")

    def act(self, target: Submission, data: dict[str, Any], by: Staff) -> None:
        workflow.submission_record_emergency_direction(submission=target, text=data["text"], **by)


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
        return reverse("admin:scheduling_appointment_change", args=[target.pk])


class Cancel(AppointmentAction):
    form_class = CancelForm
    invalid = gettext_lazy("Give a reason for cancelling.")
    done = gettext_lazy("Cancelled; the slot is free again and the patient is told by email.")

    def act(self, target: Appointment, data: dict[str, Any], by: Staff) -> None:
        booking.appointment_cancel(appointment=target, reason=data["reason"], **by)


class AcknowledgeCancellation(AppointmentAction):
    """Reception has seen the patient's cancellation: the case page's banner goes."""

    done = gettext_lazy("Cancellation acknowledged: the banner is gone from the case page.")

    def next_url(self, target: Appointment) -> str:
        return case_url(target.submission) + "#case-alerts"

    def act(self, target: Appointment, data: dict[str, Any], by: Staff) -> None:
        booking.appointment_acknowledge_cancellation(appointment=target, **by)


class RecordAttendance(AppointmentAction):
    """Attended or did not attend (`status`, one URL each), once the appointment has started."""

    status: str = ""
    done = gettext_lazy("Attendance recorded.")

    def act(self, target: Appointment, data: dict[str, Any], by: Staff) -> None:
        booking.appointment_record_attendance(appointment=target, status=self.status, **by)
