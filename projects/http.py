"""Facts about the request that go into evidence records: who asked, from where."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The address of the person's device, as evidence records keep it.

    Behind a reverse proxy REMOTE_ADDR is the proxy's. With ``TRUSTED_PROXY_COUNT`` = N the
    address is the N-th entry of X-Forwarded-For from the right: the one the outermost proxy
    we run saw. Entries further left are whatever the client sent and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote
