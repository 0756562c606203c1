"""The staff site: Django's admin, with the staff workflows added under its URLs and login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy

from intake.backoffice import dashboard, urls
from intake.backoffice.views import account, figures


class ClinicAdminSite(admin.AdminSite):
    """The admin site staff use (the default site: `ClinicAdminConfig`).

    Lists, filters and read-only pages are the admin's own; each staff process is an ordinary
    view (`intake/backoffice/views/`) served here, so staff still review and book inside the
    admin, with its login, look and navigation.

    Staff sign in in two steps (issue 17): a session signed in with the password alone is not
    *verified* and this site refuses it, like an anonymous one, until the second factor has
    passed (`has_permission`). Every admin page and every workflow view is wrapped in
    `admin_view`, which asks `has_permission`, so none of them can be reached without it.
    """

    # The home page's heading: it shows the work waiting (index, below), not "site administration".
    index_title = gettext_lazy("Home")
    # No list of every model down the left of every page: it took 276 px of a 1366 px screen,
    # and cut the queue's last columns off (issue 20). The home page lists the same pages and
    # the breadcrumbs lead back to it.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and account.is_verified(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The first step, the password (views/account.py), at the admin's own login URL."""
        return account.sign_in(request)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # The idle warning's timing (admin/base_site.html, static/intake/js/staff_idle.js).
        return {
            **super().each_context(request),
            "staff_idle_seconds": int(settings.CLINIC_STAFF_IDLE_MINUTES) * 60,
        }

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The home page shows the work (intake/backoffice/dashboard.py): what awaits review,
        what is to book, messages that failed, and for clinic admins the clinic's figures, each
        as the member of staff's permissions allow; then the admin's list of pages."""
        response: TemplateResponse = super().index(
            request, {**dashboard.home(request), **(extra_context or {})}
        )
        return response

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # Before the admin's own: a model's catch-all URL would otherwise take them, and our
        # logout replaces the admin's.
        return [
            *urls.account_urlpatterns(self.admin_view),
            *urls.urlpatterns(self.admin_view),
            # The home page's charts, as images (SVG).
            path(
                "figures/<slug:name>.svg",
                self.admin_view(figures.figure_svg),
                name="figure_svg",
            ),
            *super().get_urls(),
        ]
