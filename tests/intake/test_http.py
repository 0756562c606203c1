"""What intake/http.py reads from a request: the client's address, as the rate limit and the
audit log record it, and the request id every log line, response and error page carries."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client, RequestFactory, override_settings

from intake.http import RequestIdFilter, client_address, current_request_id


@override_settings(CLINIC_TRUSTED_PROXIES=0)
def test_without_trusted_proxies_the_socket_peer_is_the_client() -> None:
    # A forged header from the client itself changes nothing.
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "203.0.113.7"


@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_last_forwarded_entry_is_the_client() -> None:
    # The client may prepend anything; only the entry our proxy added is believed.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9"
    )
    assert client_address(request) == "198.51.100.9"


@override_settings(CLINIC_TRUSTED_PROXIES=2)
def test_behind_two_proxies_the_entry_two_hops_back_is_the_client() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.1"
    )
    assert client_address(request) == "198.51.100.9"


@override_settings(CLINIC_TRUSTED_PROXIES=2)
def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_socket_peer() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=" , 1.2.3.4")
    assert client_address(request) == "10.0.0.2"


@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_a_forwarded_entry_that_is_not_an_address_falls_back_to_the_socket_peer() -> None:
    # The sign-in lockout stores the address in an address column: junk must never reach it.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-address"
    )
    assert client_address(request) == "10.0.0.2"


def test_no_address_at_all_is_empty_never_junk() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="unix:socket")
    assert client_address(request) == ""


@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_an_ipv6_address_is_given_in_its_canonical_form() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1"
    )
    assert client_address(request) == "2001:db8::1"


# --- The request id (RequestIdMiddleware, RequestIdFilter) ---------------------------------------

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the console handler configured by settings.LOGGING writes, captured."""
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    assert isinstance(console, logging.StreamHandler)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=0)
def test_every_response_carries_a_new_request_id(client: Client) -> None:
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second)
    assert first != second


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_the_trusted_proxys_request_id_is_kept(client: Client) -> None:
    response = client.get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
        HTTP_X_REQUEST_ID="5f0c6a1e-proxy_id.42",
    )
    assert response["X-Request-ID"] == "5f0c6a1e-proxy_id.42"


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=0)
def test_a_client_cannot_choose_its_request_id_without_a_trusted_proxy(client: Client) -> None:
    response = client.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REQUEST_ID="chosen-by-me")
    assert HEX32.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=2)
def test_a_request_that_bypassed_the_proxies_gets_its_own_id(client: Client) -> None:
    # Two proxies are configured but the header shows only one hop: not through them.
    response = client.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REQUEST_ID="forged"
    )
    assert HEX32.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=1)
@pytest.mark.parametrize(
    "value",
    ["", "x" * 65, "has space", "line\nbreak", "semi;colon", "ünïcode", "a/b"],
)
def test_a_malformed_proxy_request_id_is_replaced(client: Client, value: str) -> None:
    response = client.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REQUEST_ID=value
    )
    assert HEX32.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_a_64_character_proxy_request_id_is_the_longest_kept(client: Client) -> None:
    value = "A" * 64
    response = client.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REQUEST_ID=value
    )
    assert response["X-Request-ID"] == value


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id_and_lines_outside_show_a_dash(
    client: Client, log_lines: io.StringIO
) -> None:
    logging.getLogger("intake.test").warning("before the request")
    # A refused CSRF check is logged by Django itself (django.security.csrf) during the request.
    response = Client(enforce_csrf_checks=True).post("/start/")
    logging.getLogger("intake.test").warning("after the request")
    request_id = response["X-Request-ID"]
    lines = log_lines.getvalue().splitlines()
    [csrf_line] = [line for line in lines if "django.security.csrf" in line]
    assert f" WARNING [{request_id}] django.security.csrf Forbidden (CSRF cookie not set.)" in (
        csrf_line
    )
    [before] = [line for line in lines if "before the request" in line]
    [after] = [line for line in lines if "after the request" in line]
    assert " WARNING [-] intake.test before the request" in before
    assert " WARNING [-] intake.test after the request" in after
    assert current_request_id() == "-"


def test_the_filter_keeps_a_request_id_given_explicitly() -> None:
    # A record that already names its request (a task given one, say) is left alone.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    record.request_id = "given"  # what `extra=` would set
    assert RequestIdFilter().filter(record)
    assert record.__dict__["request_id"] == "given"
