"""The Celery application.

Configuration lives in Django settings under the CELERY_ namespace (see clinic/settings.py):
JSON only, late acknowledgement, tasks given back when a worker dies, prefetch of one.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
