"""The Celery application.

Configuration lives in Django settings under the CELERY_ namespace (see clinic/settings.py):
JSON only, late acknowledgement, tasks given back when a worker dies, prefetch of one.
"""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

from clinic.startup import require_production_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_work_without_production_settings(**_kwargs: Any) -> None:
    require_production_settings()
