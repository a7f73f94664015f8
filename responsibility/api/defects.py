"""REST API for defect and accountability cases, their evidence and their trace."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from inspections.serializers import PhotoOutputSerializer
from projects.models import AuditEvent
from projects.services import audit_event_record
from responsibility import access, defects, selectors
from responsibility import serializers as s
from responsibility.models import DefectCase
from responsibility.trace_json import defect_trace
from responsibility.trace_pdf import trace_report_pdf
from storage.downloads import download_redirect


class DefectCaseBaseApi(ApiView):
    serializer_class = s.DefectCaseOutputSerializer

    def case(self, *, write: bool = False, close: bool = False) -> DefectCase:
        return access.defect_case_for_user(
            self.request.user,
            self.kwargs["project_id"],
            self.kwargs["case_id"],
            write=write,
            close=close,
        )

    def file_link(self, case: DefectCase):
        request = self.request

        def link(obj) -> str:
            return request.build_absolute_uri(
                reverse(
                    "defect-case-file",
                    kwargs={"project_id": case.project_id, "case_id": case.pk, "object_id": obj.pk},
                )
            )

        return link


class DefectCaseListApi(DefectCaseBaseApi):
    """Defect and accountability cases of a project; POST opens one (and puts a legal hold
    on its evidence)."""

    @list_schema(s.DefectCaseOutputSerializer, "defect_case_list")
    def get(self, request, project_id):
        project = access.defect_case_project_for_user(request.user, project_id)
        cases = selectors.defect_case_list(user=request.user, project=project)
        return self.list_response(cases, s.DefectCaseOutputSerializer)

    @extend_schema(
        operation_id="defect_case_open",
        request=s.DefectCaseInputSerializer,
        responses={201: s.DefectCaseOutputSerializer},
    )
    def post(self, request, project_id):
        project = access.defect_case_project_for_user(request.user, project_id, write=True)
        data = self.input(s.DefectCaseInputSerializer)
        unit_work, location = defects.defect_case_place(
            project=project, unit_work_id=data["unit_work"], location_id=data["location"]
        )
        case = defects.defect_case_open(
            project=project,
            unit_work=unit_work,
            location=location,
            discovered_on=data["discovered_on"],
            description=data["description"],
            category=data["category"],
            trigger=data["trigger"],
            actor=request.user,
        )
        case = access.defect_case_for_user(request.user, project_id, case.pk)
        return Response(s.DefectCaseOutputSerializer(case).data, status=status.HTTP_201_CREATED)


class DefectCaseDetailApi(DefectCaseBaseApi):
    @extend_schema(operation_id="defect_case_detail")
    def get(self, request, project_id, case_id):
        return Response(s.DefectCaseOutputSerializer(self.case()).data)


class DefectCaseCloseApi(DefectCaseBaseApi):
    serializer_class = s.DefectCaseCloseInputSerializer

    @extend_schema(
        operation_id="defect_case_close",
        request=s.DefectCaseCloseInputSerializer,
        responses={200: s.DefectCaseOutputSerializer},
    )
    def post(self, request, project_id, case_id):
        case = self.case(close=True)
        data = self.input(s.DefectCaseCloseInputSerializer)
        defects.defect_case_close(case=case, reason=data["reason"], actor=request.user)
        return Response(s.DefectCaseOutputSerializer(self.case()).data)


class DefectCasePhotoApi(DefectCaseBaseApi):
    serializer_class = s.DefectCasePhotoInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="defect_case_photo_add",
        request={"multipart/form-data": s.DefectCasePhotoInputSerializer},
        responses={201: PhotoOutputSerializer},
    )
    def post(self, request, project_id, case_id):
        case = self.case(write=True)
        data = self.input(s.DefectCasePhotoInputSerializer)
        photo, created = defects.defect_case_photo_add(
            case=case, fileobj=data["file"], caption=data["caption"], actor=request.user
        )
        return Response(
            PhotoOutputSerializer(photo).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _trace_viewed(request, case: DefectCase) -> None:
    """A trace names the people responsible and their signed pledges: each view is audited."""
    audit_event_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW_TRACE,
        subject=case,
        project=case.project,
        request=request,
    )


class DefectCaseTraceApi(DefectCaseBaseApi):
    serializer_class = s.TraceOutputSerializer

    @extend_schema(operation_id="defect_case_trace", responses={200: s.TraceOutputSerializer})
    def get(self, request, project_id, case_id):
        case = self.case()
        trace = defect_trace(case, file_link=self.file_link(case))
        _trace_viewed(request, case)
        return Response(trace)


class DefectCaseTracePdfApi(DefectCaseBaseApi):
    serializer_class = s.TraceOutputSerializer

    @extend_schema(
        operation_id="defect_case_trace_pdf",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, project_id, case_id):
        case = self.case()
        trace = defect_trace(case, file_link=self.file_link(case))
        response = HttpResponse(trace_report_pdf(trace), content_type="application/pdf")
        _trace_viewed(request, case)
        response["Content-Disposition"] = f'inline; filename="{case.number}-trace.pdf"'
        return response


class DefectCaseFileApi(DefectCaseBaseApi):
    """A file of the case's evidence: a redirect to a short-lived presigned URL, issued only
    to those who may see the case, and only for files the case holds or its trace names."""

    @extend_schema(operation_id="defect_case_file", responses={302: None})
    def get(self, request, project_id, case_id, object_id):
        obj = access.defect_case_file_for_user(request.user, project_id, case_id, object_id)
        return download_redirect(obj)
