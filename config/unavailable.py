"""A lost database or object store is a 503 "try again", not a 500 with a traceback.

PostgreSQL restarted (a fail-over, an upgrade, ``pg_ctl restart``) kills every connection the
app holds: the requests in flight then raise ``OperationalError`` or ``InterfaceError``. Their
transactions were rolled back by the server, so nothing was written; the person only needs to
hear that and send it again. The connection is dropped at the end of the request (Django
closes one that raised) and the next request opens a new one after the health check
(``CONN_HEALTH_CHECKS``), so the app needs no restart.

The API's views get the same answer as JSON from ``config.api.exception_handler``; this
middleware answers the pages.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

from storage.errors import StorageUnavailable

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable_page(*, database: bool) -> HttpResponse:
    """Our 503 page, rendered without the request's context processors: they may need the
    database that is gone."""
    body = loader.get_template("503.html").render({"database": database})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error(
                "database unavailable during %s %s: %s", request.method, request.path, exception
            )
            return unavailable_page(database=True)
        if isinstance(exception, StorageUnavailable):
            logger.error(
                "object store unavailable during %s %s: %s", request.method, request.path, exception
            )
            return unavailable_page(database=False)
        return None
