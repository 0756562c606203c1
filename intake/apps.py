from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Patient intake")

    def ready(self) -> None:
        # The audit receivers for staff logins and logouts; and the Celery tasks, registered
        # in every process, the web's included: the services queue the send task by its name
        # (they must not import the tasks module, which calls them), and Celery's own
        # autodiscovery only runs in a worker.
        # CLINIC_TIERS must keep what each tier's patients are told (issue 20).
        from django.core import checks

        from intake import audit, clinical, tasks  # noqa: F401

        checks.register(clinical.check_tier_clocks)
