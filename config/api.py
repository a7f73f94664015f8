"""API-wide error handling: every failure a person can act on is a 4xx (or a 503 when the
object store is down) with a message in the request's language, never a 500."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from storage.errors import StorageUnavailable
from storage.uploads import RequestTooLarge
from storage.validation import size_text


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=_django_errors(exc))
    if isinstance(exc, StorageUnavailable):
        return Response(
            {
                "detail": _(
                    "The file store is unavailable, so nothing was saved."
                    " Please try again in a few minutes."
                ),
                "code": "storage_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "60"},
        )
    if isinstance(exc, RequestTooLarge):
        return Response(
            {"detail": exc.message, "code": "request_too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {
                "detail": _(
                    "The form fields of this request are larger than %(limit)s. Send files as"
                    " files, not as text fields."
                )
                % {"limit": size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
                "code": "request_too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404) and not str(exc):
        exc = Http404(_("Not found, or you do not have access to it."))
    response = drf_exception_handler(exc, context)
    if isinstance(exc, AuthenticationFailed) and _sent_credentials(context):
        # DRF answers 403 when the first authenticator is the session; a token that was
        # refused (expired, revoked) is a 401, so a phone knows to ask for the password.
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = "Token"
    return response


def _sent_credentials(context) -> bool:
    request = context.get("request")
    return request is not None and bool(get_authorization_header(request))


def _django_errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}
