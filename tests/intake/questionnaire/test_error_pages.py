"""The error pages (intake/questionnaire/errors.py): 400, 403, 404, 500 and a refused CSRF
check each give the emergency number and the request id, and render with the database and the
cache both down (issue 17)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connections
from django.test import Client, override_settings

from tests.servers import free_port, redis_cache

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"[0-9a-f]{32}")
EMERGENCY = 'call <a href="tel:999">999</a>'
FOOTER = 'In an emergency call <a href="tel:999">999</a>.'


def shows_help(response: _MonkeyPatchedWSGIResponse, *, status: int) -> str:
    """The page's HTML, having checked its status, the emergency number, and the reference."""
    assert response.status_code == status
    html = response.content.decode()
    assert EMERGENCY in html and FOOTER in html
    request_id = response["X-Request-ID"]
    assert HEX32.fullmatch(request_id)
    assert f"quote this reference:\n      <code>{request_id}</code>" in html
    return html


@pytest.fixture
def browser() -> Client:
    """A patient's browser that receives the 500 page instead of the test raising."""
    return Client(raise_request_exception=False)


@pytest.fixture
def everything_down() -> Iterator[None]:
    """The database refuses every query, and the cache is a Redis nobody listens at."""
    wrapper = type(connections["default"])
    refused = OperationalError("could not connect to server: Connection refused")
    with (
        mock.patch.object(wrapper, "cursor", side_effect=refused),
        override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{free_port()}/0")),
    ):
        yield


def test_the_500_page_gives_the_emergency_number_and_the_reference_with_everything_down(
    browser: Client, everything_down: None, caplog: pytest.LogCaptureFixture
) -> None:
    # A draft's page needs the database: it fails, and the patient gets our page.
    response = browser.get("/intake/some-draft-token/check/")
    html = shows_help(response, status=500)
    [failure] = [r for r in caplog.records if r.name == "django.request"]
    assert failure.exc_info is not None and failure.exc_info[0] is OperationalError
    assert "Sorry, there is a problem with the service" in html
    assert "Answers you saved on earlier pages are kept." in html
    assert "Server Error (500)" not in html
    # Styled like every patient page, with the unhashed file names if the manifest fails.
    assert "/static/questionnaire/css/intake.css" in html
    assert "bootstrap" not in html


def test_the_404_page_gives_the_emergency_number_and_the_reference_with_everything_down(
    browser: Client, everything_down: None
) -> None:
    html = shows_help(browser.get("/no-such-page/"), status=404)
    assert "Page not found" in html
    assert 'href="/"' in html  # the way back to the start page


def test_the_404_page_does_not_repeat_the_path_asked_for(client: Client) -> None:
    # A mistyped link may still hold a draft's token.
    html = shows_help(client.get("/intake/abcdefgh12345678/nowhere/x/"), status=404)
    assert "abcdefgh12345678" not in html


def test_the_400_page_for_a_host_we_do_not_serve(client: Client) -> None:
    html = shows_help(client.get("/", HTTP_HOST="evil.example"), status=400)
    assert "We could not accept that. Please go back and try again." in html
    assert "evil.example" not in html


def test_the_csrf_failure_page_says_to_go_back_and_reload(everything_down: None) -> None:
    response = Client(enforce_csrf_checks=True).post("/start/")
    html = shows_help(response, status=403)
    assert "This page could not be sent" in html
    assert "Go back, reload the page, and try again." in html
    assert "CSRF" not in html  # no jargon for a patient


def test_the_403_page_gives_the_emergency_number_and_the_reference(browser: Client) -> None:
    # No patient page refuses with PermissionDenied today; the start page is made to, here.
    with mock.patch("intake.questionnaire.views.render", side_effect=PermissionDenied):
        html = shows_help(browser.get("/"), status=403)
    assert "You cannot open this page" in html


@override_settings(CLINIC_EMERGENCY_NUMBER="112", CLINIC_NAME="Riverside Vein & Artery Clinic")
def test_the_error_pages_use_the_clinics_own_number_and_name(browser: Client) -> None:
    html = browser.get("/no-such-page/").content.decode()
    assert 'call <a href="tel:112">112</a>' in html
    assert "tel:999" not in html
    assert "Riverside Vein &amp; Artery Clinic" in html


def test_a_500_page_that_cannot_be_rendered_falls_back_to_plain_html(
    browser: Client, everything_down: None
) -> None:
    with mock.patch(
        "intake.questionnaire.errors.loader.render_to_string", side_effect=RuntimeError("broken")
    ):
        response = browser.get("/intake/some-draft-token/check/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'In an emergency call <a href="tel:999">999</a>.' in html
    assert f"<code>{response['X-Request-ID']}</code>" in html


@override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "clinic.storage.StaticFilesStorage"},
    }
)
def test_the_error_pages_link_plain_static_paths_when_the_manifest_is_missing(
    browser: Client,
) -> None:
    # Production's storage with no collectstatic run: {% static %} would raise; ours does not.
    html = shows_help(browser.get("/no-such-page/"), status=404)
    assert '<link rel="stylesheet" href="/static/questionnaire/css/intake.css">' in html
