"""The error pages: 400, 403, 404, 500, and the page for a refused CSRF check.

Each gives the emergency number and the request id, whatever went wrong. They render from the
settings alone: no database, no cache, no context processors (which could reach either), static
files named without the manifest if it fails. A patient who meets one of these pages in the
middle of the form may be the one who needs that number most.

The handlers are named in clinic/urls.py (handler400 ... handler500) and CSRF_FAILURE_VIEW. A
signed-in staff member refused with 403 is also logged and audited (intake/services/audit.py).
"""

from __future__ import annotations

import logging
from html import escape

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

from intake.http import client_address, current_request_id
from intake.services import audit

logger = logging.getLogger(__name__)

STYLESHEETS = ("questionnaire/css/intake.css",)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a malformed request, a disallowed Host header (no request data is used)."""
    return _page("400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: refused; a signed-in (staff) user's refusal is logged and audited first."""
    _record_denial(request)
    return _page("403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404. The path asked for is not shown: it may hold a draft's token."""
    return _page("404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the request id to quote, so the log lines of this failure can be found."""
    return _page("500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form posted from a stale page or without cookies. Django has logged
    the reason (logger django.security.csrf); the page says what to do about it."""
    return _page("403_csrf.html", status=403)


# --- Rendering that cannot fail ------------------------------------------------------------------


def _page(template_name: str, *, status: int) -> HttpResponse:
    try:
        body = str(loader.render_to_string(template_name, _context()))
    except Exception:  # an error page must never itself fail: a plain page instead
        logger.exception("error page %s could not be rendered; sent the plain one", template_name)
        body = _plain_page()
    return HttpResponse(body, status=status)


def _context() -> dict[str, object]:
    """Everything the templates show, from the settings (never the database or the cache)."""
    return {
        "clinic_name": settings.CLINIC_NAME,
        "emergency_number": settings.CLINIC_EMERGENCY_NUMBER,
        "urgent_advice_line": settings.CLINIC_URGENT_ADVICE_LINE,
        "request_id": current_request_id(),
        "home_url": _home_url(),
        "stylesheets": [_static_url(name) for name in STYLESHEETS],
    }


def _home_url() -> str:
    try:
        return reverse("intake:start")
    except Exception:  # a broken URLconf may be why this is a 500
        return "/"


def _static_url(name: str) -> str:
    try:
        return str(staticfiles_storage.url(name))
    except Exception:  # no manifest, or the name missing from it: the unhashed file
        return f"{settings.STATIC_URL}{name}"


def _plain_page() -> str:
    """The last resort: the emergency number and the reference, in plain HTML."""
    number = escape(str(getattr(settings, "CLINIC_EMERGENCY_NUMBER", "999")))
    reference = escape(current_request_id())
    try:
        title = _("Sorry, there is a problem with the service")
        advice = _("In an emergency call %(number)s.")
        quote = _("If you contact us about this problem, quote this reference:")
    except Exception:  # translations unavailable: English
        title = "Sorry, there is a problem with the service"
        advice = "In an emergency call %(number)s."
        quote = "If you contact us about this problem, quote this reference:"
    link = f'<a href="tel:{number}">{number}</a>'
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1><p><strong>{escape(advice) % {'number': link}}"
        f"</strong></p><p>{escape(quote)} <code>{reference}</code></p></body></html>"
    )


# --- Refused staff requests ----------------------------------------------------------------------


def _record_denial(request: HttpRequest) -> None:
    """Log and audit a 403 for a signed-in user (staff: patients never sign in). Anonymous
    refusals are not audited. If the database is down the log line has been written already;
    the page is shown regardless."""
    try:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated:
            return
        audit.audit_record_access_denied(
            actor=user, path=request.path, ip_address=client_address(request)
        )
    except Exception:
        logger.exception("a refused request could not be audited")
