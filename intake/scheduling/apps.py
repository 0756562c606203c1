from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "intake.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        # Its Celery task, registered in every process (as the core's are, in IntakeConfig).
        from intake.scheduling import tasks  # noqa: F401
