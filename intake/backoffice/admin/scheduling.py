"""The diary in the admin: its reference data (clinicians, appointment types, availability,
leave and closures, slots) and the day view (the appointment list, a day at a time).

Display lives here; booking, moving, cancelling and attendance are the workflow views of
`intake/backoffice/views/booking.py`, linked from these pages, and every change goes through the
services. Permissions are checked on the server for every page and button (intake/roles.py).
Pages that show a patient's identity are audited like the submission page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.admin.base import ReadOnlyAdmin, apply_each
from intake.backoffice.audit import audit_staff
from intake.backoffice.display import tier_badge_html
from intake.backoffice.forms import AppointmentTypeForm, CancelForm, parse_day
from intake.backoffice.permissions import can_change_appointments, staff_member
from intake.http import client_address
from intake.models import AuditEvent
from intake.scheduling import windows
from intake.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Clinician,
    ClinicianRole,
    Slot,
)
from intake.scheduling.services import booking


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


# --- Reference data: clinicians, appointment types, availability --------------------------------


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
        day, zone = self.day(), windows.clinic_zone()
        start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    """The day view: one day's appointments in time order, the clinician a column (two people
    seen at 09:00 by two clinicians are next to each other), with a date picker, a day and a
    week either way, and a printable day sheet (by clinician, for the desk).

    Read-only as a model admin: booking, moving, cancelling and attendance are buttons that
    post to the booking views (which check the add and change permissions themselves).
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
    ordering = ("starts_at", "clinician__name", "pk")
    list_per_page = 200
    actions = ["mark_attended", "mark_no_show"]
    change_list_template = "admin/scheduling/appointment/change_list.html"
    change_form_template = "admin/scheduling/appointment/change_form.html"
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
            "previous_week": with_day(day - dt.timedelta(days=7)),
            "next_week": with_day(day + dt.timedelta(days=7)),
            "today": with_day(timezone.localdate()),
            # The date picker (a GET form) keeps the other filters (clinician, status).
            "kept_filters": [
                (name, value)
                for name, values in request.GET.lists()
                if name not in ("day", "p")
                for value in values
            ],
            "day_sheet_url": reverse("admin:scheduling_appointment_day_sheet")
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
            lambda appointment: booking.appointment_record_attendance(
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
