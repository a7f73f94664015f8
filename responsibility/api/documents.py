"""REST API for letters and pledges: preparing, signing, their PDFs, verification."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from projects.http import client_address
from projects.models import Person
from projects.reauth import password_reentered_check
from responsibility import access, selectors, services
from responsibility import serializers as s
from responsibility.models import ResponsibilityDocument
from responsibility.verify import signed_pdf_verify
from storage.downloads import download_redirect

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
