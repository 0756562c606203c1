from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoverConfig(AppConfig):
    name = "intake.handover"
    label = "handover"
    verbose_name = _("Handover to the clinic's record")
