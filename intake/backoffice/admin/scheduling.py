"""Staff UI for scheduling: the diary's reference data, the booking page, the day view.

Registered from `intake/admin.py`. As there, display lives here and every change goes through
`intake/services.py`; permissions are checked on the server for every page and button:
booking, moving and cancelling need `intake.add_appointment` / `intake.change_appointment`
(receptionists and triage clinicians have both: intake/roles.py). Pages that show a patient's
identity are audited like the submission page; the printable day sheet like an export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import roles, scheduling, selectors, services
from intake.backoffice.admin.submissions import (
    ReadOnlyAdmin,
    ReasonForm,
    apply_each,
    audit_staff,
    can_book,
    staff_member,
    tier_badge_html,
)
from intake.identity import is_ascii_digits
from intake.models import (
    Appointment,
    AppointmentType,
    AuditEvent,
    AvailabilityException,
    AvailabilityRule,
    Clinician,
    ClinicianRole,
    Slot,
    Submission,
    Tier,
)
from intake.ratelimit import client_address


def can_change_appointments(request: HttpRequest) -> bool:
    return request.user.has_perm(roles.CHANGE_APPOINTMENT)


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


# --- Reference data: clinicians, appointment types, availability --------------------------------


class AppointmentTypeForm(forms.ModelForm[AppointmentType]):
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles that can take it"),
        choices=ClinicianRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AppointmentType
        fields = ("name", "duration_minutes", "roles", "location", "active")


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin[Any]):
    form = AppointmentTypeForm
    list_display = ("name", "duration_minutes", "roles_display", "location", "active")
    list_filter = ("active",)

    @admin.display(description=gettext_lazy("roles"))
    def roles_display(self, obj: AppointmentType) -> str:
        labels = dict(ClinicianRole.choices)
        return ", ".join(str(labels.get(role, role)) for role in obj.roles or [])


class AvailabilityRuleInline(admin.TabularInline[Any, Any]):
    model = AvailabilityRule
    extra = 0
    fields = ("weekday", "start_time", "end_time", "appointment_type", "valid_from", "valid_to")


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin[Any]):
    list_display = ("name", "role", "user", "active")
    list_filter = ("role", "active")
    search_fields = ("name",)
    inlines = [AvailabilityRuleInline]


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin[Any]):
    list_display = (
        "clinician",
        "weekday",
        "start_time",
        "end_time",
        "appointment_type",
        "valid_from",
        "valid_to",
    )
    list_filter = ("clinician", "weekday", "appointment_type")
    list_select_related = ("clinician", "appointment_type")


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin[Any]):
    list_display = ("starts_at", "ends_at", "clinician", "kind", "reason")
    list_filter = ("kind", "clinician")
    list_select_related = ("clinician",)
    date_hierarchy = "starts_at"


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    """Generated from the availability (`manage.py generate_slots`, nightly): read-only."""

    list_display = ("start", "end", "clinician", "appointment_type")
    list_filter = ("clinician", "appointment_type")
    list_select_related = ("clinician", "appointment_type")
    date_hierarchy = "start"


# --- The day view --------------------------------------------------------------------------------


def parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class DayFilter(admin.SimpleListFilter):
    """One day of the diary, today unless another is chosen (any ?day=YYYY-MM-DD works)."""

    title = gettext_lazy("day")
    parameter_name = "day"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        today = timezone.localdate()
        days = [today + dt.timedelta(days=n) for n in range(-1, 7)]
        names = {-1: _("Yesterday"), 0: _("Today"), 1: _("Tomorrow")}
        return [
            (day.isoformat(), names.get((day - today).days) or f"{day:%a %d %b}") for day in days
        ]

    def day(self) -> dt.date:
        return parse_day(self.value()) or timezone.localdate()

    def choices(self, changelist: Any) -> Any:
        current = self.day().isoformat()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> QuerySet[Any]:
        # Midnight to midnight in the clinic's zone (23 or 25 hours on a clock-change day).
        day, zone = self.day(), scheduling.clinic_zone()
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)


class CancelForm(ReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = gettext_lazy("Why is it cancelled? (required)")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    """The day view: appointments by day and clinician, with a printable day sheet.

    Read-only as a model admin: booking, moving, cancelling and attendance are buttons that
    call the services (add and change permissions are checked by those views themselves).
    """

    list_display = (
        "time",
        "clinician",
        "patient",
        "reference",
        "appointment_type",
        "status_text",
        "tier",
    )
    list_display_links = ("time",)
    list_filter = (DayFilter, "clinician", "status")
    list_select_related = ("clinician", "slot__appointment_type", "submission__patient")
    ordering = ("clinician__name", "starts_at", "pk")
    list_per_page = 200
    actions = ["mark_attended", "mark_no_show"]
    change_list_template = "admin/intake/appointment/change_list.html"
    change_form_template = "admin/intake/appointment/change_form.html"
    fields = (
        "reference",
        "patient",
        "when",
        "clinician",
        "appointment_type",
        "status",
        "booked_by",
        "booked_at",
        "cancelled_by",
        "cancelled_by_patient",
        "cancelled_at",
        "cancel_reason",
        "notes",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ("intake/css/admin.css",)}

    # -- columns --

    @admin.display(description=gettext_lazy("time"), ordering="starts_at")
    def time(self, obj: Appointment) -> str:
        # The day is the page's heading; the appointment page itself shows the full date.
        start, end = _local(obj.starts_at), _local(obj.ends_at)
        return f"{start:%H:%M}–{end:%H:%M}"

    @admin.display(description=gettext_lazy("date and time"))
    def when(self, obj: Appointment) -> str:
        start, end = _local(obj.starts_at), _local(obj.ends_at)
        return f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M}"

    @admin.display(description=gettext_lazy("patient"), ordering="submission__patient__full_name")
    def patient(self, obj: Appointment) -> str:
        patient = obj.submission.patient
        return patient.full_name if patient else "—"

    @admin.display(description=gettext_lazy("reference"))
    def reference(self, obj: Appointment) -> str:
        url = reverse("admin:intake_submission_change", args=[obj.submission_id])
        return format_html('<a href="{}">{}</a>', url, obj.submission.reference)

    @admin.display(description=gettext_lazy("appointment type"))
    def appointment_type(self, obj: Appointment) -> str:
        return obj.slot.appointment_type.name

    @admin.display(description=gettext_lazy("tier"))
    def tier(self, obj: Appointment) -> str:
        return tier_badge_html(obj.submission.tier)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_text(self, obj: Appointment) -> str:
        # Text, with a line through cancelled ones as well: never colour alone.
        label = obj.get_status_display()
        if obj.status == Appointment.Status.CANCELLED:
            return format_html('<del class="appointment-cancelled">{}</del>', label)
        return label

    # -- the list: day navigation and the day sheet --

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        day = parse_day(request.GET.get("day")) or timezone.localdate()

        def with_day(value: dt.date) -> str:
            query = request.GET.copy()
            query["day"] = value.isoformat()
            query.pop("p", None)
            return "?" + query.urlencode()

        sheet = QueryDict(mutable=True)
        sheet["day"] = day.isoformat()
        if request.GET.get("clinician__id__exact"):
            sheet["clinician"] = request.GET["clinician__id__exact"]
        extra_context = {
            **(extra_context or {}),
            "title": _("Diary"),
            "day": day,
            "previous_day": with_day(day - dt.timedelta(days=1)),
            "next_day": with_day(day + dt.timedelta(days=1)),
            "today": with_day(timezone.localdate()),
            "day_sheet_url": reverse("admin:intake_appointment_day_sheet")
            + "?"
            + sheet.urlencode(),
        }
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and self.has_view_permission(request):
            # The diary names patients: who looked at which day is recorded like any view.
            audit_staff(
                request,
                action=AuditEvent.Action.VIEW,
                details={"diary": day.isoformat()},
                object_repr=_("Diary %(day)s") % {"day": day.isoformat()},
            )
        return response

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        urls = [
            path("day-sheet/", view(self.day_sheet_view), name="intake_appointment_day_sheet"),
            path("book/<int:submission_id>/", view(self.book_view), name="intake_appointment_book"),
            path(
                "book/<int:submission_id>/<slug:action>/",
                view(self.book_action_view),
                name="intake_appointment_book_action",
            ),
            path("<int:object_id>/move/", view(self.move_view), name="intake_appointment_move"),
            path(
                "<int:object_id>/do/<slug:action>/",
                view(self.appointment_action_view),
                name="intake_appointment_action",
            ),
        ]
        return urls + super().get_urls()

    def day_sheet_view(self, request: HttpRequest) -> HttpResponse:
        """A printable list of one day's appointments, by clinician. Audited as an export."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        day = parse_day(request.GET.get("day")) or timezone.localdate()
        clinician = None
        if is_ascii_digits(request.GET.get("clinician") or ""):
            clinician = Clinician.objects.filter(pk=int(request.GET["clinician"])).first()
        appointments = list(selectors.appointment_list_for_day(day, clinician=clinician))
        audit_staff(
            request,
            action=AuditEvent.Action.EXPORT,
            details={
                "day_sheet": day.isoformat(),
                "count": len(appointments),
                "submissions": [a.submission_id for a in appointments],
            },
            object_repr=_("Day sheet %(day)s") % {"day": day.isoformat()},
        )
        by_clinician: dict[Clinician, list[Appointment]] = {}
        for appointment in appointments:
            by_clinician.setdefault(appointment.clinician, []).append(appointment)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Day sheet"),
            "day": day,
            "clinician": clinician,
            "by_clinician": list(by_clinician.items()),
            "printed_at": timezone.localtime(),
        }
        response = TemplateResponse(request, "admin/intake/appointment/day_sheet.html", context)
        response["Cache-Control"] = "no-store"
        return response

    # -- the appointment page --

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_permission(request, obj):
            return super().change_view(request, object_id, form_url, extra_context)
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            submission=obj.submission,
            details={"page": "appointment", "appointment": obj.pk},
        )
        context = {
            "can_change_appointment": can_change_appointments(request),
            "cancel_form": CancelForm(),
            "started": obj.starts_at <= timezone.now(),
        }
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    # -- booking --

    def _submission_for_booking(self, request: HttpRequest, submission_id: int) -> Submission:
        submission = get_object_or_404(
            Submission.objects.select_related("patient"), pk=submission_id
        )
        submission_admin = self.admin_site._registry[Submission]
        if not can_book(request) or not submission_admin.has_view_permission(request, submission):
            raise PermissionDenied
        return submission

    def book_view(self, request: HttpRequest, submission_id: int) -> HttpResponse:
        """Free slots for a submission, inside its tier's window first; POST books one."""
        submission = self._submission_for_booking(request, submission_id)
        errors: list[str] = []
        if request.method == "POST":
            done, errors = _act_on_chosen_slot(
                request,
                lambda slot: services.appointment_book(
                    submission=submission,
                    slot=slot,
                    actor=staff_member(request),
                    notes=str(request.POST.get("notes", ""))[:2000],
                    ip_address=client_address(request),
                ),
                success=_("Booked: %(slot)s. The confirmation email is on its way."),
                submission_id=submission.pk,
            )
            if done is not None:
                return done
        else:
            audit_staff(
                request,
                action=AuditEvent.Action.VIEW,
                submission=submission,
                details={"page": "booking"},
            )
        return self._slot_page(request, submission=submission, errors=errors)

    def move_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The same list of free slots, to move a booked appointment; POST moves it."""
        appointment = get_object_or_404(
            Appointment.objects.select_related("submission__patient", "clinician", "slot"),
            pk=object_id,
        )
        if not can_change_appointments(request) or not self.has_view_permission(request):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            done, errors = _act_on_chosen_slot(
                request,
                lambda slot: services.appointment_move(
                    appointment=appointment,
                    slot=slot,
                    actor=staff_member(request),
                    ip_address=client_address(request),
                ),
                success=_("Moved to %(slot)s. The patient is told by email."),
                submission_id=appointment.submission_id,
            )
            if done is not None:
                return done
        else:
            audit_staff(
                request,
                action=AuditEvent.Action.VIEW,
                submission=appointment.submission,
                details={"page": "move", "appointment": appointment.pk},
            )
        return self._slot_page(
            request, submission=appointment.submission, errors=errors, moving=appointment
        )

    def _slot_page(
        self,
        request: HttpRequest,
        *,
        submission: Submission,
        errors: list[str],
        moving: Appointment | None = None,
    ) -> HttpResponse:
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
        context = {
            **self.admin_site.each_context(request),
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
            "posted_slot": request.POST.get("slot", ""),
            "notes": request.POST.get("notes", ""),
            "action_url": (
                reverse("admin:intake_appointment_move", args=[moving.pk])
                if moving
                else reverse("admin:intake_appointment_book", args=[submission.pk])
            ),
        }
        # A refused booking is the page again with the reason at the top (HTTP 200, never 500).
        return TemplateResponse(request, "admin/intake/appointment/book.html", context)

    def book_action_view(
        self, request: HttpRequest, submission_id: int, action: str
    ) -> HttpResponse:
        """The booking page's other buttons: escalate (no slot in the window), and record
        what was done for an EMERGENCY."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        submission = self._submission_for_booking(request, submission_id)
        back = reverse("admin:intake_appointment_book", args=[submission.pk])
        ip = client_address(request)
        try:
            if action == "escalate":
                services.submission_escalate_no_slot(
                    submission=submission, actor=staff_member(request), ip_address=ip
                )
                done = _("The triage clinicians have been alerted that no slot is free in time.")
            elif action == "emergency":
                services.submission_record_emergency_direction(
                    submission=submission,
                    text=str(request.POST.get("text", "")),
                    actor=staff_member(request),
                    ip_address=ip,
                )
                done = _("Recorded.")
            else:
                raise PermissionDenied
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(back)

    def appointment_action_view(
        self, request: HttpRequest, object_id: int, action: str
    ) -> HttpResponse:
        """Cancel (with a reason) or record attendance, from the appointment or submission page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        appointment = get_object_or_404(Appointment, pk=object_id)
        if not can_change_appointments(request) or not self.has_view_permission(request):
            raise PermissionDenied
        ip = client_address(request)
        try:
            if action == "cancel":
                form = CancelForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give a reason for cancelling."))
                services.appointment_cancel(
                    appointment=appointment,
                    reason=form.cleaned_data["reason"],
                    actor=staff_member(request),
                    ip_address=ip,
                )
                done = _("Cancelled; the slot is free again and the patient is told by email.")
            elif action in ("attended", "no_show"):
                services.appointment_record_attendance(
                    appointment=appointment,
                    status=action,
                    actor=staff_member(request),
                    ip_address=ip,
                )
                done = _("Attendance recorded.")
            else:
                raise PermissionDenied
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
        back = request.POST.get("next") or ""
        if back != "submission":
            return HttpResponseRedirect(
                reverse("admin:intake_appointment_change", args=[appointment.pk])
            )
        return HttpResponseRedirect(
            reverse("admin:intake_submission_change", args=[appointment.submission_id])
        )

    # -- bulk actions on the day view --

    def _attendance(
        self, request: HttpRequest, queryset: QuerySet[Appointment], status: str
    ) -> None:
        if not can_change_appointments(request):
            raise PermissionDenied
        apply_each(
            self,
            request,
            queryset,
            lambda appointment: services.appointment_record_attendance(
                appointment=appointment,
                status=status,
                actor=staff_member(request),
                ip_address=client_address(request),
            ),
            done=_("%(n)d recorded."),
            refused=_("%(n)d not booked or not started yet: left as they were."),
        )

    @admin.action(description=gettext_lazy("Mark selected as attended"))
    def mark_attended(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._attendance(request, queryset, Appointment.Status.ATTENDED)

    @admin.action(description=gettext_lazy("Mark selected as did not attend"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._attendance(request, queryset, Appointment.Status.NO_SHOW)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not can_change_appointments(request):
            actions.pop("mark_attended", None)
            actions.pop("mark_no_show", None)
        return actions


def _act_on_chosen_slot(
    request: HttpRequest,
    act: Callable[[Slot], object],
    *,
    success: str,
    submission_id: int,
) -> tuple[HttpResponse | None, list[str]]:
    """Book or move into the slot the form chose: back to the submission with a message, or
    the errors to show on the slot page again (no slot chosen, taken meanwhile, ...)."""
    slot = _posted_slot(request)
    if slot is None:
        return None, [_("Choose a slot.")]
    try:
        act(slot)
    except ValidationError as error:
        return None, list(error.messages)
    messages.success(request, success % {"slot": slot})
    return HttpResponseRedirect(reverse("admin:intake_submission_change", args=[submission_id])), []


def _posted_slot(request: HttpRequest) -> Slot | None:
    value = str(request.POST.get("slot", ""))
    if not is_ascii_digits(value):
        return None
    return Slot.objects.select_related("clinician", "appointment_type").filter(pk=value).first()


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
