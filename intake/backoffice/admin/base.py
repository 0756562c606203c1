"""Pieces every staff admin page shares: read-only pages, capped counts, bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from intake.selectors.workflow import COUNT_CAP


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Pages to look at, never to edit: changes go through services (or, for the audit log,
    never happen at all)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CappedCountPaginator(Paginator[Any]):
    """Counts at most COUNT_CAP + 1 rows: pages past that are not linked, nothing scans it all."""

    @cached_property
    def count(self) -> int:
        rows = cast("QuerySet[Any]", self.object_list)  # the admin pages a queryset
        return rows.values("pk")[: COUNT_CAP + 1].count()


def apply_each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    service: Callable[[Any], object],
    *,
    done: str,
    refused: str,
) -> None:
    """A bulk action: call `service` on each selected row; say how many it did and refused."""
    counts = {"done": 0, "refused": 0}
    for obj in queryset:
        try:
            service(obj)
            counts["done"] += 1
        except ValidationError:
            counts["refused"] += 1
    model_admin.message_user(request, done % {"n": counts["done"]}, messages.SUCCESS)
    if counts["refused"]:
        model_admin.message_user(request, refused % {"n": counts["refused"]}, messages.WARNING)
