"""Settings for the vascular clinic intake app.

One module for every environment: differences are environment variables, all listed with their
defaults in `.env.example`. With DJANGO_DEBUG off, anything that would be unsafe to guess (the
secret key, the allowed hosts) must be set or start-up stops with a clear message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_bool, env_days, env_fernet_keys

# Lets classes such as admin.ModelAdmin[Submission] be subscripted at run time, as the type
# checker wants them (django-stubs).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Booleans are read with env_bool, never env.bool: env.bool reads a typo as False, env_bool stops
# start-up with the variable's name (issue 16).
# A local `.env` file is optional; real deployments set real environment variables (which win).
_read_dot_env = env_bool("DJANGO_READ_DOT_ENV", default=True)
if _read_dot_env and (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


# ---------------------------------------------------------------------------------------------
# Core
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
# ---------------------------------------------------------------------------------------------
# Off unless asked for: `make run` turns it on for the local demo, nothing else does.
DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

if DEBUG:
    # Local demo only: a fixed, obviously fake key and the loopback hosts.
    SECRET_KEY = SECRET_KEY or "django-insecure-local-demo-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
# With DEBUG off, the web app and the worker refuse to start without a key, host names and alert
# recipients (clinic/startup.py); commands that only read the code do not need them.

INSTALLED_APPS = [
    # Before the admin: its admin/index.html overrides the admin's own.
    "intake.backoffice",
    # Django's admin, with the staff workflows' views added to its site.
    "intake.backoffice.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "intake",
    "intake.scheduling",
    "intake.handover",
    "intake.questionnaire",
]

MIDDLEWARE = [
    # First: every later middleware's log lines, and every response, carry the request id.
    "intake.http.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
ASGI_APPLICATION = "clinic.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "intake.context_processors.clinic",
            ],
        },
    },
]

# ---------------------------------------------------------------------------------------------
# Database: DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/clinic
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
# ---------------------------------------------------------------------------------------------
# The embedded default is a SQLite file in the repository root (git-ignored), so `make run`
# needs nothing installed. Production and CI use PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite has no row locks: a transaction takes the database's write lock when it begins, so
    # two processes (web and worker) never both read a notification as pending and send it.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

# ---------------------------------------------------------------------------------------------
# Authentication and passwords
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
# ---------------------------------------------------------------------------------------------
# --- Passwords (issue 17; docs/security.md) ---
# Length and a blocklist, as NIST SP 800-63B advises, and no composition rules: a passphrase of
# lowercase words is fine. NumericPasswordValidator is left out on purpose: refusing all-digit
# passwords is a rule about which characters to use; the guessable all-digit ones are too short
# (dates, PINs) or on the common-password list (123123123123, 112233445566...).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# --- end of passwords ---
LOGIN_URL = "admin:login"

# ---------------------------------------------------------------------------------------------
# Internationalisation: every patient- and staff-facing string is marked for translation.
# https://docs.djangoproject.com/en/5.2/topics/i18n/
# ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------------------------
# Cache: CACHE_URL, e.g. redis://127.0.0.1:6379/1. Rate limits count here, so with more than one
# web process it must be shared (Redis); the local-memory default suits the single-process demo.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url
# ---------------------------------------------------------------------------------------------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# A dead or hung Redis must not hold a patient's request (issue 17): the rate limiter fails open
# when the cache raises, and these bound how long it waits first (redis-py waits for ever by
# default). Redis on the clinic's network answers in well under a millisecond.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)

# ---------------------------------------------------------------------------------------------
# Static files: the pages' own stylesheets and scripts, served by whitenoise (no CDN, so the
# content security policy can stay 'self').
# https://whitenoise.readthedocs.io/en/stable/django.html
# ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "clinic.storage.StaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------------
# Forms: crispy-forms with the Bootstrap 5 pack for every form.
# https://django-crispy-forms.readthedocs.io/
# ---------------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------------------------------------
# Email: EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587 or consolemail://
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# ---------------------------------------------------------------------------------------------
# In DEBUG, emails are printed to the console unless an EMAIL_URL is given.
_email_default = "consolemail://" if DEBUG else "smtp://localhost:25"
vars().update(env.email_url("EMAIL_URL", default=_email_default))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clinic@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# A dotted path here replaces EMAIL_URL's backend, for a provider's API backend (django-anymail,
# for instance) or a test sink; EMAIL_FILE_PATH is where the file backend writes.
if env.str("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
if env.str("EMAIL_FILE_PATH", default=""):
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")

# ---------------------------------------------------------------------------------------------
# Security headers and cookies
# https://docs.djangoproject.com/en/5.2/topics/security/
# ---------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# --- HTTPS by default when DEBUG is off (issue 17; docs/security.md) ---
# Secure cookies, HSTS and the redirect need HTTPS; on by default in production, off for the
# local demo. Behind a proxy that ends TLS, the proxy must send X-Forwarded-Proto.
_https = env_bool("DJANGO_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None
# Plain HTTP is answered with a redirect to HTTPS, except the health check: load balancers
# poll it over plain HTTP inside the network (patterns match the path without its leading /).
SECURE_SSL_REDIRECT = _https
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: browsers then refuse plain HTTP to this host (and its subdomains) for a year.
# DJANGO_HSTS_SECONDS=0 turns it off (e.g. while first trying HTTPS out).
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preload asks browser makers to ship the host as HTTPS-only; leaving the list takes months
# and every subdomain must have HTTPS first, so it is the clinic's own decision, off by default.
# Off, Django's deploy check says so (security.W021): that warning is the decision, silenced.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# With HTTPS, the __Host- prefix makes browsers accept these cookies only if they are Secure,
# for Path=/ and without a Domain, so no subdomain (or HTTP page) can set or overwrite them.
# The domains and paths below are what that needs: never set them to anything else.
SESSION_COOKIE_NAME = "__Host-sessionid" if _https else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _https else "csrftoken"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
# --- end of HTTPS by default ---
# --- Encryption at rest (issue 18; docs/security.md, "Encryption at rest") ---
# Free-text answers, notes, reasons and the NHS number are stored encrypted (intake/encryption.py)
# with these Fernet keys, comma-separated: new writes use the first, reads try each in turn.
# Rotation: put a new key first, run `manage.py reencrypt`, then remove the old one. They live
# in the environment or a secret store: never in the database, and never in the repository.
CLINIC_FIELD_ENCRYPTION_KEYS = env_fernet_keys("CLINIC_FIELD_ENCRYPTION_KEYS")
# The key of the keyed hash (HMAC-SHA256) that finds a patient by NHS number without storing
# the number in the clear: at least 32 characters, and kept when the keys above are rotated.
CLINIC_LOOKUP_HASH_KEY = env.str("CLINIC_LOOKUP_HASH_KEY", default="")
if DEBUG:
    # Local demo only: fixed, obviously fake keys, so `make run` needs no set-up. With DEBUG off
    # the web app and the worker refuse to start without real ones (clinic/startup.py), and
    # anything that reads or writes an encrypted column stops with the variable's name.
    CLINIC_FIELD_ENCRYPTION_KEYS = CLINIC_FIELD_ENCRYPTION_KEYS or [
        "aW5zZWN1cmUtbG9jYWwtZGVtby1maWVsZC1rZXktMzI="  # "insecure-local-demo-field-key-32"
    ]
    CLINIC_LOOKUP_HASH_KEY = (
        CLINIC_LOOKUP_HASH_KEY or "insecure-local-demo-lookup-hash-key-never-use-in-production"
    )
if CLINIC_LOOKUP_HASH_KEY and len(CLINIC_LOOKUP_HASH_KEY) < 32:
    raise ImproperlyConfigured(
        "CLINIC_LOOKUP_HASH_KEY must be at least 32 characters. Generate one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(32))". See docs/security.md.'
    )
# --- end of encryption at rest ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: nothing from other origins, no inline scripts or styles. Our styles and
# scripts are served from /static/, so 'self' is all a page needs.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# ---------------------------------------------------------------------------------------------
# Logging: to stdout, no request bodies. Patient data never goes into a log line.
# Every line carries the request id (intake.http.RequestIdMiddleware: the trusted proxy's
# X-Request-ID or one of our own; "-" outside a request), as the X-Request-ID response header
# and the error pages do, so one request's lines can be found in the proxy's log and ours.
# https://docs.djangoproject.com/en/5.2/topics/logging/
# ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "intake.http.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint (the handover's PDFs, issue 21) logs every step of every PDF at INFO; its
    # warnings (a style it cannot apply) still show.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# ---------------------------------------------------------------------------------------------
# Error pages (issue 17): 400, 403, 404 and 500 pages, and the CSRF failure page, that always
# give the emergency number and the request id, and render without the database or the cache
# (intake/questionnaire/errors.py; the handlers are named in clinic/urls.py).
# https://docs.djangoproject.com/en/5.2/topics/http/views/#customizing-error-views
# ---------------------------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "intake.questionnaire.errors.csrf_failure"

# ---------------------------------------------------------------------------------------------
# Celery: CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ---------------------------------------------------------------------------------------------
# Unset: the embedded default. Tasks run in-process, in the request that queues them, so the
# demo needs no broker or worker. Set: tasks go to the broker and `make worker` runs them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
TASKS_IN_PROCESS = not CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = TASKS_IN_PROCESS
if TASKS_IN_PROCESS:
    CELERY_BROKER_URL = "memory://localhost/"
# JSON only: task arguments are primary keys, never pickled objects (and never patient data).
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only once it has finished, and given back to the broker if the worker
# dies while running it: together with idempotent tasks, nothing is lost when a worker dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No result backend: the database is the source of truth for what was done.
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Two queues: `urgent` (staff alerts, escalations) and `default` (patient emails, reminders,
# clean-up). `make worker` consumes both; the "priority" order strategy makes a worker always
# take from `urgent` first, so a backlog of reminders never delays an alert.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"intake.tasks.escalate_overdue": {"queue": "urgent"}}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "queue_order_strategy": "priority",
    # A message taken by a worker that then dies goes back to the queue after this long (the
    # one-hour default would hold an alert for an hour; the outbox sweep re-queues it anyway).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=5 * 60),
    # A dead broker fails fast instead of hanging the request that queues a task.
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# If a clinic configures a result backend anyway, it must not make requests hang either.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}
# No task runs for ever: sending one message takes seconds (EMAIL_TIMEOUT is 10 s).
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_SEND_TASK_EVENTS = False
# Periodic jobs, one reviewable dict (run by `make beat`). Reminders and retries are rows with
# a due time in the database, sent by the sweep; nothing waits in the broker for long.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sweep-outbox": {
        "task": "intake.tasks.sweep_outbox",
        "schedule": 30.0,
        "options": {"queue": "urgent", "expires": 30},
    },
    "escalate-overdue": {
        "task": "intake.tasks.escalate_overdue",
        "schedule": 60.0,
        "options": {"queue": "urgent", "expires": 60},
    },
    "purge-expired-drafts": {
        "task": "intake.tasks.purge_expired_drafts",
        "schedule": 60 * 60 * 24,
    },
    # Once a day (nightly in effect), the diary's slots for the weeks ahead. The hour does not
    # matter (slots are made weeks ahead, and generation is idempotent), so a plain interval
    # like the others rather than a crontab. (Appointment reminders need no entry: they are
    # outbox rows the sweep sends when due.)
    "generate-slots": {
        "task": "intake.tasks.generate_slots",
        "schedule": 60 * 60 * 24,
    },
    # Triaged cases still not booked when their booking window has closed: one alert per case
    # (to reception, and for URGENT the triage clinicians), through the outbox.
    "alert-overdue-bookings": {
        "task": "intake.scheduling.tasks.alert_overdue_bookings",
        "schedule": 5 * 60.0,
        "options": {"expires": 5 * 60},
    },
    # --- Retention (issue 18; docs/operations.md, "Retention") ---
    # Once a day: cases, message recipients, sessions and audit events past their retention
    # periods (the "Data rights and retention" settings below). Idempotent, so the hour does not
    # matter and an interval will do, like the jobs above; it locks only rows years old.
    "apply-retention": {
        "task": "intake.tasks.apply_retention",
        "schedule": 60 * 60 * 24,
    },
    # --- end of retention ---
}

# ---------------------------------------------------------------------------------------------
# The clinic
# ---------------------------------------------------------------------------------------------
CLINIC_NAME = env.str("CLINIC_NAME", default="Vascular Clinic")
CLINIC_EMERGENCY_NUMBER = env.str("CLINIC_EMERGENCY_NUMBER", default="999")
CLINIC_URGENT_ADVICE_LINE = env.str("CLINIC_URGENT_ADVICE_LINE", default="NHS 111")
# Who is alerted about EMERGENCY and URGENT forms. The demo sends to a placeholder on the console.
CLINIC_ONCALL_EMAILS = env.list(
    "CLINIC_ONCALL_EMAILS", default=["oncall@clinic.invalid"] if DEBUG else []
)
# Text messages for urgent alerts: numbers to text, and the class that sends them (see
# intake/sms.py for the interface a provider's backend implements).
CLINIC_ONCALL_PHONES = env.list("CLINIC_ONCALL_PHONES", default=["+440000000000"] if DEBUG else [])
CLINIC_SMS_BACKEND = env.str("CLINIC_SMS_BACKEND", default="intake.sms.ConsoleSmsBackend")
CLINIC_SMS_FILE_PATH = env.str("CLINIC_SMS_FILE_PATH", default="")
# Escalation: an EMERGENCY/URGENT form still not in review after its tier's
# `escalate_after_minutes` (CLINIC_TIERS, below) alerts these addresses (and numbers), once per
# level.
CLINIC_ESCALATION_EMAILS = env.list(
    "CLINIC_ESCALATION_EMAILS", default=["clinical-lead@clinic.invalid"] if DEBUG else []
)
CLINIC_ESCALATION_PHONES = env.list("CLINIC_ESCALATION_PHONES", default=[])
# The outbox: tries per message before it is marked failed, the backoff between tries, and how
# long a due message may stay pending before the sweep queues it again.
CLINIC_NOTIFICATION_MAX_ATTEMPTS = env.int("CLINIC_NOTIFICATION_MAX_ATTEMPTS", default=6)
CLINIC_NOTIFICATION_RETRY_BASE_SECONDS = env.float(
    "CLINIC_NOTIFICATION_RETRY_BASE_SECONDS", default=10.0
)
CLINIC_NOTIFICATION_RETRY_MAX_SECONDS = env.float(
    "CLINIC_NOTIFICATION_RETRY_MAX_SECONDS", default=300.0
)
CLINIC_OUTBOX_SWEEP_AFTER_SECONDS = env.int("CLINIC_OUTBOX_SWEEP_AFTER_SECONDS", default=30)
# A row the sweep already queued is queued again only after this long (it may be waiting
# behind a backlog); keep it at the broker's visibility timeout.
CLINIC_OUTBOX_REQUEUE_SECONDS = env.int("CLINIC_OUTBOX_REQUEUE_SECONDS", default=300)
# The admin's dashboard warns about messages pending longer than this.
CLINIC_OUTBOX_STUCK_MINUTES = env.int("CLINIC_OUTBOX_STUCK_MINUTES", default=5)
# The address patients and staff reach the site at, for links in emails (no trailing slash).
CLINIC_SITE_URL = env.str("CLINIC_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Opening hours decide the URGENT wording (spec §2.5): "the clinic will phone you today" only
# while open and more than CLINIC_CLOSING_WINDOW_MINUTES before closing. Needs local sign-off.
CLINIC_OPEN_WEEKDAYS = env.list("CLINIC_OPEN_WEEKDAYS", cast=int, default=[0, 1, 2, 3, 4])
CLINIC_OPENS_AT = env.str("CLINIC_OPENS_AT", default="08:30")
CLINIC_CLOSES_AT = env.str("CLINIC_CLOSES_AT", default="17:30")
CLINIC_CLOSING_WINDOW_MINUTES = env.int("CLINIC_CLOSING_WINDOW_MINUTES", default=60)
# One clock per tier (issue 20; spec §1; docs/scheduling.md "One clock per tier"). What the
# patient is told, how soon a clinician reviews the form (the call-back), when a form nobody
# has picked up is escalated, and how soon the patient is booked: each tier's numbers in this
# one place, so they cannot drift apart. `patient_advice` names what the tier's footer (the
# engine's words, spec §1) promises; intake/clinical.py checks the numbers against it at start
# (a system check) and tests/intake/test_tier_clocks.py compares, for every tier, what the
# patient is told with the review target and the booking window. Clinical sign-off needed.
#   review_within_minutes      the review target: the queue shows a case "past target" after
#                              it (0: none). With review_in_opening_hours the clock runs in
#                              opening hours and stops at the call-back cutoff the patient is
#                              given (CLINIC_CLOSES_AT): "If we have not called by 17:30".
#   escalate_after_minutes     a form still not in review after this alerts
#                              CLINIC_ESCALATION_EMAILS (0: never).
#   book_within_working_days   URGENT: booked by the close of this many working days after
#                              the day the form was sent (0: that same working day; a form sent
#                              when the clinic is closed counts from the next opening).
#   book_within_days           SOON / ROUTINE: booked by the end of the day this many days
#                              after the form was sent.
#   EMERGENCY has neither: it is never booked (the patient is directed to emergency care).
CLINIC_TIERS: dict[str, dict[str, Any]] = {
    "EMERGENCY": {
        "patient_advice": "emergency_now",
        "review_within_minutes": env.int("CLINIC_REVIEW_TARGET_EMERGENCY_MINUTES", default=15),
        "review_in_opening_hours": False,  # the on-call team, at any hour
        "escalate_after_minutes": env.int("CLINIC_ESCALATION_EMERGENCY_MINUTES", default=15),
    },
    "URGENT": {
        "patient_advice": "seen_today",
        "review_within_minutes": env.int("CLINIC_REVIEW_TARGET_URGENT_MINUTES", default=4 * 60),
        "review_in_opening_hours": True,
        "escalate_after_minutes": env.int("CLINIC_ESCALATION_URGENT_MINUTES", default=60),
        # Spec §1: "You need to be seen today"; call-back the same working day.
        "book_within_working_days": env.int("CLINIC_BOOKING_URGENT_WORKING_DAYS", default=0),
    },
    "SOON": {
        "patient_advice": "appointment_within_2_weeks",
        # Reviewed within 3 days, so that the two-week appointment can still be booked.
        "review_within_minutes": env.int("CLINIC_REVIEW_TARGET_SOON_MINUTES", default=3 * 24 * 60),
        "book_within_days": env.int("CLINIC_BOOKING_SOON_DAYS", default=14),
    },
    "ROUTINE": {
        "patient_advice": "routine_appointment",
        "review_within_minutes": env.int("CLINIC_REVIEW_TARGET_ROUTINE_MINUTES", default=0),
        "book_within_days": env.int("CLINIC_BOOKING_ROUTINE_DAYS", default=42),
    },
}
# Read from CLINIC_TIERS (kept under their old names for the code that reads them): minutes per
# tier before the queue shows a case in red, and before a form nobody picked up is escalated.
CLINIC_REVIEW_TARGET_MINUTES = {
    tier: int(clock["review_within_minutes"]) for tier, clock in CLINIC_TIERS.items()
}
CLINIC_ESCALATION_MINUTES = {
    tier: int(clock["escalate_after_minutes"])
    for tier, clock in CLINIC_TIERS.items()
    if clock.get("escalate_after_minutes")
}
# Unfinished forms are deleted this many days after they were last saved.
CLINIC_DRAFT_LIFETIME_DAYS = env.int("CLINIC_DRAFT_LIFETIME_DAYS", default=7)
# Starting a form: at most this many new drafts per client address per hour (then HTTP 429).
CLINIC_DRAFTS_PER_HOUR = env.int("CLINIC_DRAFTS_PER_HOUR", default=20)
# Wrong dates of birth allowed on a resume link before it stops working.
CLINIC_RESUME_MAX_FAILURES = env.int("CLINIC_RESUME_MAX_FAILURES", default=5)
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For entries to trust (0: none,
# use the socket address). Used for rate limits and the audit log.
CLINIC_TRUSTED_PROXIES = env.int("CLINIC_TRUSTED_PROXIES", default=0)
# Handover to the clinic's record (issue 21, docs/integration.md). The base of the canonical
# URLs of this clinic's FHIR definitions: the Questionnaire, and the code systems of answers,
# tiers, rules and scores. Other systems store these URLs with every record they import, so
# choose it once (the clinic's own domain) and never change it.
CLINIC_FHIR_CANONICAL_BASE = (
    env.str("CLINIC_FHIR_CANONICAL_BASE", default="") or f"{CLINIC_SITE_URL}/fhir"
).rstrip("/")
# Requests to the FHIR API (/fhir/r4/) per API client per minute, and per address for requests
# without a valid token; past it, HTTP 429.
CLINIC_FHIR_REQUESTS_PER_MINUTE = env.int("CLINIC_FHIR_REQUESTS_PER_MINUTE", default=120)
# The patient's hot path reads and writes with the plain SQL of intake/plainsql.py (on), or the
# same through Django's ORM (off): the way back if a Django upgrade breaks what plainsql leans
# on (tests/intake/test_plainsql_contract.py says what). CI runs the questionnaire tests both
# ways (make pytest-orm).
CLINIC_PLAINSQL = env_bool("CLINIC_PLAINSQL", default=True)

# ---------------------------------------------------------------------------------------------
# Staff sign-in: a second factor, lockout and throttling, session limits (issue 17;
# docs/security.md). Staff sign in at /admin/login/ in two steps: the password, then a passkey,
# a code from an authenticator app or a backup code (intake/backoffice/views/account.py).
# ---------------------------------------------------------------------------------------------
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
]
# django-otp's right after AuthenticationMiddleware (request.user.is_verified()); the staff
# session limits (idle, absolute, "signed out everywhere") after the messages, which they use to
# say why a session ended. Axes last, as its documentation asks: it turns a lockout into the
# lockout page.
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE.insert(_after_auth, "django_otp.middleware.OTPMiddleware")
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE.insert(_after_messages, "intake.backoffice.middleware.StaffSessionLimits")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# Axes first: it refuses a locked-out user name and address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "admin:index"

# Authenticator apps show the clinic's name beside the code; the admin never shows a device's
# secret or QR code (only its owner sees them, on the page that sets it up).
OTP_TOTP_ISSUER = CLINIC_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Passkeys (WebAuthn) are a second factor only, never a way in without the password. A passkey
# belongs to one host name (the "relying party"), an address never: a browser refuses
# 127.0.0.1, so the local demo is opened at http://localhost:8000. By default the host of
# CLINIC_SITE_URL, or localhost while that is an address; the origins (scheme, host and port the
# browser shows) by default that site's if it is HTTPS, http://localhost:8000 for the demo.
# Changing the host later means every member of staff registers their passkeys again.
_site = urlsplit(CLINIC_SITE_URL)
_site_host = _site.hostname or "localhost"
with contextlib.suppress(ValueError):
    ipaddress.ip_address(_site_host)
    _site_host = "localhost"  # an address cannot be a relying party
OTP_WEBAUTHN_RP_ID = env.str("CLINIC_WEBAUTHN_RP_ID", default="") or _site_host
if _site.scheme == "https" and _site.hostname == OTP_WEBAUTHN_RP_ID:
    _default_origins = [f"{_site.scheme}://{_site.netloc}"]
elif OTP_WEBAUTHN_RP_ID == "localhost":
    _default_origins = ["http://localhost:8000"]
else:
    _default_origins = [f"https://{OTP_WEBAUTHN_RP_ID}"]
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("CLINIC_WEBAUTHN_ORIGINS", default=[]) or _default_origins
OTP_WEBAUTHN_RP_NAME = CLINIC_NAME
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Lockout (django-axes): after CLINIC_STAFF_LOCKOUT_FAILURES wrong passwords or second-factor
# codes for one user name from one address, that pair is refused for CLINIC_STAFF_LOCKOUT_MINUTES
# after the last failure. Both together: nobody can lock a colleague out from elsewhere, and one
# person's typos never lock out the rest of a clinic behind the same address. The count is reset
# only once the second factor succeeds (a right password alone resets nothing). Unlock early:
# `manage.py axes_reset_username <name>`.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("CLINIC_STAFF_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("CLINIC_STAFF_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # "try again after" stays true
AXES_CLIENT_IP_CALLABLE = "intake.http.client_address"  # CLINIC_TRUSTED_PROXIES
AXES_LOCKOUT_CALLABLE = "intake.backoffice.views.account.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# Against spraying one password over many user names: after this many failures from one address
# within CLINIC_STAFF_SIGNIN_THROTTLE_MINUTES (across all user names), that address is refused
# until the window ends. No account is locked by it. Counted in the cache; if the cache is down
# it lets sign-ins through (and logs a warning) rather than lock every member of staff out.
CLINIC_STAFF_SIGNIN_FAILURES_PER_ADDRESS = env.int(
    "CLINIC_STAFF_SIGNIN_FAILURES_PER_ADDRESS", default=30
)
CLINIC_STAFF_SIGNIN_THROTTLE_MINUTES = env.int("CLINIC_STAFF_SIGNIN_THROTTLE_MINUTES", default=15)

# Staff sessions end after CLINIC_STAFF_IDLE_MINUTES without a request (at most 30; the pages
# warn two minutes before, with "Stay signed in"), and CLINIC_STAFF_SESSION_HOURS after the
# sign-in however busy (intake/backoffice/middleware.py), and when the browser closes. Patients
# have no session: their drafts are in a signed cookie.
CLINIC_STAFF_IDLE_MINUTES = env.int("CLINIC_STAFF_IDLE_MINUTES", default=30)
CLINIC_STAFF_SESSION_HOURS = env.int("CLINIC_STAFF_SESSION_HOURS", default=12)
if not 5 <= CLINIC_STAFF_IDLE_MINUTES <= 30:
    raise ImproperlyConfigured(
        "CLINIC_STAFF_IDLE_MINUTES must be from 5 to 30 (minutes without activity before a "
        f"member of staff is signed out), not {CLINIC_STAFF_IDLE_MINUTES}."
    )
if not 1 <= CLINIC_STAFF_SESSION_HOURS <= 12:
    raise ImproperlyConfigured(
        f"CLINIC_STAFF_SESSION_HOURS must be from 1 to 12, not {CLINIC_STAFF_SESSION_HOURS}."
    )
SESSION_COOKIE_AGE = CLINIC_STAFF_SESSION_HOURS * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# --- end of staff sign-in ---

# ---------------------------------------------------------------------------------------------
# Scheduling (docs/scheduling.md): booking windows, slot generation, reminders, cancel links
# ---------------------------------------------------------------------------------------------
# The window each tier should be booked within is its clock in CLINIC_TIERS (above). A window
# that would close less than this many minutes after the case is triaged (an URGENT case
# triaged at 17:27, its window closing at 17:30) cannot be booked in time: it is extended to
# the close of the next opening session, and the booking page says so.
CLINIC_BOOKING_MIN_LEAD_MINUTES = env.int("CLINIC_BOOKING_MIN_LEAD_MINUTES", default=60)
# How far ahead slots are generated from the weekly availability (nightly beat job and
# `manage.py generate_slots`); the booking page offers slots up to this far ahead.
CLINIC_SLOT_WEEKS = env.int("CLINIC_SLOT_WEEKS", default=8)
# The reminder goes this many hours before the appointment (a row due then, sent by the sweep).
CLINIC_REMINDER_HOURS = env.int("CLINIC_REMINDER_HOURS", default=24)
# The patient's cancel link in each email stops working this many days after the email was
# sent (and always once the appointment has started).
CLINIC_CANCEL_LINK_DAYS = env.int("CLINIC_CANCEL_LINK_DAYS", default=60)
# Where patients go, and the number to call to rebook: shown in emails and the calendar file.
CLINIC_ADDRESS = env.str("CLINIC_ADDRESS", default="Vascular Clinic, Outpatients Building")
CLINIC_PHONE = env.str("CLINIC_PHONE", default="01632 960000")
# Who hears that a patient cancelled (reception), and who is alerted when an URGENT patient
# cancels or no slot is free inside an urgent window (the triage clinicians).
CLINIC_RECEPTION_EMAILS = env.list(
    "CLINIC_RECEPTION_EMAILS", default=["reception@clinic.invalid"] if DEBUG else []
)
CLINIC_TRIAGE_EMAILS = env.list(
    "CLINIC_TRIAGE_EMAILS", default=["triage@clinic.invalid"] if DEBUG else []
)


if not CLINIC_OPEN_WEEKDAYS or not set(CLINIC_OPEN_WEEKDAYS) <= set(range(7)):
    raise ImproperlyConfigured(
        "CLINIC_OPEN_WEEKDAYS must list at least one weekday number from 0 (Monday) to 6."
    )

# ---------------------------------------------------------------------------------------------
# Data rights and retention (issue 18): how long what is kept is kept, and the privacy notice
# (/privacy/). docs/operations.md, "Retention", says what the nightly job removes and when.
# ---------------------------------------------------------------------------------------------
# A case (a sent form, or an unfinished one that showed the emergency advice) and everything
# that hangs on it (appointments, notes, messages, escalations) is deleted this many days after
# the last contact with its patient: the latest sending, status change, emergency follow-up,
# note or appointment of any of their cases. 2922 days is 8 years, the NHS Records Management
# Code of Practice's period for adult health records ("8 years after the conclusion of
# treatment"). The erasure of a record still inside it needs a second admin's confirmation.
CLINIC_RETENTION_DAYS = env_days("CLINIC_RETENTION_DAYS", default=2922)
# Who a delivered message went to (its recipient address or number, and any error text) is
# blanked this many days after it was sent; the kind, channel, times and status stay. The
# message body is never stored: it is rendered when sent.
CLINIC_MESSAGE_RETENTION_DAYS = env_days("CLINIC_MESSAGE_RETENTION_DAYS", default=90)
# Audit events are deleted this many days after they were recorded, on PostgreSQL through the
# database function intake_audit_purge(), which refuses to delete anything younger than 365
# days (migration 0024). Not shorter than CLINIC_RETENTION_DAYS: while a record is kept, so is
# who saw and changed it (a patient's copy of their data includes it).
CLINIC_AUDIT_RETENTION_DAYS = env_days("CLINIC_AUDIT_RETENTION_DAYS", default=2922)
AUDIT_PURGE_MIN_DAYS = 365  # the floor intake_audit_purge() enforces in the database
_audit_floor = max(CLINIC_RETENTION_DAYS, AUDIT_PURGE_MIN_DAYS)
if _audit_floor > CLINIC_AUDIT_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"CLINIC_AUDIT_RETENTION_DAYS ({CLINIC_AUDIT_RETENTION_DAYS}) must be at least "
        f"CLINIC_RETENTION_DAYS ({CLINIC_RETENTION_DAYS}) and at least {AUDIT_PURGE_MIN_DAYS}: "
        "the audit of a record is kept as long as the record. See .env.example."
    )
# The privacy notice's variable parts: who patients write to about their data (the data
# protection officer, or whoever answers for the clinic), by email and post. The clinic's name,
# address and phone number are the settings above; the lawful basis and the rights are the
# page's own text (intake/questionnaire/templates/questionnaire/privacy.html; a clinic whose
# basis differs overrides that template in templates/questionnaire/privacy.html).
CLINIC_DPO_NAME = env.str("CLINIC_DPO_NAME", default="")  # empty: "our data protection officer"
CLINIC_DPO_EMAIL = env.str("CLINIC_DPO_EMAIL", default="")  # empty: by post and phone only
CLINIC_DPO_ADDRESS = env.str("CLINIC_DPO_ADDRESS", default="") or CLINIC_ADDRESS
# --- end of data rights and retention ---
