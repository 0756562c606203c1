"""Staff accounts in the admin: Django's user admin, with no way up for a clinic admin.

Clinic admins manage accounts (`auth.change_user`, intake/roles.py), so with Django's own
UserAdmin they could tick "Superuser status" or hand out single permissions, to a colleague or
to themselves, and so get past every group of intake/roles.py. Here only a superuser may grant
superuser status or single permissions, or change a superuser's account at all; a clinic admin
gives access through the groups, which say in words what they allow.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest

# What only a superuser may set: each of these grants more than any group does.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


class ClinicUserAdmin(UserAdmin[User]):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
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


admin.site.unregister(User)
admin.site.register(User, ClinicUserAdmin)
