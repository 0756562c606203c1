"""Health checks for load balancers and monitoring (GET /healthz).

Each check returns a short status word and never raises: "ok", "in-process" (no broker is
configured, tasks run inside the web process) or "unreachable".

The database and the broker are required: without either, /healthz answers 503. The cache is
not: patients are served without it (the rate limit fails open), so a dead cache makes the
instance "degraded", still 200, and a load balancer keeps sending patients to it
(docs/operations.md, "What to monitor").
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from kombu import Connection

logger = logging.getLogger(__name__)

OK = "ok"
IN_PROCESS = "in-process"
UNREACHABLE = "unreachable"

# The summary in the JSON's "status": every part answers; only the cache is down (patients are
# still served: HTTP 200); a required part is down (HTTP 503).
HEALTHY = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"

_CACHE_PROBE_KEY = "healthz:probe"


def database_status() -> str:
    """Run a trivial query on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("health check: database unreachable")
        return UNREACHABLE
    return OK


def broker_status() -> str:
    """Open (and close) one connection to the configured broker, failing fast.

    One attempt with a one-second connect timeout and no back-off: a load balancer polling this
    must get an answer quickly, not wait for kombu's default retries.
    """
    if settings.TASKS_IN_PROCESS:
        return IN_PROCESS
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    except Exception:  # any failure to connect means "unreachable", whatever the transport
        logger.warning("health check: broker unreachable")
        return UNREACHABLE
    return OK


def cache_status() -> str:
    """Write and read one short-lived key in the default cache (where rate limits count).

    The Redis cache's socket timeouts (clinic/settings.py) bound how long this can take.
    """
    try:
        cache.set(_CACHE_PROBE_KEY, OK, timeout=10)
        cache.get(_CACHE_PROBE_KEY)
    except Exception:  # any backend's failure (redis.ConnectionError, a timeout) is "unreachable"
        logger.warning("health check: cache unreachable")
        return UNREACHABLE
    return OK


def report() -> tuple[dict[str, str], int]:
    """The JSON body of /healthz and its HTTP status: 503 when the database or the broker is
    unreachable; 200, "degraded", when only the cache is."""
    parts = {"database": database_status(), "broker": broker_status(), "cache": cache_status()}
    required_up = parts["database"] == OK and parts["broker"] in (OK, IN_PROCESS)
    if not required_up:
        summary, code = UNAVAILABLE, 503
    elif parts["cache"] != OK:
        summary, code = DEGRADED, 200
    else:
        summary, code = HEALTHY, 200
    return {**parts, "status": summary}, code
