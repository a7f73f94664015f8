"""REST API for the project's archive package."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from config.api import ApiView
from projects.models import AuditEvent
from projects.services import audit_event_record
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
