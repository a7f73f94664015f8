"""The capture endpoint a phone's offline queue sends each item to."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from capture import serializers as s
from capture import services
from config.api import ApiView, exception_handler

IDEMPOTENCY_HEADER = "Idempotency-Key"


class CaptureApi(ApiView):
    """One item of the phone's queue: a photo of an acceptance record, a delivery or a
    defect case, a delivery's arrival with its label photos, a witness sample or a
    self-check note, with what the phone claims about it (each file's SHA-256, the capture
    time, the position). Each request carries an ``Idempotency-Key``: sent again, it gets
    the first answer again (``Idempotent-Replayed: true``) and makes no second record.

    A file whose bytes do not match the hash the phone claimed is refused (400,
    ``sha256_mismatch``) and nothing is stored. Every refusal says ``"refused": true`` and
    why, so the phone can offer the item for another record or discard it; any other
    failure (503, a lost connection) is for the phone to retry."""

    serializer_class = s.ClaimInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="capture_create",
        request={"multipart/form-data": s.ClaimInputSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description=_("a key unique to the queued item (a UUID)"),
            )
        ],
        responses={201: None, 200: None},
    )
    def post(self, request, project_id: int):
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
        if not 8 <= len(key) <= 100:
            return Response(
                {
                    "refused": True,
                    "code": "idempotency_key_missing",
                    "detail": _(
                        "Send an Idempotency-Key header (8 to 100 characters, a UUID for"
                        " instance) so a retry cannot make a second record."
                    ),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        captured_by = request.data.get("captured_by")
        if captured_by not in (None, "", str(request.user.pk)):
            # Not a refusal: the item waits on the phone until its author signs in again.
            return Response(
                {
                    "code": "captured_by_another_user",
                    "detail": _(
                        "This item was captured by another user on this phone; it is sent"
                        " when that user signs in again."
                    ),
                },
                status=status.HTTP_409_CONFLICT,
            )
        fingerprint = services.request_fingerprint(
            {name: request.data.getlist(name) for name in request.data if name != "files"}
        )
        status_code, body, replayed = services.idempotent_answer(
            user=request.user,
            key=key,
            fingerprint=fingerprint,
            answer=lambda: self._answer(request, key),
        )
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(body, status=status_code, headers=headers)

    def _answer(self, request, key) -> tuple[int, dict]:
        """The status and body for this item, refusals included; a server failure raises."""
        try:
            project = self.project(write=True)
            claims = self.input(s.ClaimInputSerializer)
            fields = self.input(s.KIND_SERIALIZERS[claims["kind"]])
            made = services.capture_receive(
                user=request.user, project=project, key=key, claims=claims, fields=fields
            )
        except (DjangoValidationError, APIException, Http404, PermissionDenied) as exc:
            if isinstance(exc, APIException) and exc.status_code >= 500:
                raise
            response = exception_handler(exc, {"request": request, "view": self})
            return response.status_code, _refusal(response.data, exc)
        made["claims"] = s.DeviceClaimOutputSerializer(made["claims"], many=True).data
        return status.HTTP_201_CREATED, made


def _refusal(data, exc) -> dict:
    """A refusal's body: every message in one ``detail`` a phone can show, the fields' own
    messages in ``errors``, and a ``code`` (``sha256_mismatch``, ``accepted`` …)."""
    messages = []
    if isinstance(data, dict):
        for value in data.values():
            messages.extend(value if isinstance(value, list) else [value])
    code = "refused"
    if isinstance(exc, DjangoValidationError):
        codes = [
            error.code
            for errors in (getattr(exc, "error_dict", {}) or {"": exc.error_list}).values()
            for error in errors
            if error.code
        ]
        code = codes[0] if codes else code
    return {
        "refused": True,
        "code": code,
        "detail": " ".join(str(m) for m in messages),
        "errors": data,
    }
