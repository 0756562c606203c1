"""What a production process must have before it starts: checked by the web app and the worker.

With DEBUG off, `clinic.wsgi`, `clinic.asgi` (and so `runserver`) and a Celery worker refuse to
start without a secret key, host names, somebody to alert, a broker and the encryption keys.
Settings themselves do not insist, so that commands which only read the code (`makemigrations
--check`, `check`) run on a build machine with none of them.

Why a broker: without one, tasks run inside the request that queues them and nothing runs on a
clock, so an urgent form nobody picks up is never escalated, a message that failed is never
tried again and no reminder is sent. That is the `make run` demo, not a clinic.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Who alerts go to. An alert with nobody to send it to is lost without a sound.
ALERT_RECIPIENT_SETTINGS = (
    "CLINIC_ONCALL_EMAILS",
    "CLINIC_ESCALATION_EMAILS",
    "CLINIC_TRIAGE_EMAILS",
    "CLINIC_RECEPTION_EMAILS",
)


def require(name: str, value: object) -> None:
    """Stop start-up with a message that says which variable to set (production only)."""
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG is off. See .env.example for what it means."
        )


def require_production_settings() -> None:
    """With DEBUG off, refuse to serve or work without a key, host names, anybody to alert, a
    broker (and so a worker and beat: escalations, retries and reminders) or the keys of the
    encryption at rest."""
    from django.conf import settings

    if settings.DEBUG:
        return
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own "must not be empty", without the variable's name
        key = ""
    require("DJANGO_SECRET_KEY", key)
    require("DJANGO_ALLOWED_HOSTS", settings.ALLOWED_HOSTS)
    for name in ALERT_RECIPIENT_SETTINGS:
        require(name, getattr(settings, name))
    require("CELERY_BROKER_URL", not settings.TASKS_IN_PROCESS)
    # Encryption at rest (issue 18): without the keys no answer, note or reason can be read or
    # written, so refuse to start rather than fail on the first patient's page.
    require("CLINIC_FIELD_ENCRYPTION_KEYS", settings.CLINIC_FIELD_ENCRYPTION_KEYS)
    require("CLINIC_LOOKUP_HASH_KEY", settings.CLINIC_LOOKUP_HASH_KEY)
