"""What every API view shares: ``ApiView`` (paginated lists, validated input, the project
of the URL through its access helper), and API-wide error handling: every failure a person
can act on is a 4xx (or a 503 when the object store or the time-stamping authority is down)
with a message in the request's language, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.unavailable import DATABASE_ERRORS, RETRY_AFTER_SECONDS
from projects import access
from responsibility.signing import SigningUnavailable
from storage.errors import StorageUnavailable
from storage.uploads import RequestTooLarge
from storage.validation import size_text

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_ERRORS):
        logger.error("database unavailable: %s", exc)
        return Response(
            {
                "detail": _(
                    "The database is unavailable, so nothing was saved. Please try again in a"
                    " minute."
                ),
                "code": "database_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
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
    if isinstance(exc, SigningUnavailable):
        return Response(
            {"detail": exc.message, "code": "signing_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "60"} if exc.transient else {},
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


def list_schema(serializer_class, operation_id: str):
    """A paginated list in the schema (these views are not ListAPIViews)."""
    return extend_schema(operation_id=operation_id, responses=serializer_class(many=True))


# Fields that take several values from a form body: everything else takes exactly one.
MANY_VALUED_FIELDS = (
    serializers.ListField,
    serializers.ListSerializer,
    serializers.ManyRelatedField,
    serializers.MultipleChoiceField,
)


def repeated_fields_check(serializer, data) -> None:
    """Refuse a form body (multipart) that sends a one-value field twice, e.g. two parts
    named ``file``: the parser would silently keep the last, and the archive would store a
    file the sender may not have meant."""
    if not hasattr(data, "getlist"):
        return  # JSON: a key appears once
    errors = {}
    for name, field in serializer.fields.items():
        if field.read_only or isinstance(field, MANY_VALUED_FIELDS):
            continue
        count = len(data.getlist(name))
        if count < 2:
            continue
        if isinstance(field, serializers.FileField):
            message = _("Send one file in “%(field)s”; this request sent %(count)d.")
        else:
            message = _("Send one value for “%(field)s”; this request sent %(count)d.")
        errors[name] = [message % {"field": name, "count": count}]
    if errors:
        raise ValidationError(errors)


class ApiView(GenericAPIView):
    """Shared plumbing: paginated lists and validated input."""

    def get_queryset(self):
        """Only for the schema and the filters' field types: views read through selectors
        after their access check, never through this."""
        return self.serializer_class.Meta.model.objects.none()

    def list_response(self, queryset, serializer_class):
        queryset = self.filter_queryset(queryset)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    def input(self, serializer_class, *, partial: bool = False) -> dict:
        """The request body, validated by ``serializer_class``: the only way a body reaches
        a service. A body that is not an object of fields (a list, a string, null) is
        refused here, with a message, before any serializer or service sees it."""
        if not isinstance(self.request.data, Mapping):
            raise DjangoValidationError(
                _(
                    'The request body must be a JSON object of named fields, such as {"name":'
                    ' "…"}; a list, a string, a number or null cannot be read as fields.'
                )
            )
        serializer = serializer_class(
            data=self.request.data, partial=partial, context={"request": self.request}
        )
        repeated_fields_check(serializer, self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def project(self, *, write: bool = False):
        return access.project_for_user(self.request.user, self.kwargs["project_id"], write=write)
