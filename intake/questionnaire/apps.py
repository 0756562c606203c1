from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnaireConfig(AppConfig):
    name = "intake.questionnaire"
    label = "questionnaire"
    verbose_name = _("Patient questionnaire")
