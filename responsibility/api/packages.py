"""REST API for the project's archive package."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api import ApiView
from projects.models import AuditEvent
from projects.services import audit_event_record
from responsibility import exports
from responsibility.models import PackageExport
from responsibility.packages import (
    export_failure,
    package_name,
    package_stream,
    package_stream_recorded,
)
from storage import gateway as storage_gateway
from storage.errors import StorageUnavailable


class ArchivePackageApi(ApiView):
    """The project's whole archive as a BagIt package in a zip, streamed; check it offline
    with scripts/verify_package.py. Every export is in the audit log with its outcome."""

    @extend_schema(
        summary="Download the project's archive package (BagIt zip)",
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description=(
                    "A BagIt bag (RFC 8493) in a zip, streamed: data/records/<type>.jsonl,"
                    " data/files/<sha256>, data/ledger/entries.jsonl (entries with inclusion"
                    " proofs), data/ledger/checkpoint.txt (signed for this export),"
                    " manifest-sha256.txt. Check it with scripts/verify_package.py."
                ),
            ),
            404: OpenApiResponse(
                description="No such project, or the caller is neither one of its members"
                " nor a regulator whose jurisdiction covers it."
            ),
            503: OpenApiResponse(description="The object store is unreachable; try later."),
        },
    )
    def get(self, request, project_id: int):
        project = self.project()
        # Refuse with 503 now rather than cut the download off when the files are reached;
        # the attempt is in the audit log all the same, as failed.
        try:
            storage_gateway.list_buckets()
        except StorageUnavailable as exc:
            audit_event_record(
                actor=request.user,
                action=AuditEvent.Action.EXPORT_PACKAGE,
                subject=project,
                project=project,
                request=request,
                outcome=AuditEvent.Outcome.FAILED,
                outcome_detail=export_failure(exc),
            )
            raise
        event = audit_event_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT_PACKAGE,
            subject=project,
            project=project,
            request=request,
            outcome=AuditEvent.Outcome.STARTED,
        )
        stream = package_stream(project=project, exporter=request.user.get_username())
        response = StreamingHttpResponse(
            package_stream_recorded(stream, event=event), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{package_name(project)}"'
        response["Cache-Control"] = "no-store"
        return response


class PackageExportSerializer(serializers.ModelSerializer):
    """An export job: its state, progress while it runs, the download once it is ready."""

    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PackageExport
        fields = [
            "id",
            "url",
            "state",
            "progress",
            "requested_by",
            "created_at",
            "finished_at",
            "expires_at",
            "file_name",
            "size",
            "sha256",
            "error",
            "download_url",
        ]

    def _reverse(self, name: str, export: PackageExport) -> str:
        return self.context["request"].build_absolute_uri(
            reverse(name, args=[export.project_id, export.pk])
        )

    def get_url(self, export) -> str:
        return self._reverse("archive-package-export", export)

    def get_download_url(self, export) -> str | None:
        if export.state != PackageExport.State.COMPLETED or exports.export_expired(export):
            return None
        return self._reverse("archive-package-export-download", export)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "done": {"type": "integer"},
                "total": {"type": "integer", "nullable": True},
                "percent": {"type": "integer", "nullable": True},
                "message": {"type": "string"},
            },
        }
    )
    def get_progress(self, export) -> dict | None:
        found = exports.export_progress(export) if export.active else None
        if found is None:
            return None
        return {
            "done": found.done,
            "total": found.total,
            "percent": found.percent,
            "message": found.message,
        }


class _ExportOfProject(ApiView):
    def export(self) -> PackageExport:
        """The export named in the URL, of the project in the URL that the caller may read:
        another project's export is not found, whatever the caller may read elsewhere."""
        project = self.project()
        export = PackageExport.objects.filter(project=project, pk=self.kwargs["export_id"]).first()
        if export is None:
            raise Http404(_("This project has no export with that id."))
        return export


class ArchivePackageExportsApi(ApiView):
    """Export the project's archive package as a background job: the package is made on
    the server and kept in the derived bucket for EXPORT_LIFETIME_HOURS, so a large archive
    needs no long download held open while it is made."""

    serializer_class = PackageExportSerializer

    @extend_schema(
        summary="Start an export job of the project's archive package",
        request=None,
        responses={
            202: OpenApiResponse(
                PackageExportSerializer,
                description="The job, started now or already running for this project (one"
                " at a time per project); Location is its status URL.",
            ),
            404: OpenApiResponse(description="No such project, or no access to it."),
        },
    )
    def post(self, request, project_id: int):
        project = self.project()
        export, _started = exports.export_request(
            project=project, user=request.user, request=request
        )
        data = PackageExportSerializer(export, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class ArchivePackageExportApi(_ExportOfProject):
    serializer_class = PackageExportSerializer

    @extend_schema(
        summary="An export job's state and progress",
        responses={
            200: PackageExportSerializer,
            404: OpenApiResponse(description="No such export of this project, or no access."),
        },
    )
    def get(self, request, project_id: int, export_id: int):
        export = self.export()
        return Response(PackageExportSerializer(export, context={"request": request}).data)


class ArchivePackageExportDownloadApi(_ExportOfProject):
    serializer_class = PackageExportSerializer

    @extend_schema(
        summary="Download an exported archive package",
        responses={
            302: OpenApiResponse(
                description="To a short-lived URL of the zip in the object store. Each download"
                " is recorded in the audit log."
            ),
            404: OpenApiResponse(description="No such export of this project, or no access."),
            409: OpenApiResponse(description="The export is not ready: still running, or failed."),
            410: OpenApiResponse(description="The export expired and was removed."),
        },
    )
    def get(self, request, project_id: int, export_id: int):
        export = self.export()
        refusal = exports.download_refusal(export)
        if refusal is not None:
            code, detail = refusal
            return Response({"detail": detail, "code": export.state}, status=code)
        url = exports.export_download_url(export=export, user=request.user, request=request)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
