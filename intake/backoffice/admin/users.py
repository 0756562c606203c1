"""Staff accounts and roles in the admin: Django's user and group admin, with no way up for a
clinic admin, and pages that say in words who can do what.

Clinic admins manage accounts (`auth.change_user`, intake/roles.py), so with Django's own
UserAdmin they could tick "Superuser status" or hand out single permissions, to a colleague or
to themselves, and so get past every group of intake/roles.py. Here only a superuser may grant
superuser status or single permissions, or change a superuser's account at all; a clinic admin
gives access through the groups, which say in words what they allow: the user list shows each
account's roles, and each role's group page what it can see and do
(`intake.roles.role_description`, worked out from the permissions the group is given).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import roles

# What only a superuser may set: each of these grants more than any group does.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")

# A group made by hand, not defined in intake/roles.py.
NOT_A_ROLE = gettext_lazy(
    "Not one of the clinic's roles (intake/roles.py): it gives exactly the permissions listed."
)


class ClinicUserAdmin(UserAdmin[User]):
    list_display = ("username", "full_name", "email", "roles", "is_active", "is_superuser")
    list_filter = ("groups", "is_active", "is_superuser")
    # The roles as ticks, each with its name, rather than Django's two-list picker (whose
    # search-box icons carry an aria-label on a plain span, an axe-core failure); single
    # permissions, a superuser's matter only, as a plain list.
    filter_horizontal = ()

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["help_text"] = _(
                "What each role can see and do is on its page under Groups. A user with no "
                "role can see nothing."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # The roles column: every listed account's groups in one more query, not one per row.
        groups = Prefetch("groups", queryset=Group.objects.order_by("name").only("name"))
        return super().get_queryset(request).prefetch_related(groups)

    @admin.display(description=gettext_lazy("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name() or "—"

    @admin.display(description=gettext_lazy("roles"))
    def roles(self, obj: User) -> str:
        names = [group.name for group in obj.groups.all()]
        if obj.is_superuser:
            names.insert(0, str(_("Superuser (everything)")))
        return ", ".join(names) or str(_("No role: can see nothing"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # When someone joined and last signed in are facts the system records, not settings.
        fields = (*super().get_readonly_fields(request, obj), "last_login", "date_joined")
        if request.user.is_superuser:
            return fields
        return fields + SUPERUSER_ONLY_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class ClinicGroupAdmin(GroupAdmin):
    """A role's page starts with what it can see and do, in words, before the permission list
    (which only a superuser may change: clinic admins see groups, they do not edit them)."""

    list_display = ("name", "summary")
    fields = ("name", "description", "permissions")
    readonly_fields = ("description",)
    # A plain list for the superuser (see ClinicUserAdmin); sync_roles resets a role's
    # permissions to intake/roles.py anyway.
    filter_horizontal = ()

    class Media:
        css = {"all": ("intake/css/admin.css",)}

    @admin.display(description=gettext_lazy("what this role is for"))
    def summary(self, obj: Group) -> str:
        described = roles.role_description(obj.name)
        return str(described.summary) if described else str(NOT_A_ROLE)

    @admin.display(description=gettext_lazy("what this role can see and do"))
    def description(self, obj: Group | None) -> str:
        described = roles.role_description(obj.name) if obj is not None and obj.pk else None
        if described is None:
            return str(NOT_A_ROLE)
        return format_html(
            '<div class="role-description"><p>{}</p><p class="role-can-heading">{}</p>'
            '<ul class="role-can">{}</ul>{}</div>',
            described.summary,
            _("Can:"),
            format_html_join("", "<li>{}</li>", ((line,) for line in described.can)),
            format_html(
                '<p class="role-can-heading">{}</p><ul class="role-cannot">{}</ul>',
                _("Cannot:"),
                format_html_join("", "<li>{}</li>", ((line,) for line in described.cannot)),
            )
            if described.cannot
            else "",
        )


admin.site.unregister(User)
admin.site.register(User, ClinicUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, ClinicGroupAdmin)
