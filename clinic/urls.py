"""Top-level URLs: the patient site, the health check and the staff admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clinic intake: staff"
admin.site.site_title = "Clinic intake"

urlpatterns = [
    # Passkeys for the staff sign-in (issue 17): JSON endpoints for django-otp-webauthn's scripts.
    path("admin/passkeys/", include("intake.backoffice.passkey_urls")),
    path("admin/", admin.site.urls),
    path("", include("intake.questionnaire.urls")),
]
