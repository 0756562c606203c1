"""The triage queue, the submission page and its history, in the Django admin.

Display and filtering live here; every change goes through the services, and the submission
page's buttons post to the workflow views (`intake/backoffice/views/triage.py`). Clinical detail
(answers, free text, scores, reasons) is shown only to users with `intake.view_clinical_detail`,
checked on the server for every page, search and export; receptionists see identity, contact,
tier and status. Every view of a submission page and every change is written to the audit log.

The submission page is built for the phone call (issue 20; intake/backoffice/casepage.py): the
number to ring today, the preferred contact and the call-by time first, for every role; then
alerts, actions, booking and notes; then the clinical detail and the history, in words. A search
on the queue looks at every status (the default "Awaiting review" filter steps aside for it).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.expressions import Expression
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import clinical, summary
from intake.backoffice import casepage
from intake.backoffice.admin.base import CappedCountPaginator, ReadOnlyAdmin, apply_each
from intake.backoffice.audit import audit_staff
from intake.backoffice.display import humanise, tier_badge_html
from intake.backoffice.forms import (
    BookingGuidanceForm,
    FollowUpForm,
    NoteForm,
    OverrideTierForm,
    ReasonForm,
    StatusReasonForm,
)
from intake.backoffice.permissions import (
    can_book,
    can_change_appointments,
    can_erase_patient_data,
    can_export,
    can_export_patient_data,
    can_see_clinical,
    can_triage,
    may_download_handover,
    staff_member,
)
from intake.http import client_address
from intake.models import AWAITING_REVIEW_Q, TIER_RANK, AuditEvent, Submission, SubmissionNote, Tier
from intake.scheduling import guidance
from intake.scheduling.selectors import (
    appointment_get_booked_for,
    appointment_get_booked_start,
    appointment_list_cancelled_by_patient,
    bookingrequest_get_for,
    bookingrequest_needs_slot,
    submission_get_deadline,
)
from intake.selectors.workflow import (
    COUNT_CAP,
    QUEUE_ORDER,
    auditevent_list_for_submission,
    submission_list_awaiting_counts,
    submission_list_for_triage,
)
from intake.services import data_rights, workflow

REFERENCE_RE = re.compile(r"^LEG-[A-Z0-9]{4}-[A-Z0-9]{4}$")
Status = Submission.Status


# --- Filters ------------------------------------------------------------------------------------


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to "awaiting review" (submitted or in review, and unfinished forms
    that showed the emergency advice until a clinician follows them up): the triage queue."""

    title = gettext_lazy("status")
    parameter_name = "queue"
    AWAITING = "awaiting"
    ALL = "all"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.request = request
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (self.AWAITING, _("Awaiting review")),
            *[(value, label) for value, label in Status.choices],
            (self.ALL, _("All")),
        ]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or (self.ALL if searching(self.request) else self.AWAITING)
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        value = self.value()
        if value is None and searching(request):
            # A search looks at every status: a reference typed on the default view must not
            # come back "0 results" because the case is already triaged or booked (issue 20).
            return queryset
        value = value or self.AWAITING
        if value == self.AWAITING:
            # And the triaged cases reception could not find a slot for in time: the
            # clinicians decide how those patients are seen (the queue's annotation).
            return queryset.filter(AWAITING_REVIEW_Q | Q(needs_slot=True))
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


def searching(request: HttpRequest) -> bool:
    """Whether the queue's search box was used (the admin's `q` parameter, not blank)."""
    return bool(request.GET.get(SEARCH_VAR, "").strip())


class NeedsSlotFilter(admin.SimpleListFilter):
    """Reception found no free slot inside the booking window and asked the clinicians."""

    title = gettext_lazy("needs a slot")
    parameter_name = "needs_slot"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(needs_slot=True)  # type: ignore[misc]
        if self.value() == "no":
            return queryset.filter(needs_slot=False)  # type: ignore[misc]
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = gettext_lazy("tier")
    parameter_name = "tier"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Tier.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        value = self.value()
        if value is not None and value in Tier.values:
            # By rank, the indexed column: a range of the queue index, already in queue order.
            return queryset.filter(tier_rank=TIER_RANK[value])
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = gettext_lazy("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Me")), ("anyone", _("Anyone")), ("nobody", _("Nobody"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(assigned_to_id=request.user.pk)
        if self.value() == "anyone":
            return queryset.filter(assigned_to__isnull=False)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class HasAppointmentFilter(admin.SimpleListFilter):
    title = gettext_lazy("has appointment")
    parameter_name = "appointment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        # On the queue's annotation: an upcoming (booked) appointment, as the column shows.
        # (The type checker cannot see the selector's annotation.)
        if self.value() == "yes":
            return queryset.filter(next_appointment__isnull=False)  # type: ignore[misc]
        if self.value() == "no":
            return queryset.filter(next_appointment__isnull=True)  # type: ignore[misc]
        return queryset


class InterruptionFilter(admin.SimpleListFilter):
    title = gettext_lazy("emergency advice shown mid-form")
    parameter_name = "interrupted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(interruption_shown_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(interruption_shown_at__isnull=True)
        return queryset


# --- The queue and the submission page ---------------------------------------------------------


class QueueChangeList(ChangeList):
    """The admin changelist, with the queue's own ordering always applied."""

    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Expression | str]:
        ordering = super().get_ordering(request, queryset)
        # Column sorting is allowed; without it, urgency then waiting time.
        return ordering if self.params.get("o") else list(QUEUE_ORDER)


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_filter = (
        QueueStatusFilter,
        TierFilter,
        AssignedFilter,
        ("submitted_at", admin.DateFieldListFilter),
        InterruptionFilter,
        NeedsSlotFilter,
        HasAppointmentFilter,
    )
    search_fields = ("reference",)  # the real search is get_search_results
    search_help_text = gettext_lazy("Reference (exact), patient name, email or phone.")
    list_select_related = ("patient", "assigned_to")
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = [
        "assign_to_me",
        "mark_in_review",
        "export_csv",
        "export_patient_data",
        "erase_patient_data",
    ]
    change_list_template = "admin/intake/submission/change_list.html"
    change_form_template = "admin/intake/submission/change_form.html"

    class Media:
        # The case page on paper: the summary and the answers, without the admin around them.
        css = {"all": ("intake/css/admin.css",), "print": ("intake/css/case_print.css",)}

    # Identity and workflow fields, all read-only: changes go through the workflow buttons.
    identity_fields = (
        "reference",
        "status",
        "tier_badge",
        "patient_name",
        "date_of_birth",
        "age",
        "email",
        "phone",
        "preferred_contact",
        "gp_practice",
        "nhs_number",
        "submitted_at",
        "assigned_to",
    )

    # -- permissions: read-only pages (ReadOnlyAdmin); the workflow has its own checks --

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not can_triage(request):
            actions.pop("assign_to_me", None)
            actions.pop("mark_in_review", None)
        return actions

    def has_export_permission(self, request: HttpRequest) -> bool:
        """Asked by the admin for actions marked `permissions=["export"]`: not offered without
        it, and a posted action it does not offer is refused ("No action selected")."""
        return can_export(request)

    def has_export_patient_data_permission(self, request: HttpRequest) -> bool:
        """A copy of one patient's data (access request): clinic admins (issue 18)."""
        return can_export_patient_data(request)

    def has_erase_patient_data_permission(self, request: HttpRequest) -> bool:
        """Erasing one patient's data (erasure request): clinic admins (issue 18)."""
        return can_erase_patient_data(request)

    # -- the queue --

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        # The booked appointment's start: the queue's "appointment" column and filter; whether
        # reception is waiting for a slot decision: "needs a slot".
        return submission_list_for_triage().annotate(
            next_appointment=appointment_get_booked_start(),
            needs_slot=bookingrequest_needs_slot(),
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        columns = ["case", "patient_name", "age", "tier_badge"]
        if can_see_clinical(request):
            columns.append("top_reason")
        columns += ["waiting", "queue_status", "appointment", "assigned_to"]
        return tuple(columns)

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> tuple[str, ...]:
        return ("case",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Submission], search_term: str
    ) -> tuple[QuerySet[Submission], bool]:
        """Reference exactly; an email exactly; a phone number by its digits; else the name."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if REFERENCE_RE.match(term.upper()):
            return queryset.filter(reference=term.upper()), False
        if "@" in term:
            return queryset.filter(patient__email__iexact=term), False
        digits = re.sub(r"[\s()+-]", "", term)
        if digits.isdigit() and len(digits) >= 6:
            return queryset.filter(patient__phone__contains=term), False
        # Served by a trigram index on PostgreSQL (migration 0004).
        return queryset.filter(patient__full_name__icontains=term), False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "tier_counts": submission_list_awaiting_counts(),
            "count_cap": COUNT_CAP,
        }
        return super().changelist_view(request, extra_context)

    # -- columns --

    @admin.display(description=gettext_lazy("reference"), ordering="reference")
    def case(self, obj: Submission) -> str:
        # A draft has no reference until it is sent.
        return obj.reference or _("Unfinished form #%(id)s") % {"id": obj.pk}

    @admin.display(description=gettext_lazy("patient"), ordering="patient__full_name")
    def patient_name(self, obj: Submission) -> str:
        if obj.patient:
            return obj.patient.full_name
        # A draft has no Patient row yet: the details typed on the first page. For a mid-form
        # emergency the phone number is what the on-call clinician needs first.
        name = str(obj.identity.get("full_name") or "—")
        phone = obj.identity.get("phone")
        if obj.is_open_emergency and phone:
            return format_html('{}<br><a href="tel:{}">{}</a>', name, phone, phone)
        return name

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def queue_status(self, obj: Submission) -> str:
        if obj.is_open_emergency:
            shown = timezone.localtime(obj.interruption_shown_at)
            return format_html(
                '<span class="form-not-finished">{}</span><br>{}',
                _("Form not finished"),
                _("Emergency advice shown %(time)s") % {"time": f"{shown:%d %b %H:%M}"},
            )
        if getattr(obj, "needs_slot", False):
            return format_html(
                '{}<br><span class="needs-slot">{}</span>',
                obj.get_status_display(),
                _("Needs a slot: reception found none in time"),
            )
        return str(obj.get_status_display())

    @admin.display(description=gettext_lazy("age"), ordering="age_years")
    def age(self, obj: Submission) -> Any:
        return "—" if obj.age_years is None else obj.age_years

    @admin.display(description=gettext_lazy("tier"), ordering="tier_rank")
    def tier_badge(self, obj: Submission) -> str:
        if not obj.tier:
            return "—"
        changed = (
            format_html(' <span class="tier-overridden">{}</span>', _("(changed by staff)"))
            if obj.overridden_at
            else ""
        )
        return format_html("{}{}", tier_badge_html(obj.tier), changed)

    @admin.display(description=gettext_lazy("appointment"), ordering="next_appointment")
    def appointment(self, obj: Submission) -> str:
        # Annotated by the queue's selector (one sub-query in the page's query, not one per row).
        starts = getattr(obj, "next_appointment", None)
        return f"{timezone.localtime(starts):%a %d %b %H:%M}" if starts else "—"

    @admin.display(description=gettext_lazy("top reason"))
    def top_reason(self, obj: Submission) -> str:
        reasons = obj.reasons or []
        if not reasons:
            return "—"
        text = str(reasons[0].get("staff_reason", ""))
        return text if len(text) <= 90 else text[:89] + "…"

    @admin.display(description=gettext_lazy("waiting"), ordering="awaiting_since")
    def waiting(self, obj: Submission) -> str:
        if obj.awaiting_since is None:
            return "—"
        now = timezone.now()
        text = humanise(now - obj.awaiting_since)
        # The tier's clock, the one the patient was told (CLINIC_TIERS: for URGENT, the
        # call-back before the closing time they were given).
        late = obj.is_awaiting_review and clinical.is_past_review_target(
            obj.tier, obj.awaiting_since, now
        )
        if late:
            return format_html(
                '<span class="waiting-late">{} <span class="waiting-late-label">{}</span></span>',
                text,
                _("(past target)"),
            )
        return text

    # -- the submission page --

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.identity_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.identity_fields

    @admin.display(description=gettext_lazy("date of birth"))
    def date_of_birth(self, obj: Submission) -> Any:
        return obj.patient.date_of_birth if obj.patient else obj.identity.get("date_of_birth")

    @admin.display(description=gettext_lazy("email"))
    def email(self, obj: Submission) -> Any:
        return obj.patient.email if obj.patient else obj.identity.get("email", "—")

    @admin.display(description=gettext_lazy("phone"))
    def phone(self, obj: Submission) -> Any:
        return obj.patient.phone if obj.patient else obj.identity.get("phone", "—")

    @admin.display(description=gettext_lazy("preferred contact"))
    def preferred_contact(self, obj: Submission) -> Any:
        return obj.patient.get_preferred_contact_display() if obj.patient else "—"

    @admin.display(description=gettext_lazy("GP practice"))
    def gp_practice(self, obj: Submission) -> Any:
        return (obj.patient.gp_practice if obj.patient else "") or "—"

    @admin.display(description=gettext_lazy("NHS number"))
    def nhs_number(self, obj: Submission) -> Any:
        return (obj.patient.nhs_number if obj.patient else "") or "—"

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
        clinical = can_see_clinical(request)
        audit_staff(
            request,
            action=AuditEvent.Action.VIEW,
            submission=obj,
            details={"clinical_detail": clinical},
        )
        context: dict[str, Any] = {
            "clinical": clinical,
            # The clinician summary (PDF) and the FHIR bundle of a sent form (issue 21).
            "can_download": may_download_handover(request) and not obj.is_draft,
            "can_triage": can_triage(request),
            "history": casepage.history_lines(auditevent_list_for_submission(obj)),
            "transitions": sorted(workflow.TRANSITIONS.get(obj.status, ())),
            "triageable": obj.status in workflow.TRIAGEABLE,
            "status_labels": dict(Status.choices),
            # Each form its own ids: several sit on the page at once.
            "override_form": OverrideTierForm(initial={"tier": obj.tier}, auto_id="override_%s"),
            "note_form": NoteForm(auto_id="note_%s"),
            "reason_form": StatusReasonForm(auto_id="status_%s"),
            "can_book": can_book(request),
            "can_change_appointments": can_change_appointments(request),
            "booked_appointment": appointment_get_booked_for(obj),
            "cancel_form": ReasonForm(auto_id="cancel_%s"),
            "follow_up_form": FollowUpForm(auto_id="follow_up_%s"),
            "contact": casepage.contact(obj),
            "patient_cancellations": list(appointment_list_cancelled_by_patient(obj)),
            **_booking_context(obj, now=timezone.now()),
        }
        if clinical:
            context.update(_clinical_context(obj))
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        """Our audit timeline instead of Django's LogEntry history (which we do not write)."""
        obj = self.get_object(request, object_id)  # None for a malformed id too: a 404
        if obj is None:
            raise Http404
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of %(ref)s") % {"ref": obj},
            "object": obj,
            "opts": self.opts,
            "history": casepage.history_lines(auditevent_list_for_submission(obj)),
        }
        return TemplateResponse(request, "admin/intake/submission/history.html", context)

    # -- bulk actions --

    @admin.action(description=gettext_lazy("Assign selected to me"))
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        if not can_triage(request):
            raise PermissionDenied
        for submission in queryset:
            workflow.submission_assign(
                submission=submission,
                assignee=staff_member(request),
                actor=staff_member(request),
                ip_address=client_address(request),
            )
        self.message_user(request, _("Assigned to you."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Mark selected as in review"))
    def mark_in_review(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        if not can_triage(request):
            raise PermissionDenied
        apply_each(
            self,
            request,
            queryset,
            lambda submission: workflow.submission_start_review(
                submission=submission,
                actor=staff_member(request),
                ip_address=client_address(request),
            ),
            done=_("%(n)d marked in review."),
            refused=_("%(n)d could not be marked in review from their status."),
        )

    @admin.action(description=gettext_lazy("Export selected (CSV)"), permissions=["export"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> StreamingHttpResponse:
        """CSV of the selection, for users with `intake.export_submission` (403 otherwise, even
        if called some other way than the admin's action menu); answers and reasons only for
        users who may see them. Audited."""
        if not can_export(request):
            raise PermissionDenied
        clinical = can_see_clinical(request)
        header = ["reference", "submitted_at", "status", "tier", "engine_tier", "patient", "email"]
        header += ["phone", "assigned_to"]
        if clinical:
            header += ["fired_rules", "top_reason"]
        rows = list(queryset.select_related("patient", "assigned_to"))
        audit_staff(
            request,
            action=AuditEvent.Action.EXPORT,
            details={"count": len(rows), "clinical_detail": clinical},
            object_repr=_("%(n)d submissions") % {"n": len(rows)},
        )

        def lines() -> Any:
            yield _csv_line(header)
            for s in rows:
                row = [
                    s.reference,
                    s.submitted_at.isoformat() if s.submitted_at else "",
                    s.status,
                    s.tier,
                    s.engine_tier,
                    s.patient.full_name if s.patient else "",
                    s.patient.email if s.patient else "",
                    s.patient.phone if s.patient else "",
                    s.assigned_to.get_username() if s.assigned_to else "",
                ]
                if clinical:
                    reasons = s.reasons or []
                    row += [" ".join(s.fired_rules), reasons[0]["staff_reason"] if reasons else ""]
                yield _csv_line(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="submissions.csv"'
        response["Cache-Control"] = "no-store"
        return response

    # -- a patient's data rights (issue 18) --

    @admin.action(
        description=gettext_lazy("Export this patient's data (access request, zip)"),
        permissions=["export_patient_data"],
    )
    def export_patient_data(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> HttpResponse | None:
        """A zip of one patient's data (JSON and HTML), for users with
        `intake.export_patient_data` (403 otherwise). The selection must be the forms of one
        patient (any one of them will do). Audited by the service."""
        if not can_export_patient_data(request):
            raise PermissionDenied
        patient = self._one_patient(request, queryset)
        if patient is None:
            return None
        export = data_rights.patient_export(
            patient=patient, actor=staff_member(request), ip_address=client_address(request)
        )
        response = HttpResponse(export.zip_bytes(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.stem}.zip"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(
        description=gettext_lazy("Erase this patient's data (erasure request)…"),
        permissions=["erase_patient_data"],
    )
    def erase_patient_data(
        self, request: HttpRequest, queryset: QuerySet[Submission]
    ) -> HttpResponse | None:
        """To the erasure page of the one patient selected, which asks for the reason and the
        second admin's confirmation (intake/backoffice/views/data_rights.py)."""
        if not can_erase_patient_data(request):
            raise PermissionDenied
        patient = self._one_patient(request, queryset)
        if patient is None:
            return None
        return HttpResponseRedirect(reverse("admin:intake_patient_erase", args=[patient.pk]))

    def _one_patient(self, request: HttpRequest, queryset: QuerySet[Submission]) -> Any:
        """The one patient whose sent forms are selected (unfinished forms in the selection
        add nothing: the patient's own are found by their details); None, with a message,
        if there is no such patient or more than one."""
        patients = {s.patient for s in queryset.select_related("patient") if s.patient}
        if not patients:
            self.message_user(
                request,
                _(
                    "Select a sent form of the patient: an unfinished form has no patient "
                    "record yet. (The patient's unfinished forms are included in their data.)"
                ),
                messages.WARNING,
            )
            return None
        if len(patients) > 1:
            self.message_user(request, _("Select the forms of one patient only."), messages.WARNING)
            return None
        return patients.pop()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_line(values: list[Any]) -> str:
    # Neutralise spreadsheet formulas in free text (CSV injection).
    safe = ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in values]
    return str(csv.writer(_Echo()).writerow(safe))


def _booking_context(obj: Submission, *, now: dt.datetime) -> dict[str, Any]:
    """When the patient should be called and booked by, and what triage told reception."""
    request = bookingrequest_get_for(obj)
    deadline = (
        submission_get_deadline(obj, request=request, now=now)
        if obj.status in (Status.TRIAGED, Status.BOOKED)
        else None
    )
    initial = (
        {"appointment_type": request.appointment_type, "note": request.note}
        if request is not None
        else {"appointment_type": guidance.recommended_type(obj)}
    )
    return {
        "booking_request": request,
        "deadline": deadline,
        "overdue": deadline is not None and obj.status == Status.TRIAGED and deadline.book_by < now,
        "needs_slot": request is not None and request.needs_slot_since is not None,
        "guidance_form": BookingGuidanceForm(initial=initial, auto_id="guidance_%s"),
        "suggested_type": initial["appointment_type"] if request is None else None,
        # The call-back the patient was promised (URGENT: before the closing time they were
        # given), while the case waits for review.
        "call_by": clinical.review_due(obj.tier, obj.awaiting_since)
        if obj.is_awaiting_review and obj.awaiting_since
        else None,
    }


def _clinical_context(obj: Submission) -> dict[str, Any]:
    """What only clinicians see: reasons, scores, not-sure answers, answers by step, body map.

    A draft (unfinished form, e.g. the patient stopped after the emergency advice and the
    on-call clinician followed the alert here) has no stored triage yet: it is worked out from
    the answers so far, and the page says so.
    """
    answers = obj.answers or {}
    fired = list(obj.fired_rules or [])
    reasons = obj.reasons or []
    scores = dict(obj.scores or {})
    live = None
    if obj.is_draft:
        live = clinical.evaluate(answers)
        stored = live.to_dict()
        fired, reasons = list(live.fired), stored["reasons"]
        scores = {**stored["scores"], "not_sure": stored["not_sure"]}
    not_sure = scores.pop("not_sure", [])
    pe_wells = scores.pop("pe_wells", None)
    pain_regions = answers.get("pain_regions") or []
    return {
        "draft_triage": live,
        "draft_tier": live.tier.name if live else "",
        "draft_tier_label": Tier(live.tier.name).label if live else "",
        "reasons": [
            {**reason, "tier_label": Tier(reason["tier"]).label}
            if reason.get("tier") in Tier.values
            else reason
            for reason in reasons
        ],
        "scores": scores,
        "score_lines": casepage.scores(scores),
        "pe_wells": pe_wells if "EMG_PE" in fired else None,
        "pe_wells_items": casepage.pe_wells_items(pe_wells),
        "not_sure_codes": not_sure,
        "interrupted_rules": [clinical.rule_title(code) for code in obj.interrupted_rules or []],
        "answer_summary": summary.summarise(answers, None, include_consent=True),
        "body_regions": {
            "pain_regions": pain_regions,
            "ecq6_sites": answers.get("ecq6_sites") or [],
        },
        "pain_region_words": casepage.regions("pain_regions", pain_regions),
        "notes": SubmissionNote.objects.filter(submission=obj).select_related("author"),
        # Their confirmation page and receipt, from the rules stored with the form.
        "patient_paragraphs": clinical.patient_message(fired, now=obj.submitted_at).paragraphs,
    }
