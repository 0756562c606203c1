"""The FHIR API's rate limit: CLINIC_FHIR_REQUESTS_PER_MINUTE per client, counted in the cache.

The same fixed window as the patient pages' (intake/questionnaire/ratelimit.py, which this app
may not import: it sits above), keyed by API client, or by a hash of the address for requests
without a valid token. It fails open: with the cache down, requests are served and a warning
logged (the audit log still records each one).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def now() -> float:
    """The clock the windows are measured with (tests move it)."""
    return time.time()


def address_key(address: str) -> str:
    return "address:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def allowed(key: str) -> tuple[bool, int]:
    """Count one request for `key` ("client:<id>" or an address key); (still within the
    limit?, seconds until the window ends)."""
    moment = now()
    window = int(moment // WINDOW_SECONDS)
    left = int((window + 1) * WINDOW_SECONDS - moment) + 1
    name = f"fhir-ratelimit:{key}:{window}"
    try:
        if cache.add(name, 1, timeout=left):
            return True, left
        count = cache.incr(name)
    except ValueError:  # expired between add() and incr()
        return True, left
    except Exception as error:  # whatever the backend raises when it is away
        logger.warning(
            "FHIR API rate limit not applied: cache unreachable (%s)", type(error).__name__
        )
        return True, left
    return count <= settings.CLINIC_FHIR_REQUESTS_PER_MINUTE, left
