"""WSGI entry point (gunicorn clinic.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from clinic.startup import require_production_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

require_production_settings()  # before Django's own, less helpful, complaints
application = get_wsgi_application()
