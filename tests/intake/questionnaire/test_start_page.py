"""The start page and the base template every page shares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from intake.questionnaire.views import FORM_MINUTES

pytestmark = pytest.mark.django_db


def test_start_page_explains_the_form_and_gives_emergency_advice(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tell us about your leg problem" in html
    assert f"It takes about {FORM_MINUTES} minutes." in html
    assert "What happens next" in html
    assert "How we use your answers" in html
    assert 'call <a href="tel:999">999</a> now' in html


@override_settings(CLINIC_NAME="Riverside Vein & Artery Clinic", CLINIC_EMERGENCY_NUMBER="112")
def test_every_page_shows_the_clinic_name_skip_link_and_emergency_footer(client: Client) -> None:
    html = client.get("/").content.decode()
    # The clinic name is escaped like any other value.
    assert "Riverside Vein &amp; Artery Clinic" in html
    assert '<a class="visually-hidden-focusable skip-link" href="#main-content">' in html
    assert 'id="main-content"' in html
    assert 'In an emergency call <a href="tel:112">112</a>.' in html
    assert "tel:999" not in html


def test_start_page_is_served_without_a_cdn(client: Client) -> None:
    html = client.get("/").content.decode()
    # The pages' own small stylesheet, from this server; no Bootstrap, nothing from elsewhere.
    assert '<link rel="stylesheet" href="/static/questionnaire/css/intake.css">' in html
    assert "bootstrap" not in html.lower()
    assert "cdn" not in html.lower()
    assert "<script" not in html  # the start page needs no script at all


def test_the_time_the_start_page_gives_is_the_measured_one() -> None:
    # Issue 19: the median of timed journeys (bench/journey_time.py), recorded with how it was
    # measured in bench/README.md; the two must agree.
    readme = (Path(settings.BASE_DIR) / "bench" / "README.md").read_text()
    measured = re.findall(r"start page: about (\d+) minutes", readme)
    assert measured and int(measured[-1]) == FORM_MINUTES


def test_start_page_refuses_other_methods(client: Client) -> None:
    assert client.delete("/").status_code == 405


def test_pages_send_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_robots_txt_keeps_crawlers_off_the_forms(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain"
    assert response.content.decode().splitlines() == ["User-agent: *", "Allow: /$", "Disallow: /"]
