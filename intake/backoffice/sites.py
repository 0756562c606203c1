"""The staff site: Django's admin, with the staff workflows added under its URLs and login."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver

from intake.backoffice import urls


class ClinicAdminSite(admin.AdminSite):
    """The admin site staff use (the default site: `ClinicAdminConfig`).

    Lists, filters and read-only pages are the admin's own; each staff process is an ordinary
    view (`intake/backoffice/views/`) served here, so staff still review and book inside the
    admin, with its login, look and navigation.
    """

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # Before the admin's own: a model's catch-all URL would otherwise take them.
        return [*urls.urlpatterns(self.admin_view), *super().get_urls()]
