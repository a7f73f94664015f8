"""REST API for the project's archive package."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from config.api import ApiView
from projects.models import AuditEvent
from projects.services import audit_event_record
from responsibility.packages import package_name, package_stream
from storage import gateway as storage_gateway


class ArchivePackageApi(ApiView):
    """The project's whole archive as a BagIt package in a zip, streamed; check it offline
    with scripts/verify_package.py. Every export is in the audit log."""

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
        # Refuse with 503 now rather than cut the download off when the files are reached.
        storage_gateway.list_buckets()
        audit_event_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT_PACKAGE,
            subject=project,
            project=project,
            request=request,
        )
        response = StreamingHttpResponse(
            package_stream(project=project, exporter=request.user.get_username()),
            content_type="application/zip",
        )
        response["Content-Disposition"] = f'attachment; filename="{package_name(project)}"'
        response["Cache-Control"] = "no-store"
        return response
