"""REST API views: check access, validate input, call a service or selector, serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from inspections import selectors, services
from inspections import serializers as s
from inspections.filters import AcceptanceRecordFilter
from projects import access
from projects.api import ApiView, list_schema


def _record(project, record_id):
    record = selectors.record_list(project=project).filter(pk=record_id).first()
    if record is None:
        raise access.not_found()
    return record


def _fresh(record):
    """The record re-read with its relations, for the response after a write."""
    return selectors.record_list(project=record.project).get(pk=record.pk)


class RecordListApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer
    filterset_class = AcceptanceRecordFilter

    @list_schema(s.AcceptanceRecordOutputSerializer, "acceptance_record_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.record_list(project=self.project()), s.AcceptanceRecordOutputSerializer
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
            s.AcceptanceRecordOutputSerializer(_fresh(record)).data,
            status=status.HTTP_201_CREATED,
        )


class RecordDetailApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    def get(self, request, project_id: int, record_id: int):
        return Response(s.AcceptanceRecordOutputSerializer(_record(self.project(), record_id)).data)

    @extend_schema(
        request=s.AcceptanceRecordUpdateSerializer, responses=s.AcceptanceRecordOutputSerializer
    )
    def patch(self, request, project_id: int, record_id: int):
        record = _record(self.project(write=True), record_id)
        data = self.input(s.AcceptanceRecordUpdateSerializer, partial=True)
        record = services.record_update(record=record, actor=request.user, **data)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(record)).data)


class RecordSubmitApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    @extend_schema(request=None, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = _record(self.project(write=True), record_id)
        record = services.record_submit(record=record, actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(record)).data)


class RecordReturnApi(ApiView):
    serializer_class = s.ReturnInputSerializer

    @extend_schema(request=s.ReturnInputSerializer, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = _record(self.project(write=True), record_id)
        data = self.input(s.ReturnInputSerializer)
        record = services.record_return(record=record, reasons=data["reasons"], actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(record)).data)


class RecordSignApi(ApiView):
    """A sign-off by a named person in office; the request carries their password again."""

    serializer_class = s.SignInputSerializer

    @extend_schema(request=s.SignInputSerializer, responses={201: s.SignOffOutputSerializer})
    def post(self, request, project_id: int, record_id: int):
        # Signers may be read-only on the project (e.g. the owner's lead): seeing is enough,
        # the service decides whether they are a person who must sign.
        record = _record(self.project(), record_id)
        data = self.input(s.SignInputSerializer)
        sign_off = services.record_sign(
            record=record,
            user=request.user,
            password=data["password"],
            capacity=data.get("capacity"),
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(s.SignOffOutputSerializer(sign_off).data, status=status.HTTP_201_CREATED)


class RecordAcceptApi(ApiView):
    serializer_class = s.AcceptanceRecordOutputSerializer

    @extend_schema(request=None, responses=s.AcceptanceRecordOutputSerializer)
    def post(self, request, project_id: int, record_id: int):
        record = _record(self.project(write=True), record_id)
        record = services.record_accept(record=record, actor=request.user)
        return Response(s.AcceptanceRecordOutputSerializer(_fresh(record)).data)
