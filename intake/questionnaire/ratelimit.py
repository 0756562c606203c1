"""A fixed-window rate limit per client address, counted in Django's cache.

Small enough to own: `cache.add` then `cache.incr` is atomic on Redis and local memory, and the
key holds a hash of the address, never the address itself. (django-ratelimit was considered; its
system checks reject Django's own Redis cache backend and the local-memory demo cache.)

It fails open: if the cache cannot be reached (Redis down), the request is allowed and a warning
logged. A patient pressing "Start now" must never get an error page because the counter of a
defence against floods is away (issue 17); the page behind it still works without the cache.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache
from django.http import HttpRequest

from intake.http import client_address

logger = logging.getLogger(__name__)


def hit(scope: str, request: HttpRequest, *, limit: int, window_seconds: int) -> bool:
    """Count one request; True while the address is within `limit` per window, and True
    (with a warning in the log) when the cache cannot count it."""
    digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}"
    try:
        return _count(key, limit=limit, window_seconds=window_seconds)
    except Exception as error:  # whatever the backend raises (redis.ConnectionError, timeouts)
        # The scope and the error's class only: never the address or anything the patient sent.
        logger.warning(
            "rate limit %r not applied: the cache is unreachable (%s); request allowed",
            scope,
            type(error).__name__,
        )
        return True


def _count(key: str, *, limit: int, window_seconds: int) -> bool:
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return True
    return count <= limit
