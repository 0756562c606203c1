from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "intake.backoffice"
    label = "backoffice"
    verbose_name = _("Staff back office")

    def ready(self) -> None:
        # The staff sign-in's receivers: session times, the per-address throttle, deactivation.
        from intake.backoffice import signals  # noqa: F401


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with `ClinicAdminSite` as its default site (`admin.site`), so the model
    registrations and the workflow views share one site. In INSTALLED_APPS in place of
    "django.contrib.admin"."""

    # Not this module's default app config (that is BackofficeConfig); for the same reason the
    # admin's AdminConfig is imported by its module, not by name.
    default = False
    default_site = "intake.backoffice.sites.ClinicAdminSite"
