"""The client's address (intake/http.py), as the rate limit and the audit log record it."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from intake.http import client_address


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
