"""REST API views: check access, validate input, call a service or selector, serialize."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from materials import access, selectors, services
from materials import serializers as s
from materials.filters import DeliveryFilter
from materials.hits_csv import hits_csv_lines
from materials.models import Delivery, DeliveryPhoto, MaterialCategory, Usage
from materials.pdf import notice_report_pdf
from projects.access import not_found, project_for_user
from storage.downloads import download_redirect
from storage.photos import photo_variant


def _created(serializer_class, instance) -> Response:
    return Response(serializer_class(instance).data, status=status.HTTP_201_CREATED)


# --- Catalogue and batches ---


class MaterialCategoryListApi(ApiView):
    serializer_class = s.MaterialCategoryOutputSerializer

    @list_schema(s.MaterialCategoryOutputSerializer, "material_category_list")
    def get(self, request):
        return self.list_response(
            MaterialCategory.objects.order_by("code"), s.MaterialCategoryOutputSerializer
        )


class BatchListApi(ApiView):
    serializer_class = s.BatchOutputSerializer

    @list_schema(s.BatchOutputSerializer, "batch_list")
    def get(self, request):
        return self.list_response(
            selectors.batch_list(user=request.user).order_by("-pk"), s.BatchOutputSerializer
        )

    @extend_schema(request=s.BatchInputSerializer, responses={201: s.BatchOutputSerializer})
    def post(self, request):
        access.batch_create_check(request.user)
        data = self.input(s.BatchInputSerializer)
        recorded_for = access.batch_recorded_for_check(request.user, data.pop("project", None))
        batch = services.batch_create(actor=request.user, recorded_for=recorded_for, **data)
        return _created(
            s.BatchOutputSerializer, selectors.batch_list(user=request.user).get(pk=batch.pk)
        )


def _batch_response(request, batch) -> Response:
    """``batch`` read again with every version of its files, the current one of each kind
    marked, as the list shows it."""
    batch = selectors.batch_list(user=request.user).get(pk=batch.pk)
    return Response(s.BatchOutputSerializer(batch).data)


class BatchDetailApi(ApiView):
    serializer_class = s.BatchOutputSerializer

    def get(self, request, batch_id: int):
        """The batch with every version of its files, the current one of each kind marked."""
        batch = access.batch_for_user(request.user, batch_id)
        return _batch_response(request, batch)


class BatchFileApi(ApiView):
    serializer_class = s.BatchOutputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.BatchFileInputSerializer},
        responses={
            201: s.BatchOutputSerializer,
            400: OpenApiResponse(
                description="Not a PDF or image, a correction without a reason, or the same"
                " file as the current version."
            ),
            403: OpenApiResponse(
                description="Not an operator or a records keeper of the recording project,"
                " or a delivery of the batch is already accepted (then operators only)."
            ),
        },
    )
    def post(self, request, batch_id: int):
        """Add a version of the certificate of conformity or the type-test report. Files are
        append-only: a second file of a kind is a correction and needs a ``reason``; every
        earlier version is kept. Operators may always add one; the site supervisors and
        leads of the project that recorded the batch only while no delivery of it is
        accepted."""
        batch = access.batch_for_user(request.user, batch_id, write=True)
        data = self.input(s.BatchFileInputSerializer)
        services.batch_file_add(
            batch=batch,
            kind=data["document"],
            fileobj=data["file"],
            reason=data.get("reason", ""),
            actor=request.user,
        )
        response = _batch_response(request, batch)
        response.status_code = status.HTTP_201_CREATED
        return response


class BatchFileDownloadApi(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version",
                int,
                description="the version to fetch; the current (latest) one when left out",
            )
        ],
        responses={
            302: None,
            404: OpenApiResponse(description="No such batch, document kind or version."),
        },
    )
    def get(self, request, batch_id: int, document: str):
        """A version of a batch file: a redirect to a short-lived download URL."""
        batch = access.batch_for_user(request.user, batch_id)
        version = request.query_params.get("version")
        versions = selectors.batch_file_list(batch=batch).filter(kind=document)
        if version is not None:
            versions = versions.filter(version=int(version)) if version.isdigit() else None
        found = versions.order_by("-version").first() if versions is not None else None
        if found is None:
            raise not_found()
        return download_redirect(found.stored_object)


# --- Deliveries ---


def _delivery_response(request, delivery) -> Response:
    delivery = selectors.delivery_detail(user=request.user, delivery=delivery)
    return Response(s.DeliveryOutputSerializer(delivery).data)


class DeliveryListApi(ApiView):
    serializer_class = s.DeliveryOutputSerializer
    filterset_class = DeliveryFilter

    @list_schema(s.DeliveryOutputSerializer, "delivery_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.delivery_list(user=request.user, project=self.project()),
            s.DeliveryOutputSerializer,
        )

    @extend_schema(request=s.DeliveryInputSerializer, responses={201: s.DeliveryOutputSerializer})
    def post(self, request, project_id: int):
        project = self.project(write=True)
        delivery = services.delivery_create(
            project=project, actor=request.user, **self.input(s.DeliveryInputSerializer)
        )
        delivery = selectors.delivery_detail(user=request.user, delivery=delivery)
        return _created(s.DeliveryOutputSerializer, delivery)


class DeliveryDetailApi(ApiView):
    serializer_class = s.DeliveryOutputSerializer

    def get(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id)
        return _delivery_response(request, delivery)


class DeliveryAcceptApi(ApiView):
    serializer_class = s.DeliveryOutputSerializer

    @extend_schema(request=None, responses=s.DeliveryOutputSerializer)
    def post(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=True)
        access.delivery_decide_check(request.user, delivery.project)
        services.delivery_accept(delivery=delivery, actor=request.user)
        return _delivery_response(request, delivery)


class DeliveryRejectApi(ApiView):
    serializer_class = s.DeliveryRejectInputSerializer

    @extend_schema(request=s.DeliveryRejectInputSerializer, responses=s.DeliveryOutputSerializer)
    def post(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=True)
        access.delivery_decide_check(request.user, delivery.project)
        data = self.input(s.DeliveryRejectInputSerializer)
        services.delivery_reject(delivery=delivery, actor=request.user, **data)
        return _delivery_response(request, delivery)


class DeliveryPhotoApi(ApiView):
    serializer_class = s.DeliveryPhotoOutputSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return DeliveryPhoto.objects.none()

    @list_schema(s.DeliveryPhotoOutputSerializer, "delivery_photo_list")
    def get(self, request, project_id: int, delivery_id: int):
        return self.list_response(
            selectors.delivery_photo_list(
                user=request.user,
                delivery=access.delivery_for_user(request.user, project_id, delivery_id),
            ),
            s.DeliveryPhotoOutputSerializer,
        )

    @extend_schema(
        request={"multipart/form-data": s.DeliveryPhotoInputSerializer},
        responses={201: s.DeliveryPhotoOutputSerializer},
    )
    def post(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=True)
        data = self.input(s.DeliveryPhotoInputSerializer)
        photo = services.delivery_photo_add(
            delivery=delivery, kind=data["photo_of"], fileobj=data["file"], actor=request.user
        )
        return _created(s.DeliveryPhotoOutputSerializer, photo)


class DeliveryPhotoDownloadApi(ApiView):
    @extend_schema(responses={302: None})
    def get(
        self, request, project_id: int, delivery_id: int, photo_id: int, variant: str = "original"
    ):
        photo = access.delivery_photo_for_user(request.user, project_id, delivery_id, photo_id)
        obj = photo_variant(photo, variant)
        if obj is None:
            raise not_found()
        return download_redirect(obj)


class SampleListApi(ApiView):
    serializer_class = s.SampleOutputSerializer

    @list_schema(s.SampleOutputSerializer, "sample_list")
    def get(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id)
        return self.list_response(
            selectors.sample_list(user=request.user, delivery=delivery), s.SampleOutputSerializer
        )

    @extend_schema(request=s.SampleInputSerializer, responses={201: s.SampleOutputSerializer})
    def post(self, request, project_id: int, delivery_id: int):
        delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=True)
        sample = services.sample_create(
            delivery=delivery, actor=request.user, **self.input(s.SampleInputSerializer)
        )
        return _created(s.SampleOutputSerializer, sample)


class SampleReportApi(ApiView):
    serializer_class = s.SampleOutputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(responses={302: None})
    def get(self, request, project_id: int, delivery_id: int, sample_id: int):
        """The test report file: a redirect to a short-lived download URL."""
        sample = access.sample_for_user(request.user, project_id, delivery_id, sample_id)
        report = getattr(sample, "report", None)
        if report is None:
            raise not_found()
        return download_redirect(report.stored_object, download_name=f"{report.report_number}.pdf")

    @extend_schema(
        request={"multipart/form-data": s.TestReportInputSerializer},
        responses={201: s.SampleOutputSerializer},
    )
    def post(self, request, project_id: int, delivery_id: int, sample_id: int):
        sample = access.sample_for_user(
            request.user, project_id, delivery_id, sample_id, write=True
        )
        if hasattr(sample, "report"):
            return Response(
                {"detail": _("This sample already has a test report.")},
                status=status.HTTP_409_CONFLICT,
            )
        data = self.input(s.TestReportInputSerializer)
        services.sample_report_add(
            sample=sample,
            report_number=data["report_number"],
            result=data["result"],
            tested_on=data["tested_on"],
            fileobj=data["file"],
            actor=request.user,
        )
        sample = selectors.sample_list(user=request.user, delivery=sample.delivery).get(
            pk=sample_id
        )
        return _created(s.SampleOutputSerializer, sample)


class DeliveryBlockedListApi(ApiView):
    """Deliveries blocked by a failed test in every project the user may see."""

    serializer_class = s.DeliveryOutputSerializer

    @list_schema(s.DeliveryOutputSerializer, "delivery_blocked_list")
    def get(self, request):
        return self.list_response(
            selectors.delivery_blocked_list(user=request.user), s.DeliveryOutputSerializer
        )


class WitnessShareApi(ApiView):
    serializer_class = s.WitnessShareOutputSerializer
    pagination_class = None

    def get(self, request, project_id: int):
        rows = selectors.witness_share_list(project=self.project())
        return Response(s.WitnessShareOutputSerializer(rows, many=True).data)


# --- Usages ---


class UsageListApi(ApiView):
    serializer_class = s.UsageOutputSerializer

    def get_queryset(self):
        return Usage.objects.none()

    @list_schema(s.UsageOutputSerializer, "usage_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.usage_list(user=request.user, project=self.project()),
            s.UsageOutputSerializer,
        )

    @extend_schema(request=s.UsageInputSerializer, responses={201: s.UsageOutputSerializer})
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.UsageInputSerializer)
        if data["delivery"].project_id != project.pk:
            raise not_found()
        usage = services.usage_create(actor=request.user, **data)
        return _created(s.UsageOutputSerializer, usage)


class UsageAcceptanceApi(ApiView):
    """Name the acceptance record of the work a usage went into."""

    serializer_class = s.UsageOutputSerializer

    @extend_schema(request=s.UsageAcceptanceInputSerializer, responses=s.UsageOutputSerializer)
    def post(self, request, project_id: int, usage_id: int):
        usage = access.usage_for_user(request.user, project_id, usage_id, write=True)
        data = self.input(s.UsageAcceptanceInputSerializer)
        usage = services.usage_acceptance_link(usage=usage, actor=request.user, **data)
        return Response(s.UsageOutputSerializer(usage).data)


# --- Recall ---


class DefectNoticeListApi(ApiView):
    serializer_class = s.DefectNoticeOutputSerializer

    @list_schema(s.DefectNoticeOutputSerializer, "defect_notice_list")
    def get(self, request):
        return self.list_response(
            selectors.notice_list(user=request.user), s.DefectNoticeOutputSerializer
        )

    @extend_schema(
        request=s.DefectNoticeInputSerializer, responses={201: s.DefectNoticeOutputSerializer}
    )
    def post(self, request):
        access.notice_issue_check(request.user)
        notice = services.defect_notice_issue(
            actor=request.user, **self.input(s.DefectNoticeInputSerializer)
        )
        notice = selectors.notice_list(user=request.user).get(pk=notice.pk)
        return _created(s.DefectNoticeOutputSerializer, notice)


class NoticeApiView(ApiView):
    def notice(self):
        access.notice_for_user(self.request.user, self.kwargs["notice_id"])
        return selectors.notice_list(user=self.request.user).get(pk=self.kwargs["notice_id"])


class DefectNoticeDetailApi(NoticeApiView):
    serializer_class = s.DefectNoticeOutputSerializer

    def get(self, request, notice_id: int):
        return Response(s.DefectNoticeOutputSerializer(self.notice()).data)


class NoticeHitListApi(NoticeApiView):
    """Every affected delivery and usage the user may see, paginated."""

    serializer_class = s.NoticeHitSerializer

    def get_queryset(self):
        return Delivery.objects.none()

    @list_schema(s.NoticeHitSerializer, "defect_notice_hit_list")
    def get(self, request, notice_id: int):
        rows = selectors.notice_hits(notice=self.notice(), user=request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.NoticeHitSerializer(page, many=True).data)


class NoticeHitCsvApi(NoticeApiView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request, notice_id: int):
        rows = selectors.notice_hits(notice=self.notice(), user=request.user)
        response = StreamingHttpResponse(
            hits_csv_lines(rows, for_people=False), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="recall-{notice_id}.csv"'
        return response


class NoticeReportPdfApi(NoticeApiView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, notice_id: int):
        notice = self.notice()
        rows = selectors.notice_hits(notice=notice, user=request.user)
        response = HttpResponse(notice_report_pdf(notice=notice, rows=rows), "application/pdf")
        response["Content-Disposition"] = f'attachment; filename="recall-{notice_id}.pdf"'
        return response


class RecallActionListApi(NoticeApiView):
    serializer_class = s.RecallActionOutputSerializer

    @list_schema(s.RecallActionOutputSerializer, "recall_action_list")
    def get(self, request, notice_id: int):
        return self.list_response(
            selectors.recall_action_list(notice=self.notice(), user=request.user),
            s.RecallActionOutputSerializer,
        )

    @extend_schema(
        request=s.RecallActionInputSerializer, responses={201: s.RecallActionOutputSerializer}
    )
    def post(self, request, notice_id: int):
        notice = self.notice()
        data = self.input(s.RecallActionInputSerializer)
        project = project_for_user(request.user, data.pop("project").pk, write=True)
        data["kind"] = data.pop("measure")
        action = services.recall_action_open(
            notice=notice, project=project, actor=request.user, **data
        )
        return _created(s.RecallActionOutputSerializer, action)


def _recall_action_response(request, action, *, status_code=status.HTTP_200_OK) -> Response:
    """``action`` read again with its evidence, as the list shows it."""
    action = selectors.recall_action_list(notice=action.notice, user=request.user).get(pk=action.pk)
    return Response(s.RecallActionOutputSerializer(action).data, status=status_code)


class RecallEvidenceApi(ApiView):
    serializer_class = s.RecallActionOutputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.FileInputSerializer},
        responses={201: s.RecallActionOutputSerializer},
    )
    def post(self, request, notice_id: int, action_id: int):
        action = access.recall_action_for_user(request.user, notice_id, action_id, write=True)
        data = self.input(s.FileInputSerializer)
        services.recall_evidence_add(action=action, fileobj=data["file"], actor=request.user)
        return _recall_action_response(request, action, status_code=status.HTTP_201_CREATED)


class RecallEvidenceDownloadApi(ApiView):
    @extend_schema(responses={302: None})
    def get(self, request, notice_id: int, action_id: int, evidence_id: int):
        evidence = access.recall_evidence_for_user(request.user, notice_id, action_id, evidence_id)
        return download_redirect(evidence.stored_object)


class RecallActionCloseApi(ApiView):
    serializer_class = s.RecallActionCloseInputSerializer

    @extend_schema(
        request=s.RecallActionCloseInputSerializer, responses=s.RecallActionOutputSerializer
    )
    def post(self, request, notice_id: int, action_id: int):
        action = access.recall_action_for_user(request.user, notice_id, action_id, write=True)
        data = self.input(s.RecallActionCloseInputSerializer)
        services.recall_action_close(action=action, note=data["note"], actor=request.user)
        return _recall_action_response(request, action)
