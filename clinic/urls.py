"""Top-level URLs: the patient site, the health check and the staff admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Clinic intake: staff"
admin.site.site_title = "Clinic intake"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("intake.questionnaire.urls")),
]
