"""Top-level URLs: the patient site, the health check, the staff admin and the FHIR API."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clinic intake: staff"
admin.site.site_title = "Clinic intake"

urlpatterns = [
    # Passkeys for the staff sign-in (issue 17): JSON endpoints for django-otp-webauthn's scripts.
    path("admin/passkeys/", include("intake.backoffice.passkey_urls")),
    path("admin/", admin.site.urls),
    # The read-only FHIR API for the clinic's record system (issue 21, docs/integration.md).
    path("fhir/r4/", include("intake.handover.urls")),
    path("", include("intake.questionnaire.urls")),
]

# The error pages (issue 17): the emergency number and the request id on each, rendered without
# the database or the cache; a signed-in staff member's 403 is logged and audited.
handler400 = "intake.questionnaire.errors.bad_request"
handler403 = "intake.questionnaire.errors.permission_denied"
handler404 = "intake.questionnaire.errors.page_not_found"
handler500 = "intake.questionnaire.errors.server_error"
