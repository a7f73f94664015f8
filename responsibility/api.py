"""REST API for letters, pledges, signing and verification."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from inspections.serializers import PhotoOutputSerializer
from projects.access import not_found, projects_visible_to
from projects.http import client_address
from projects.models import AuditEvent, LeadTenure, Location, Person, UnitWork
from projects.reauth import password_reentered_check
from projects.services import audit_event_record
from responsibility import access, defects, plaques, selectors, services
from responsibility import serializers as s
from responsibility.deadlines import lead_changes
from responsibility.models import DefectCase, Plaque, ResponsibilityDocument
from responsibility.oversight import oversight_lists
from responsibility.packages import package_name, package_stream
from responsibility.trace import defect_trace, evidence_objects, trace_collect
from responsibility.trace_pdf import trace_report_pdf
from responsibility.verify import signed_pdf_verify
from storage import gateway as storage_gateway
from storage.downloads import download_redirect
from storage.models import StoredObject
from storage.photos import photo_variant

REAUTH_SESSION_KEY = "responsibility_reauthenticated_at"


def signing_context(request) -> services.SigningContext:
    """Evidence about the request itself: address, browser, how the user authenticated."""
    user_id, _sep, stamp = (request.session.get(REAUTH_SESSION_KEY) or "").partition("|")
    reauthenticated_at = None
    if stamp and user_id == str(request.user.pk):  # never another user's password entry
        reauthenticated_at = datetime.datetime.fromisoformat(stamp)
    authenticator = getattr(request, "successful_authenticator", None)
    how = type(authenticator).__name__ if authenticator else "session"
    return services.SigningContext(
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        auth_method=f"{how} + password re-entered",
        reauthenticated_at=reauthenticated_at,
    )


def reauthenticate(request, password: str) -> None:
    """Check the password again and remember when, for this session only."""
    try:
        password_reentered_check(user=request.user, password=password, request=request)
    except ValidationError:
        request.session.pop(REAUTH_SESSION_KEY, None)
        raise
    request.session[REAUTH_SESSION_KEY] = f"{request.user.pk}|{timezone.now().isoformat()}"


class ReauthenticateApi(ApiView):
    serializer_class = s.ReauthenticateInputSerializer

    @extend_schema(operation_id="signing_reauthenticate", responses={204: None})
    def post(self, request):
        reauthenticate(request, self.input(s.ReauthenticateInputSerializer)["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentListApi(ApiView):
    serializer_class = s.DocumentOutputSerializer

    @list_schema(s.DocumentOutputSerializer, "responsibility_document_list")
    def get(self, request, project_id):
        return self.list_response(
            selectors.document_list(project=self.project()), s.DocumentOutputSerializer
        )

    @extend_schema(
        operation_id="responsibility_document_prepare",
        request=s.DocumentPrepareInputSerializer,
        responses={201: s.DocumentOutputSerializer},
    )
    def post(self, request, project_id):
        project = self.project()
        data = self.input(s.DocumentPrepareInputSerializer)
        signer_users = set(
            Person.objects.filter(
                lead_tenures__project=project, lead_tenures__end_date__isnull=True
            ).values_list("user_id", flat=True)
        ) | set(
            Person.objects.filter(
                represented_organizations__participations__project=project
            ).values_list("user_id", flat=True)
        )
        access.document_prepare_check(request.user, project, signer_users)
        document = services.document_prepare(
            project=project,
            role=data["role"],
            kind=data["kind"],
            organization_id=data.get("organization"),
            actor=request.user,
        )
        return Response(s.DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentApi(ApiView):
    def document(self) -> ResponsibilityDocument:
        return access.document_for_user(
            self.request.user, self.kwargs["project_id"], self.kwargs["document_id"]
        )


class DocumentDetailApi(DocumentApi):
    serializer_class = s.DocumentOutputSerializer

    @extend_schema(operation_id="responsibility_document_detail")
    def get(self, request, project_id, document_id):
        return Response(s.DocumentOutputSerializer(self.document()).data)

    @extend_schema(
        operation_id="responsibility_document_update",
        request=s.DocumentUpdateInputSerializer,
        responses=s.DocumentOutputSerializer,
    )
    def patch(self, request, project_id, document_id):
        document = self.document()
        access.document_change_check(request.user, document.project)
        data = self.input(s.DocumentUpdateInputSerializer, partial=True)
        services.document_update(document=document, actor=request.user, **data)
        return Response(s.DocumentOutputSerializer(document).data)  # pragma: no cover

    @extend_schema(operation_id="responsibility_document_discard", responses={204: None})
    def delete(self, request, project_id, document_id):
        document = self.document()
        access.document_change_check(request.user, document.project)
        services.document_discard(document=document, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentSignApi(DocumentApi):
    serializer_class = s.DocumentSignInputSerializer
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="responsibility_document_sign",
        request=s.DocumentSignInputSerializer,
        responses={200: s.DocumentOutputSerializer},
    )
    def post(self, request, project_id, document_id):
        document = self.document()
        data = self.input(s.DocumentSignInputSerializer)
        document = services.document_sign(
            document=document,
            user=request.user,
            consent=data["consent"],
            signature_image=data.get("signature_image"),
            context=signing_context(request),
        )
        document = access.document_for_user(request.user, project_id, document.pk)
        return Response(s.DocumentOutputSerializer(document).data)


class DocumentCorrectApi(DocumentApi):
    serializer_class = s.DocumentOutputSerializer

    @extend_schema(
        operation_id="responsibility_document_correct",
        request=None,
        responses={201: s.DocumentOutputSerializer},
    )
    def post(self, request, project_id, document_id):
        document = self.document()
        access.document_change_check(request.user, document.project)
        correction = services.document_correct(document=document, actor=request.user)
        return Response(s.DocumentOutputSerializer(correction).data, status=status.HTTP_201_CREATED)


class DocumentPdfApi(DocumentApi):
    serializer_class = s.DocumentOutputSerializer

    @extend_schema(operation_id="responsibility_document_pdf", responses={302: None})
    def get(self, request, project_id, document_id):
        document = self.document()
        if document.pdf is None:
            raise ValidationError(_("This document is not signed yet, so it has no PDF."))
        return download_redirect(document.pdf, download_name=f"{document.number}.pdf")


class ResponsibilityGapsApi(ApiView):
    serializer_class = s.DocumentOutputSerializer

    @extend_schema(operation_id="responsibility_gaps", responses={200: dict})
    def get(self, request, project_id):
        return Response({"missing": services.responsibility_gaps(self.project())})


class SignedPdfVerifyApi(ApiView):
    serializer_class = s.VerifyInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="signed_pdf_verify", request=s.VerifyInputSerializer)
    def post(self, request):
        upload = self.input(s.VerifyInputSerializer)["file"]
        if upload.size > 50 * 1024 * 1024:
            raise ValidationError(_("A signed letter or pledge is far smaller than this file."))
        result = signed_pdf_verify(upload.read())
        document = result.document
        if document is not None and not self._may_see(request.user, document):
            document = None
        return Response(
            {
                "valid": result.valid,
                "sha256": result.sha256,
                "problems": result.problems,
                "document": document.number if document else None,
                "signer": document.signer_as_recorded["name"] if document else None,
                "signed_at": document.signed_at if document else None,
            }
        )

    @staticmethod
    def _may_see(user, document) -> bool:
        try:
            access.document_for_user(user, document.project_id, document.pk)
        except (PermissionDenied, Http404):
            return False
        return True


class LeadChangeListApi(ApiView):
    """A project's lead changes with the deadline for the new lead's letter and pledge."""

    serializer_class = s.LeadChangeOutputSerializer

    def get_queryset(self):
        return LeadTenure.objects.none()

    @extend_schema(
        operation_id="lead_change_list", responses=s.LeadChangeOutputSerializer(many=True)
    )
    def get(self, request, project_id):
        project = self.project()
        changes = lead_changes(projects_visible_to(request.user).filter(pk=project.pk))
        return Response(s.LeadChangeOutputSerializer(changes, many=True).data)


class OverdueLeadChangeListApi(ApiView):
    """Overdue lead changes across the projects the user can see: a regulator's whole
    jurisdiction, an owner's projects."""

    serializer_class = s.LeadChangeOutputSerializer

    def get_queryset(self):
        return LeadTenure.objects.none()

    @extend_schema(
        operation_id="lead_change_overdue_list",
        responses=s.LeadChangeOutputSerializer(many=True),
    )
    def get(self, request):
        changes = [c for c in lead_changes(projects_visible_to(request.user)) if c.overdue]
        return Response(s.LeadChangeOutputSerializer(changes, many=True).data)


# --- Plaques ---


def _unit_work(project, unit_work_id) -> UnitWork:
    unit_work = project.unit_works.filter(pk=unit_work_id).first()
    if unit_work is None:
        raise not_found()
    return unit_work


def _plaque_data(plaque, project) -> dict:
    return s.PlaqueOutputSerializer(
        {
            "id": plaque.pk,
            "content": plaque.content,
            "frozen_at": plaque.frozen_at,
            "width_mm": plaque.width_mm,
            "height_mm": plaque.height_mm,
            "public_url": plaques.plaque_public_url(plaque),
            "install_due": plaques.install_due(plaque, project.jurisdiction_code),
            "late": plaques.plaque_is_late(plaque, project.jurisdiction_code),
            "installations": plaque.installations.prefetch_related("photos__stored_object"),
        }
    ).data


class PlaqueBaseApi(ApiView):
    serializer_class = s.PlaqueOutputSerializer

    def get_queryset(self):
        return Plaque.objects.none()

    def plaque(self, project):
        unit_work = _unit_work(project, self.kwargs["unit_work_id"])
        plaque = Plaque.objects.filter(unit_work=unit_work).first()
        if plaque is None:
            raise ValidationError(
                _("%(unit)s has no plaque yet: it is frozen when completion is accepted.")
                % {"unit": unit_work.name}
            )
        return plaque


class PlaqueApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_detail")
    def get(self, request, project_id, unit_work_id):
        project = self.project()
        return Response(_plaque_data(self.plaque(project), project))


class PlaqueFreezeApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_freeze", request=None)
    def post(self, request, project_id, unit_work_id):
        project = self.project(write=True)
        plaque = plaques.plaque_freeze(
            unit_work=_unit_work(project, unit_work_id), actor=request.user
        )
        return Response(_plaque_data(plaque, project), status=status.HTTP_201_CREATED)


class PlaquePdfApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_pdf", responses={302: None})
    def get(self, request, project_id, unit_work_id):
        plaque = plaques.plaque_pdf(plaque=self.plaque(self.project()), actor=request.user)
        return download_redirect(plaque.pdf, download_name="plaque.pdf")


class PlaqueInstallationApi(PlaqueBaseApi):
    serializer_class = s.PlaqueInstallationInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="plaque_installation_record",
        request=s.PlaqueInstallationInputSerializer,
        responses={201: s.PlaqueOutputSerializer},
    )
    def post(self, request, project_id, unit_work_id):
        project = self.project(write=True)
        plaque = self.plaque(project)
        data = self.input(s.PlaqueInstallationInputSerializer)
        plaques.plaque_install_record(
            plaque=plaque,
            installed_on=data["installed_on"],
            position=data["position"],
            material=data["material"],
            installed_by=data["installed_by"],
            photos=data.get("photos", []),
            actor=request.user,
        )
        return Response(_plaque_data(plaque, project), status=status.HTTP_201_CREATED)


class PlaquePhotoFileApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_installation_photo_file", responses={302: None})
    def get(self, request, project_id, unit_work_id, photo_id, variant):
        plaque = self.plaque(self.project())
        photo = plaques.plaque_photo_list(plaque=plaque).filter(pk=photo_id).first()
        obj = photo_variant(photo, variant) if photo is not None else None
        if obj is None:
            raise not_found()
        return download_redirect(obj)


# --- Defect cases and trace ---


def _defect_case_list(project):
    return (
        DefectCase.objects.filter(project=project)
        .select_related("unit_work", "location", "opened_by", "closed_by")
        .annotate(held_files=Count("holds", filter=Q(holds__released_at__isnull=True)))
        .order_by("-opened_at", "-pk")
    )


class DefectCaseBaseApi(ApiView):
    serializer_class = s.DefectCaseOutputSerializer

    def case(self) -> DefectCase:
        return access.defect_case_for_user(
            self.request.user, self.kwargs["project_id"], self.kwargs["case_id"]
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
        return self.list_response(_defect_case_list(self.project()), s.DefectCaseOutputSerializer)

    @extend_schema(
        operation_id="defect_case_open",
        request=s.DefectCaseInputSerializer,
        responses={201: s.DefectCaseOutputSerializer},
    )
    def post(self, request, project_id):
        project = self.project()
        access.defect_case_open_check(request.user, project)
        data = self.input(s.DefectCaseInputSerializer)
        unit_work = UnitWork.objects.filter(pk=data["unit_work"]).first()
        if unit_work is None or unit_work.project_id != project.pk:
            raise ValidationError({"unit_work": _("This project has no such unit work.")})
        location = Location.objects.filter(pk=data["location"]).select_related("unit_work").first()
        if location is None or location.unit_work.project_id != project.pk:
            raise ValidationError({"location": _("This project has no such location.")})
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
        case = self.case()
        access.defect_case_close_check(request.user, case.project)
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
        case = self.case()
        access.defect_case_photo_check(request.user, case)
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
        case = self.case()
        obj = StoredObject.objects.filter(
            pk=object_id, defect_case_holds__case=case
        ).first() or next(
            (o for o in evidence_objects(trace_collect(case)) if o.pk == object_id), None
        )
        if obj is None:
            raise not_found()
        return download_redirect(obj)


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


class OversightApi(ApiView):
    """What needs a regulator's action across their jurisdiction, list by list."""

    serializer_class = s.OversightSerializer

    def get(self, request):
        lists = oversight_lists(projects=access.oversight_projects(request.user))
        return Response(s.OversightSerializer(lists).data)
