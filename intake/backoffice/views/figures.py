"""The home page's charts as SVG images (intake/backoffice/charts.py), for clinic admins.

Counts by day and tier only: no patient, no reference, nothing clinical beyond the tiers the
queue shows anyone who sees it; so, unlike a page that names patients, not audited.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from intake.backoffice import charts, dashboard
from intake.backoffice.permissions import allowed_if

# What the SVG may use when opened on its own: its own inline styles (pygal's), nothing else:
# no script, nothing fetched. Shown through <img> it runs no script and loads nothing whatever
# this says. (django-csp leaves a response's own policy as it is.)
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@allowed_if(dashboard.can_see_figures)
def figure_svg(request: HttpRequest, name: str) -> HttpResponse:
    make = dashboard.FIGURES.get(name)
    if make is None:
        raise Http404
    response = HttpResponse(
        charts.render_svg(make(timezone.now())), content_type="image/svg+xml; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = SVG_POLICY
    return response
