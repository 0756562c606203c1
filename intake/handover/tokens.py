"""API client tokens: made, hashed, and read from a request's Authorization header."""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest

PREFIX = "fhir_"
# What staff see of a token after it was shown once: enough to tell two apart.
SHOWN_CHARACTERS = 12


def new_token() -> str:
    """`fhir_` and 43 URL-safe characters: 256 random bits."""
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 kept in place of the token (hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def shown_part(token: str) -> str:
    return token[:SHOWN_CHARACTERS]


def bearer_token(request: HttpRequest) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when there is none."""
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _space, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return token
