from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Patient intake")

    def ready(self) -> None:
        # Connect the audit receivers for staff logins and logouts.
        from intake import audit  # noqa: F401
