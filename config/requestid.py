"""The request id: one short token per request, in every log line the request writes, echoed
in the ``X-Request-ID`` response header and carried into the jobs the request enqueues.

A small middleware rather than django-guid: the id has to live in a context variable that
the job engine (jobs/engine.py) can read when a job is enqueued and set again when the job
runs, and ids from proxies come in several shapes (nginx's 32 hex digits, a UUID, an
Envoy or load-balancer token) that django-guid's UUID-only validation would replace.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import uuid
from collections.abc import Iterator

HEADER = "X-Request-ID"
# What a proxy may hand us: letters, digits and a few separators, not too long. Anything else
# (spaces, quotes, newlines that could forge log lines, 1 kB of junk) is replaced by our own.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{7,127}")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_id_get() -> str:
    """The id of the request (or job) this code runs for; "" outside both."""
    return _current.get()


def request_id_new() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    """Run the block under ``value`` (a job runs under the id of the request that made it)."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def request_id_from_header(raw: str | None) -> str:
    """The proxy's id when it is well-formed, else a new one."""
    if raw and _WELL_FORMED.fullmatch(raw):
        return raw
    return request_id_new()


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every later middleware's log lines carry the id too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request_id_from_header(request.headers.get(HEADER))
        request.request_id = value
        with request_id_bound(value):
            response = self.get_response(request)
        response[HEADER] = value
        return response
