"""Health checks for load balancers and monitoring (GET /healthz).

Each check returns a short status word and never raises: "ok", "in-process" (no broker is
configured, tasks run inside the web process) or "unreachable".
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from kombu import Connection

logger = logging.getLogger(__name__)

OK = "ok"
IN_PROCESS = "in-process"
UNREACHABLE = "unreachable"


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
