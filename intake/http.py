"""What the app reads from an HTTP request beyond Django's own: the client's address.

Shared by the patient pages (the rate limit, the cancel link's audit entry) and the staff side
(the audit log of logins and of every staff action), so it lives in the core app.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the socket peer, or the entry CLINIC_TRUSTED_PROXIES hops back."""
    proxies = settings.CLINIC_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR", ""))
