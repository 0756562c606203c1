"""The passkey (WebAuthn) endpoints, at /admin/passkeys/ (clinic/urls.py).

django-otp-webauthn's URL names in its own namespace (`otp_webauthn`), which its template tags
reverse, served by our subclasses of its views (intake/backoffice/views/passkeys.py). They
answer JSON to the package's scripts; every one of them needs a signed-in member of staff.
"""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from intake.backoffice.views import passkeys

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        passkeys.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        passkeys.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        passkeys.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkeys.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
