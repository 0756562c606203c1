"""What the app reads from an HTTP request beyond Django's own: the client's address, and the
request id that ties a request's log lines (and its error page) to the proxy's.

Shared by the patient pages (the rate limit, the cancel link's audit entry) and the staff side
(the audit log of logins and of every staff action, the sign-in lockout), so it lives in the
core app.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def _forwarded_for(request: HttpRequest) -> list[str]:
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    return [part for part in forwarded if part]


def through_trusted_proxies(request: HttpRequest) -> bool:
    """True when the request came through the CLINIC_TRUSTED_PROXIES proxies: they are
    configured and X-Forwarded-For holds an entry for each. Only then are the headers those
    proxies set (the client's address, the request id) believed."""
    proxies: int = settings.CLINIC_TRUSTED_PROXIES
    return proxies > 0 and len(_forwarded_for(request)) >= proxies


def client_address(request: HttpRequest) -> str:
    """The client's address: the socket peer, or the entry CLINIC_TRUSTED_PROXIES hops back.

    Always a valid IP address (in its canonical form) or "" (no address at all): whatever a
    header holds that is not an address is ignored, so it can be stored in an address column
    (the audit log's, the sign-in lockout's) and never breaks the request.
    """
    if through_trusted_proxies(request):
        address = _valid(_forwarded_for(request)[-settings.CLINIC_TRUSTED_PROXIES])
        if address:
            return address
    return _valid(str(request.META.get("REMOTE_ADDR", "")))


def _valid(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""


# --- The request id ------------------------------------------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
# Outside a request (start-up, management commands, Celery tasks) log lines show this.
NO_REQUEST_ID = "-"
# What a proxy's id may look like: nginx's $request_id (32 hex digits), a UUID, a load
# balancer's trace id. Anything else (too long, spaces, control characters that could forge a
# log line) is replaced by one of our own.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST_ID)


def current_request_id() -> str:
    """The id of the request being handled in this context, or "-" outside any request."""
    return _request_id.get()


def incoming_request_id(request: HttpRequest) -> str | None:
    """The trusted proxy's X-Request-ID, if the request came through it and the id is valid.

    A client talking to us directly could send any header; only the proxies we trust (which
    must set or overwrite it: docs/operations.md) are believed, as for the client's address.
    """
    if not through_trusted_proxies(request):
        return None
    value = request.META.get("HTTP_X_REQUEST_ID", "")
    return value if _VALID_REQUEST_ID.fullmatch(value) else None


class RequestIdMiddleware:
    """Give every request an id (the proxy's, or a new one), for its log lines, its error page
    and the X-Request-ID response header. First in MIDDLEWARE, so every later line has it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = incoming_request_id(request) or uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            # The worker thread's next request, or its idle log lines, must not inherit it.
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record ("-" outside a request), for the formatter's
    %(request_id)s. Attached to the handlers in LOGGING, so records from every logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
