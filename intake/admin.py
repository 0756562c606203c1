"""Staff UI in the Django admin. Clinical answers are read-only; actions call services.

The triage queue, roles and audit log arrive with the staff-triage work; for now a submission
page exists so urgent alerts can link to it.
"""

from __future__ import annotations

from django.contrib import admin

from intake.models import Notification, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "tier", "submitted_at")
    list_filter = ("status", "tier")
    readonly_fields = [f.name for f in Submission._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
