"""A fixed-window rate limit per client address, counted in Django's cache.

Small enough to own: `cache.add` then `cache.incr` is atomic on Redis and local memory, and the
key holds a hash of the address, never the address itself. (django-ratelimit was considered; its
system checks reject Django's own Redis cache backend and the local-memory demo cache.)
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

from intake.http import client_address


def hit(scope: str, request: HttpRequest, *, limit: int, window_seconds: int) -> bool:
    """Count one request; True while the address is within `limit` per window."""
    digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}"
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return True
    return count <= limit
