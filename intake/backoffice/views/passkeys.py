"""Passkeys (WebAuthn) as a second factor: django-otp-webauthn's JSON views, with our rules.

Served at /admin/passkeys/ under the namespace `otp_webauthn` (intake/backoffice/passkey_urls.py)
so that the package's template tags find them. What is added to the package's own checks:

- staff only (an active staff account signed in with its password);
- registering a passkey needs a verified session, unless the user has no sign-in method at all
  (the first one, right after the password: a new member of staff, or after a reset). The
  package refuses the same since 0.10.3; the rule is stated again here, on our side, so that it
  does not hang on one release of a dependency (GHSA-8r76-c459-ww98);
- a passkey that completes a sign-in gets a new session key and clears that user name's failed
  attempts at the address, like a code (account.verified), and both are audited;
- the first method set up comes with ten backup codes, shown once on the next page.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.models import WebAuthnCredential

from intake.backoffice.views import account
from intake.backoffice.views.methods import stash_backup_codes
from intake.http import client_address
from intake.services import staff


class NotStaff(exceptions.OTPWebAuthnApiError):  # type: ignore[misc]
    status_code = 403
    default_code = "not_staff"
    default_detail = "Only staff accounts use passkeys here."


def _check_staff(user: Any) -> None:
    if not account.is_staff(user):
        raise NotStaff()


class BeginRegistration(views.BeginCredentialRegistrationView):  # type: ignore[misc]
    def check_can_register(self) -> None:
        _check_staff(self.request.user)
        if not staff.may_enrol(self.request.user):
            raise exceptions.NotVerified()


class CompleteRegistration(views.CompleteCredentialRegistrationView):  # type: ignore[misc]
    def check_can_register(self) -> None:
        _check_staff(self.request.user)
        if not staff.may_enrol(self.request.user):
            raise exceptions.NotVerified()

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        first = not account.is_verified(request.user)
        response: HttpResponse = super().post(*args, **kwargs)
        added = WebAuthnCredential.objects.filter(
            pk=json.loads(response.content)["id"], user=request.user
        ).first()
        if added is not None:
            address = client_address(request)
            staff.passkey_registered(user=request.user, device=added, ip_address=address)
            if first:
                # The session became verified by this registration: a new key for it.
                request.session.cycle_key()
            if not staff.backup_codes_left(request.user):
                codes = staff.backup_codes_issue(user=request.user, ip_address=address)
                stash_backup_codes(request, codes)
        return response


class BeginAuthentication(views.BeginCredentialAuthenticationView):  # type: ignore[misc]
    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()  # refuses anyone not signed in with a password
        _check_staff(self.request.user)


class CompleteAuthentication(views.CompleteCredentialAuthenticationView):  # type: ignore[misc]
    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()  # refuses anyone not signed in with a password
        _check_staff(self.request.user)

    def complete_auth(self, device: Any) -> None:
        # The package has checked that the passkey is this user's (credential_user_mismatch).
        request = self.request
        account.verified(request, request.user, device)
        staff.second_factor_passkey_record(
            user=request.user, device=device, ip_address=client_address(request)
        )
