"""Staff sign-in, in two steps (issue 17; docs/security.md).

1. The password (`/admin/login/`, the admin's own login URL): django-axes refuses a user name
   and address with too many recent failures, and `throttle` an address with too many failures
   across all names. A right password signs in, but the session is not yet *verified*: the
   admin site refuses it (`ClinicAdminSite.has_permission`) and sends it to step 2.
2. The second factor (`/admin/login/second-factor/`): a passkey, a code from the
   authenticator app or a backup code. A wrong code counts as a failed sign-in for django-axes
   and the throttle, like a wrong password. A right one verifies the session (a new session key)
   and clears the failures of that user name at that address.

A member of staff with no sign-in method at all (new, or reset by a clinic admin) is taken from
step 1 to setting one up (`methods.Enrol`) and can reach nothing else until they have.
"""

from __future__ import annotations

from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, redirect_to_login
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp_webauthn.models import WebAuthnCredential

from intake import audit as audit_receivers
from intake import roles
from intake.backoffice import middleware, throttle
from intake.http import client_address
from intake.models import AuditEvent
from intake.services import audit, staff

TEMPLATES = "backoffice/account/"


# --- Where a signed-in member of staff must go next ----------------------------------------------


def is_verified(user: Any) -> bool:
    """Whether the session passed the second factor (django-otp's OTPMiddleware says)."""
    verified = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and verified is not None and verified())


def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The `next` of the request if it stays on this site, else `default` (the admin's index)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default or reverse("admin:index")


def landing(user: Any, next_url: str) -> str:
    """Where a member of staff goes once signed in: where they were going, or, if that was
    just the admin's home, their role's own list: reception's "To book" (issue 20)."""
    if next_url == reverse("admin:index") and user.groups.filter(name=roles.RECEPTIONIST).exists():
        return reverse("admin:scheduling_casetobook_changelist")
    return next_url


def with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def next_step(request: HttpRequest, next_url: str) -> str:
    """After the password: the second factor, or setting one up if the user has none."""
    if staff.confirmed_devices(request.user):  # type: ignore[arg-type]
        return with_next("admin:staff_second_factor", next_url)
    return with_next("admin:staff_enrol", next_url)


def account_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> TemplateResponse:
    """A sign-in page with the admin's look (its header; no navigation until verified)."""
    return TemplateResponse(
        request,
        TEMPLATES + template,
        {**admin.site.each_context(request), **context},
        status=status,
    )


# --- Step 1: the password ------------------------------------------------------------------------


class SignInForm(AdminAuthenticationForm):
    """The admin's login form (it refuses accounts that are not staff)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "That user name and password do not match a staff account. Both are case-sensitive."
        ),
    }


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PasswordStep(LoginView):
    authentication_form = SignInForm
    template_name = TEMPLATES + "sign_in.html"
    redirect_authenticated_user = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if is_staff(user):
            # Signed in already: on to where the session has to go next.
            next_url = safe_next(request)
            return HttpResponseRedirect(
                landing(user, next_url) if is_verified(user) else next_step(request, next_url)
            )
        if request.method == "POST":
            refused = refused_by_throttle(request, str(request.POST.get("username", "")))
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **admin.site.each_context(self.request),
            **super().get_context_data(**kwargs),
            "title": _("Sign in"),
        }

    def get_success_url(self) -> str:
        return next_step(self.request, safe_next(self.request))


def sign_in(request: HttpRequest) -> HttpResponseBase:
    """The admin site's login view (`ClinicAdminSite.login`)."""
    return PasswordStep.as_view()(request)


# --- Step 2: the second factor -------------------------------------------------------------------


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        help_text=gettext_lazy(
            "The 6-digit code your authenticator app shows now, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


@method_decorator([never_cache, sensitive_post_parameters("otp_token")], name="dispatch")
class SecondFactor(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        next_url = safe_next(request)
        if not is_staff(user):
            return redirect_to_login(next_url, reverse("admin:login"))
        # After the second factor (a code, or a passkey: the page's `next`), the role's list.
        next_url = landing(user, next_url)
        if is_verified(user):
            return HttpResponseRedirect(next_url)
        if not staff.confirmed_devices(user):  # type: ignore[arg-type]
            return HttpResponseRedirect(with_next("admin:staff_enrol", next_url))
        self.user: User = user  # type: ignore[assignment]
        self.next_url = next_url
        self.credentials = {"username": user.get_username()}
        if not AxesProxyHandler.is_allowed(request, self.credentials):
            logout(request)
            return lockout_response(request, None, self.credentials)
        if request.method == "POST":
            refused = refused_by_throttle(request, user.get_username())
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self.page(form)
        device = staff.second_factor_verify(
            user=self.user, token=form.cleaned_data["otp_token"], ip_address=client_address(request)
        )
        if device is not None:
            verified(request, self.user, device)
            return HttpResponseRedirect(self.next_url)
        # A wrong code counts as a failed sign-in, for the lockout and the throttle alike.
        user_login_failed.send(
            sender=SecondFactor,
            credentials={**self.credentials, audit_receivers.SECOND_FACTOR: True},
            request=request,
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request, None, self.credentials)
        form.add_error(
            "otp_token",
            _(
                "That code is not right, or was used already. Try the newest code from your "
                "app (a new one comes every 30 seconds), or a backup code you have not used."
            ),
        )
        return self.page(form)

    def page(self, form: CodeForm) -> HttpResponse:
        devices = staff.confirmed_devices(self.user)
        return account_page(
            self.request,
            "second_factor.html",
            {
                "title": _("Second step: confirm it is you"),
                "form": form,
                "next": self.next_url,
                "has_passkey": any(isinstance(d, WebAuthnCredential) for d in devices),
                "backup_codes_left": staff.backup_codes_left(self.user),
            },
        )


def verified(request: HttpRequest, user: User, device: Any) -> None:
    """The second factor passed: a new session key for the verified session, the device in it,
    and the user name's failures at this address forgotten."""
    request.session.cycle_key()
    django_otp.login(request, device)
    AxesProxyHandler.reset_attempts(
        username=user.get_username(), ip_address=client_address(request) or None
    )


# --- Signing out ---------------------------------------------------------------------------------


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out of every browser at once (the admin's "Log out" button posts here)."""
    user = request.user
    if user.is_authenticated:
        staff.staff_sessions_end(user=user)
        request.clinic_signed_out_because = "everywhere"  # type: ignore[attr-defined]
        logout(request)
        messages.info(request, _("You are signed out, in every browser you had signed in with."))
    return HttpResponseRedirect(reverse("admin:login"))


def keep_alive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the idle clock starts again (POST, from a signed-in admin page)."""
    if request.method != "POST":
        return HttpResponse(status=405)
    middleware.keep_alive(request)
    return JsonResponse({"idle_seconds": middleware.idle_seconds()})


# --- Refusals: lockout and throttle ---------------------------------------------------------


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): when the user name may try again."""
    username = get_client_username(request, credentials) or ""
    last = AccessAttempt.objects.filter(
        username=username, ip_address=client_address(request) or None
    ).aggregate(last=Max("attempt_time"))["last"]
    cool_off = get_cool_off(request)
    until = timezone.localtime((last or timezone.now()) + cool_off) if cool_off else None
    page = account_page(
        request,
        "locked_out.html",
        {"title": _("Too many failed sign-ins"), "until": until},
        status=429,
    )
    # Rendered now: AxesMiddleware returns it from outside the view, where Django would not.
    return page.render()


def refused_by_throttle(request: HttpRequest, username: str) -> HttpResponse | None:
    """The "too many attempts from your network" page, if this address is over the limit."""
    address = client_address(request)
    window = throttle.refused(address)
    if window is None:
        return None
    audit.audit_record(
        actor=None,
        action=AuditEvent.Action.THROTTLED,
        object_repr=username[:150],
        details={"username": username[:150], "failures": window.failures},
        ip_address=address or None,
    )
    return account_page(
        request,
        "too_many.html",
        {"title": _("Too many sign-in attempts"), "minutes": window.minutes_left},
        status=429,
    )
