"""Reception's own list, "To book" (issue 20): triaged cases with no booked appointment,
soonest booking deadline first, with what triage recommended and the booking note.

Reception lands here after signing in (views/account.py `landing`). A case past its deadline is
marked in words and colour (and beat's job has alerted reception by email); one reception asked
the triage clinicians about ("needs a slot") and one the patient cancelled say so. The search
box searches every case, whatever its status (the submission list, which ignores its default
filter for a search): a reference typed here is found even if the case is already booked.
Identity and contact only: no clinical detail, as everywhere reception looks.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice import casepage
from intake.backoffice.admin.base import CappedCountPaginator, ReadOnlyAdmin
from intake.backoffice.display import tier_badge_html
from intake.backoffice.permissions import may_book
from intake.models import TIER_RANK, Tier
from intake.scheduling.models import CaseToBook
from intake.scheduling.selectors import (
    casetobook_list,
    submission_filter_past_deadline,
    submission_get_deadline,
)


class DeadlineFilter(admin.SimpleListFilter):
    title = gettext_lazy("booking deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("passed", _("Passed")), ("today", _("Today")), ("later", _("Later"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CaseToBook]) -> QuerySet[Any]:
        now = timezone.now()
        end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=59)
        if self.value() == "passed":  # as the home page counts and the overdue alert reads it
            return submission_filter_past_deadline(queryset, now=now)
        if self.value() == "today":
            return queryset.filter(
                booking_request__book_by__gte=now, booking_request__book_by__lte=end_of_today
            )
        if self.value() == "later":
            return queryset.filter(booking_request__book_by__gt=end_of_today)
        return queryset


class ToBookTierFilter(admin.SimpleListFilter):
    title = gettext_lazy("tier")
    parameter_name = "tier"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(tier, label) for tier, label in Tier.choices if tier != Tier.EMERGENCY]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CaseToBook]) -> QuerySet[Any]:
        value = self.value()
        if value is not None and value in Tier.values:
            return queryset.filter(tier_rank=TIER_RANK[value])
        return queryset


@admin.register(CaseToBook)
class ToBookAdmin(ReadOnlyAdmin):
    # Six columns, to fit a 1366-pixel screen beside the filters: who and the number to ring,
    # and triage's type and note, share a column each.
    list_display = ("case", "who", "tier_badge", "book_by", "from_triage", "book")
    list_display_links = None
    list_filter = (DeadlineFilter, ToBookTierFilter)
    sortable_by = ()  # the order is the point: soonest deadline first
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = None
    change_list_template = "admin/scheduling/casetobook/change_list.html"

    class Media:
        css = {"all": ("intake/css/admin.css", "intake/css/case.css")}

    # -- who: those who book (reception, triage clinicians, clinic admins) --

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_book(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_book(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseToBook]:
        return casetobook_list()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # There is no page of its own: the case page is the one.
        if not self.has_view_permission(request):
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:intake_submission_change", args=[object_id]))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "title": _("To book"),
            "search_url": reverse("admin:intake_submission_changelist"),
        }
        return super().changelist_view(request, extra_context)

    # -- columns --

    @admin.display(description=gettext_lazy("reference"))
    def case(self, obj: CaseToBook) -> str:
        url = reverse("admin:intake_submission_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.reference)

    @admin.display(description=gettext_lazy("patient, number to ring today"))
    def who(self, obj: CaseToBook) -> str:
        name = obj.patient.full_name if obj.patient else "—"
        contact = casepage.contact(obj)
        if not contact.ring_today:
            return name
        return format_html(
            '{}<br><a href="tel:{}">{}</a>', name, contact.ring_today_tel, contact.ring_today
        )

    @admin.display(description=gettext_lazy("tier"))
    def tier_badge(self, obj: CaseToBook) -> str:
        return tier_badge_html(obj.tier)

    @admin.display(description=gettext_lazy("book by"))
    def book_by(self, obj: CaseToBook) -> str:
        now = timezone.now()
        request = getattr(obj, "booking_request", None)
        deadline = submission_get_deadline(obj, request=request, now=now)
        if deadline is None:
            return "—"
        when = formats.date_format(timezone.localtime(deadline.book_by), "D j M H:i")
        flags = []
        if getattr(obj, "needs_slot", False):
            flags.append(_("Needs a slot: triage asked"))
        if getattr(obj, "patient_cancelled", False):
            flags.append(_("The patient cancelled"))
        flagged = format_html_join(
            "", '<br><span class="to-book-flag">{}</span>', ((f,) for f in flags)
        )
        if deadline.book_by < now:
            return format_html(
                '<span class="to-book-deadline to-book-overdue">{} {}</span>{}',
                when,
                _("(passed)"),
                flagged,
            )
        return format_html('<span class="to-book-deadline">{}</span>{}', when, flagged)

    @admin.display(description=gettext_lazy("from triage"))
    def from_triage(self, obj: CaseToBook) -> str:
        """The recommended appointment type, and the booking note under it."""
        request = getattr(obj, "booking_request", None)
        kind = request.appointment_type if request else None
        note = request.note if request else ""
        if kind is None and not note:
            return "—"
        return format_html(
            "{}{}",
            kind.name if kind else _("No type recommended"),
            format_html('<br><q class="booking-note">{}</q>', note) if note else "",
        )

    @admin.display(description=gettext_lazy("book"))
    def book(self, obj: CaseToBook) -> str:
        url = reverse("admin:scheduling_appointment_book", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">{}<span class="visually-hidden"> {}</span></a>',
            url,
            _("Book"),
            obj.reference,
        )
