"""REST API views: check access, validate input, call a service or selector, serialize."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from inspections import access, selectors, services
from inspections import serializers as s
from inspections.filters import AcceptanceRecordFilter
from projects.access import not_found
from projects.http import client_address
from storage.downloads import download_redirect
from storage.photos import photo_variant


def _fresh(request, record):
    """The record re-read with its relations, for the response after a write."""
    return selectors.record_detail(user=request.user, record=record)


class RecordListApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer
    filterset_class = AcceptanceRecordFilter

    @list_schema(s.AcceptanceRecordOutputSerializer, "acceptance_record_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.record_list(user=request.user, project=self.project()),
            s.AcceptanceRecordOutputSerializer,
        )

    @extend_schema(
        request=s.AcceptanceRecordInputSerializer,
        responses={201: s.AcceptanceRecordOutputSerializer},
    )
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.AcceptanceRecordInputSerializer)
        record = services.record_create(project=project, actor=request.user, **data)
        return Response(
            s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data,
            status=status.HTTP_201_CREATED,
        )


class RecordDetailApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    def get(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data)

    @extend_schema(
        request=s.AcceptanceRecordUpdateSerializer, responses=s.AcceptanceRecordOutputSerializer
    )
    def patch(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id, write=True)
        data = self.input(s.AcceptanceRecordUpdateSerializer, partial=True)
        record = services.record_update(record=record, actor=request.user, **data)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data)


class RecordSubmitApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    @extend_schema(request=None, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id, write=True)
        record = services.record_submit(record=record, actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data)


class RecordReturnApi(ApiView):
    serializer_class = s.ReturnInputSerializer

    @extend_schema(request=s.ReturnInputSerializer, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id, write=True)
        data = self.input(s.ReturnInputSerializer)
        record = services.record_return(record=record, reasons=data["reasons"], actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data)


class RecordSignApi(ApiView):
    """A sign-off by a named person in office; the request carries their password again."""

    serializer_class = s.SignInputSerializer

    @extend_schema(request=s.SignInputSerializer, responses={201: s.SignOffOutputSerializer})
    def post(self, request, project_id: int, record_id: int):
        # Signers may be read-only on the project (e.g. the owner's lead): seeing is enough,
        # the service decides whether they are a person who must sign.
        record = access.record_for_user(request.user, project_id, record_id)
        data = self.input(s.SignInputSerializer)
        sign_off = services.record_sign(
            record=record,
            user=request.user,
            password=data["password"],
            capacity=data.get("capacity"),
            ip_address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            request=request,
        )
        return Response(s.SignOffOutputSerializer(sign_off).data, status=status.HTTP_201_CREATED)


class RecordAcceptApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    @extend_schema(request=None, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id, write=True)
        record = services.record_accept(record=record, actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(request, record)).data)


# --- Photos ---


def _api_errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


class RecordPhotoListApi(ApiView):
    """A record's photos; POST uploads one or many (``files``), each with its own result."""

    serializer_class = s.PhotoOutputSerializer
    parser_classes = [MultiPartParser]

    @list_schema(s.PhotoOutputSerializer, "acceptance_record_photo_list")
    def get(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id)
        return self.list_response(
            selectors.record_photo_list(user=request.user, record=record), s.PhotoOutputSerializer
        )

    @extend_schema(
        request={"multipart/form-data": s.PhotoUploadInputSerializer},
        responses={201: s.PhotoOutputSerializer(many=True)},
    )
    def post(self, request, project_id: int, record_id: int):
        record = access.record_for_user(request.user, project_id, record_id, write=True)
        data = self.input(s.PhotoUploadInputSerializer)
        hashes = data.get("sha256") or []
        results = []
        for position, upload in enumerate(data["files"]):
            declared = hashes[position] if position < len(hashes) else ""
            result = {"name": (upload.name or "")[-200:]}
            try:
                photo, created = services.photo_ingest(
                    subject=record,
                    fileobj=upload,
                    actor=request.user,
                    caption=data["caption"],
                    location=data.get("location"),
                    declared_sha256=declared.lower() or None,
                )
            except ValidationError as exc:
                result.update(status="refused", errors=_api_errors(exc))
            else:
                result.update(
                    status="accepted" if created else "duplicate",
                    photo=s.PhotoOutputSerializer(photo).data,
                )
            results.append(result)
        stored = any(result["status"] != "refused" for result in results)
        body = {"results": results}
        if not stored:
            body["detail"] = _("No photo was stored; see each file's reason.")
        return Response(
            body, status=status.HTTP_201_CREATED if stored else status.HTTP_400_BAD_REQUEST
        )


class ProjectPhotoListApi(ApiView):
    serializer_class = s.PhotoOutputSerializer

    @list_schema(s.PhotoOutputSerializer, "project_photo_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.photo_list(user=request.user, project=self.project()), s.PhotoOutputSerializer
        )


class PhotoFileApi(ApiView):
    """A redirect to a short-lived presigned URL for the original, preview or thumbnail,
    issued only after the access check."""

    serializer_class = s.PhotoOutputSerializer

    @extend_schema(responses={302: None})
    def get(self, request, project_id: int, photo_id: int, variant: str):
        photo = access.photo_for_user(request.user, project_id, photo_id)
        obj = photo_variant(photo, variant)  # no preview until the preview job made it
        if obj is None:
            raise not_found()
        return download_redirect(obj)
