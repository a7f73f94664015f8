"""Evidence records keep the address of the person's device, not the proxy's, and never an
address the client made up."""

from django.test import RequestFactory, override_settings

from projects.http import client_address


def request(forwarded=None):
    extra = {"REMOTE_ADDR": "10.0.0.5"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_the_socket_address_is_kept_and_forwarded_for_is_ignored():
    assert client_address(request("203.0.113.9")) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_that_proxy_saw_is_kept():
    assert client_address(request("203.0.113.9")) == "203.0.113.9"
    # A client that sends its own X-Forwarded-For only adds entries on the left.
    assert client_address(request("1.2.3.4, 203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_proxys_view_is_kept():
    assert client_address(request("1.2.3.4, 203.0.113.9, 10.0.0.7")) == "203.0.113.9"
    assert client_address(request("10.0.0.7")) == "10.0.0.5"  # fewer hops than proxies


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_malformed_forwarded_address_falls_back_to_the_socket_address():
    assert client_address(request("not-an-address")) == "10.0.0.5"
    assert client_address(request("")) == "10.0.0.5"
