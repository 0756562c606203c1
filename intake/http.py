"""What the app reads from an HTTP request beyond Django's own: the client's address.

Shared by the patient pages (the rate limit, the cancel link's audit entry) and the staff side
(the audit log of logins and of every staff action, the sign-in lockout), so it lives in the
core app.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the socket peer, or the entry CLINIC_TRUSTED_PROXIES hops back.

    Always a valid IP address (in its canonical form) or "" (no address at all): whatever a
    header holds that is not an address is ignored, so it can be stored in an address column
    (the audit log's, the sign-in lockout's) and never breaks the request.
    """
    proxies = settings.CLINIC_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = _valid(forwarded[-proxies])
            if address:
                return address
    return _valid(str(request.META.get("REMOTE_ADDR", "")))


def _valid(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""
