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
        "actor_username",
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
        "actor_username",
        "actor_kind",
        "action",
        "object_repr",
        "submission_id",
        "changed_fields",
        "details",
        "ip_address",
    )
    fields = readonly_fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: what was sent, what is waiting and what failed. Staff can retry, not edit.

    The recipient is personal data and stays off these pages; the error says what went wrong.
    """

    list_display = (
        "id",
        "kind",
        "channel",
        "status",
        "attempts",
        "due_at",
        "created_at",
        "sent_at",
        "short_error",
        "submission_link",
    )
    list_filter = ("status", "kind", "channel", ("created_at", admin.DateFieldListFilter))
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "recipient"]
    exclude = ("recipient",)
    show_full_result_count = False

    paginator = CappedCountPaginator
    ordering = ("-created_at", "-id")
    actions = ("retry_now",)

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.display(description=gettext_lazy("submission"))
    def submission_link(self, obj: Notification) -> str:
        url = reverse("admin:intake_submission_change", args=[obj.submission_id])
        return format_html('<a href="{}">{}</a>', url, obj.submission_id)

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
