"""Sign-in methods: setting up the first, "Your sign-in methods", backup codes, and a clinic
admin's reset of a colleague's (issue 17; docs/security.md).

- `Enrol`: an authenticator app (a QR code, confirmed by its first code) or a passkey. Open to
  a verified session, or to a member of staff with no method at all right after the password
  (their first day, or after a reset); a session with a method that has not used it is sent to
  the second step instead.
- `BackupCodes`: shows newly made backup codes once (they are kept in the session only until
  this page has shown them).
- `SignInMethods`: the user's own methods, to add, replace or remove, and new backup codes.
- `ResetSignIn`: a clinic admin removes every method of somebody else, with a reason.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from intake.backoffice.permissions import staff_member
from intake.backoffice.views.account import (
    account_page,
    is_staff,
    is_verified,
    safe_next,
    with_next,
)
from intake.backoffice.views.base import admin_page
from intake.http import client_address
from intake.services import staff

# Backup codes just made, until the page that shows them once has done so.
NEW_BACKUP_CODES = "staff_new_backup_codes"


def stash_backup_codes(request: HttpRequest, codes: list[str]) -> None:
    request.session[NEW_BACKUP_CODES] = codes


def methods_url() -> str:
    return reverse("admin:staff_sign_in_methods")


# --- Setting up a method -------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits the app shows for this account now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@method_decorator([never_cache, sensitive_post_parameters("otp_token")], name="dispatch")
class Enrol(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        self.next_url = safe_next(request)
        if not is_staff(user):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not staff.may_enrol(user):  # type: ignore[arg-type]
            # A method exists and this session has not used it: the second step first.
            return HttpResponseRedirect(with_next("admin:staff_second_factor", self.next_url))
        self.user: User = user  # type: ignore[assignment]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(ConfirmForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ConfirmForm(request.POST)
        device = staff.authenticator_start(user=self.user)
        if form.is_valid():
            first = not is_verified(self.user)
            address = client_address(request)
            if staff.authenticator_confirm(
                user=self.user,
                device=device,
                token=form.cleaned_data["otp_token"],
                ip_address=address,
            ):
                if first:
                    # The first method, right after the password: it verifies this session.
                    request.session.cycle_key()
                    django_otp.login(request, device)
                if not staff.backup_codes_left(self.user):
                    codes = staff.backup_codes_issue(user=self.user, ip_address=address)
                    stash_backup_codes(request, codes)
                messages.success(request, _("Your authenticator app is set up."))
                return HttpResponseRedirect(with_next("admin:staff_backup_codes", self.next_url))
            form.add_error(
                "otp_token",
                _(
                    "That code is not right. Type the code the app shows now for this account; "
                    "if it still fails, check that your phone's clock is set automatically."
                ),
            )
        return self.page(form)

    def page(self, form: ConfirmForm) -> HttpResponse:
        device = staff.authenticator_start(user=self.user)
        secret = b32encode(device.bin_key).decode()
        first = not staff.confirmed_devices(self.user)
        return account_page(
            self.request,
            "enrol.html",
            {
                "title": _("Set up your sign-in method") if first else _("Add a sign-in method"),
                "first": first,
                "form": form,
                "next": self.next_url,
                "qr_svg": segno.make(device.config_url, error="m").svg_inline(
                    scale=4, title=_("QR code for your authenticator app")
                ),
                "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                "has_authenticator": TOTPDevice.objects.filter(
                    user=self.user, confirmed=True
                ).exists(),
                "passkey_done_url": with_next("admin:staff_backup_codes", self.next_url),
            },
        )


@method_decorator(never_cache, name="dispatch")
class BackupCodes(View):
    """Newly made backup codes, shown once (admin_view: a verified session)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = request.session.pop(NEW_BACKUP_CODES, None)
        next_url = safe_next(request, methods_url())
        if not codes:
            return HttpResponseRedirect(next_url)
        return admin_page(
            request,
            "backoffice/account/backup_codes.html",
            {"title": _("Your backup codes"), "codes": codes, "next": next_url},
        )


# --- Your sign-in methods ------------------------------------------------------------------------


def _describe(device: Device) -> dict[str, Any]:
    kind = (
        _("Passkey")
        if isinstance(device, WebAuthnCredential)
        else _("Authenticator app")
        if isinstance(device, TOTPDevice)
        else _("Backup codes")
    )
    return {
        "id": device.persistent_id,
        "kind": kind,
        "name": device.name,
        "created_at": getattr(device, "created_at", None),
        "last_used_at": getattr(device, "last_used_at", None),
        "removable": not isinstance(device, StaticDevice),
    }


@never_cache
def sign_in_methods(request: HttpRequest) -> HttpResponse:
    """The user's own methods (admin_view: a verified session)."""
    user = staff_member(request)
    devices = [d for d in staff.confirmed_devices(user) if not isinstance(d, StaticDevice)]
    return admin_page(
        request,
        "backoffice/account/sign_in_methods.html",
        {
            "title": _("Your sign-in methods"),
            "devices": [_describe(d) for d in devices],
            "only_one": len(devices) == 1,
            "backup_codes_left": staff.backup_codes_left(user),
            "enrol_url": with_next("admin:staff_enrol", methods_url()),
            "passkey_done_url": with_next("admin:staff_backup_codes", methods_url()),
        },
    )


@require_POST
def device_remove(request: HttpRequest) -> HttpResponse:
    user = staff_member(request)
    wanted = str(request.POST.get("device", ""))
    device = next((d for d in staff.confirmed_devices(user) if d.persistent_id == wanted), None)
    if device is None:
        messages.error(request, _("That sign-in method was not found; nothing was removed."))
        return HttpResponseRedirect(methods_url())
    try:
        staff.device_remove(user=user, device=device, ip_address=client_address(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("“%(name)s” was removed.") % {"name": device.name})
    return HttpResponseRedirect(methods_url())


@require_POST
def backup_codes_renew(request: HttpRequest) -> HttpResponse:
    user = staff_member(request)
    codes = staff.backup_codes_issue(user=user, ip_address=client_address(request))
    stash_backup_codes(request, codes)
    return HttpResponseRedirect(with_next("admin:staff_backup_codes", methods_url()))


# --- A clinic admin resets a colleague's methods -----------------------------------------------


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (kept in the audit log)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For example: “Lost phone and backup codes; identity checked in person by …”."
        ),
    )


@method_decorator(never_cache, name="dispatch")
class ResetSignIn(View):
    """Remove every sign-in method of another member of staff (admin_view; clinic admins)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        actor = staff_member(request)
        self.target = get_object_or_404(User, pk=kwargs["user_id"])
        if not staff.may_reset(actor, self.target):
            raise PermissionDenied
        self.actor = actor
        return super().dispatch(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(ResetForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ResetForm(request.POST)
        if form.is_valid():
            removed = staff.staff_devices_reset(
                actor=self.actor,
                user=self.target,
                reason=form.cleaned_data["reason"],
                ip_address=client_address(request),
            )
            messages.success(
                request,
                _(
                    "%(count)s sign-in methods of %(user)s were removed and their sessions "
                    "ended. At their next sign-in they set up a new one."
                )
                % {"count": removed, "user": self.target.get_username()},
            )
            return HttpResponseRedirect(reverse("admin:auth_user_change", args=[self.target.pk]))
        return self.page(form)

    def page(self, form: ResetForm) -> HttpResponse:
        return admin_page(
            self.request,
            "backoffice/account/reset.html",
            {
                "title": _("Reset sign-in methods of %(user)s")
                % {"user": self.target.get_username()},
                "form": form,
                "target": self.target,
                "devices": [_describe(d) for d in staff.confirmed_devices(self.target)],
                "opts": User._meta,
            },
        )
