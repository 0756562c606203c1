"""Test settings: the production settings, made faster. Nothing here changes behaviour but the
redirect to HTTPS, which plain-HTTP test clients cannot follow (see the end).

The environment still decides the database and broker (CI sets DATABASE_URL and
CELERY_BROKER_URL); tests/conftest.py refuses to run under CI=true on anything but PostgreSQL
and a reachable Redis.
"""

import os

# Tests never read a developer's .env: every machine runs the same suite.
os.environ.setdefault("DJANGO_READ_DOT_ENV", "0")
# Tests run with DEBUG off, like production; they need a key and hosts to start.
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("CLINIC_ONCALL_EMAILS", "oncall@clinic.test")
os.environ.setdefault("CLINIC_ONCALL_PHONES", "+447700900001")
os.environ.setdefault("CLINIC_ESCALATION_EMAILS", "lead@clinic.test")
os.environ.setdefault("CLINIC_RECEPTION_EMAILS", "reception@clinic.test")
os.environ.setdefault("CLINIC_TRIAGE_EMAILS", "triage@clinic.test")
# Encryption at rest (issue 18): fixed, obviously fake keys, so that a worker process started by
# a test reads what the test wrote. Base64 of "test-only-field-key-not-a-secret".
os.environ.setdefault(
    "CLINIC_FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtYS1zZWNyZXQ="
)
os.environ.setdefault("CLINIC_LOOKUP_HASH_KEY", "test-only-lookup-hash-key-not-a-secret")

from clinic.settings import *  # noqa: F403

# Hashing passwords slowly is the point in production and a waste of minutes in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs `collectstatic` first; tests render templates without it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CLINIC_SMS_BACKEND = "intake.sms.LocmemSmsBackend"
# Tasks run inside the test that queues them, even when CI configures the real broker (which the
# health check and the CI guard still use): a test must not leave messages in the shared Redis
# for some later worker to pick up. Tests of real workers
# must start their own worker process.
CELERY_TASK_ALWAYS_EAGER = True
# Tests of real workers (tests/workers.py) run the worker as a separate process against the test
# database, so on SQLite that database is a file rather than in memory.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}  # noqa: F405
# Serve static files from the finders, as in development, so tests need no `collectstatic`.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# The test client and the live server of the browser tests speak plain HTTP, so the redirect to
# HTTPS would answer every request; tests/clinic/test_https.py checks it with the production
# settings instead. Secure cookies and their __Host- names stay on, as in production.
SECURE_SSL_REDIRECT = False
