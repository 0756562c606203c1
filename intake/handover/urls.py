"""The FHIR API's URLs, mounted at /fhir/r4/ by clinic/urls.py (docs/integration.md)."""

from django.urls import path

from intake.handover import api

app_name = "fhir"

urlpatterns = [
    path("", api.not_found, name="root"),
    path("metadata", api.metadata, name="metadata"),
    path("<str:resource_type>", api.search_type, name="search"),
    path("<str:resource_type>/<str:resource_id>", api.read, name="read"),
    path("<path:rest>", api.not_found, name="not_found"),
]
