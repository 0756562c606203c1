"""The audit log and the outbox: records staff look at, never edit.

The audit log is read-only for everyone. The outbox shows what was sent, what is waiting and
what failed; staff allowed to change notifications can retry them (a service call), no more.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.admin.base import CappedCountPaginator, ReadOnlyAdmin
from intake.backoffice.permissions import staff_member
from intake.models import AuditEvent, Notification
from intake.services import outbox


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log: read-only, no add, change or delete for anyone."""

    list_display = (
        "created_at",
        "who",
        "actor_kind",
        "action",
        "object_repr",
        "ip_address",
    )
    list_filter = ("action", "actor_kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_username", "object_repr")
    list_select_related = ()
    show_full_result_count = False
    paginator = CappedCountPaginator
    readonly_fields = (
        "created_at",
        "who",
        "actor_kind",
        "action",
        "object_repr",
        "submission_id",
        "changed_fields",
        "details",
        "ip_address",
    )
    fields = readonly_fields

    @admin.display(description=gettext_lazy("who"), ordering="actor_username")
    def who(self, obj: AuditEvent) -> str:
        # As the case history says it: the staff member's user name, "patient" for what the
        # patient did through their form or an emailed link, or "system".
        return obj.actor_label


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: what was sent, what is waiting and what failed. Staff can retry, not edit.

    The recipient is personal data and stays off these pages; the error says what went wrong.
    """

    list_display = (
        "id",
        "case",
        "kind",
        "channel",
        "status",
        "attempts",
        "due_at",
        "created_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "kind", "channel", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("submission",)
    search_fields = ("submission__reference",)
    search_help_text = gettext_lazy("A case's reference (exact).")
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "recipient"]
    exclude = ("recipient",)
    show_full_result_count = False

    paginator = CappedCountPaginator
    ordering = ("-created_at", "-id")
    actions = ("retry_now",)

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.display(description=gettext_lazy("case"), ordering="submission__reference")
    def case(self, obj: Notification) -> str:
        # The reference staff quote and search by (an unfinished form has none yet).
        url = reverse("admin:intake_submission_change", args=[obj.submission_id])
        return format_html('<a href="{}">{}</a>', url, obj.submission)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Notification], search_term: str
    ) -> tuple[QuerySet[Notification], bool]:
        """A reference, exactly (the unique index), in any case: never a scan of the outbox."""
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        return queryset.filter(submission__reference=term), False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("intake.change_notification")

    @admin.action(permissions=["retry"], description=gettext_lazy("Retry now"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = outbox.notification_retry(
            notification_ids=list(queryset.values_list("pk", flat=True)),
            actor=staff_member(request),
        )
        self.message_user(
            request,
            _("%(count)s notification(s) queued to be sent again.") % {"count": count},
            messages.SUCCESS,
        )
