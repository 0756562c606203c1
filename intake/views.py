"""Patient-facing views and the health check. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from intake import health


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what the form is for, how long it takes, emergency advice, privacy."""
    return render(request, "intake/start.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status as JSON; HTTP 503 naming the failing part when one is down."""
    status = {"database": health.database_status(), "broker": health.broker_status()}
    healthy = all(value in (health.OK, health.IN_PROCESS) for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
