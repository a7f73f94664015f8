"""REST API for letters and pledges: preparing, signing, their PDFs, verification."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from config.api import ApiView, list_schema
from projects import reauth
from responsibility import access, selectors, services
from responsibility import serializers as s
from responsibility.filters import DocumentFilter, query_parameters_check
from responsibility.models import ResponsibilityDocument
from responsibility.verify import signed_pdf_size_check, signed_pdf_verify_for_user
from storage.downloads import download_redirect


class ReauthenticateApi(ApiView):
    serializer_class = s.ReauthenticateInputSerializer

    @extend_schema(operation_id="signing_reauthenticate", responses={204: None})
    def post(self, request):
        password = self.input(s.ReauthenticateInputSerializer)["password"]
        reauth.reauthenticate(request=request, password=password)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentListApi(ApiView):
    """A project's letters and pledges; ``?state=unsigned&signer=me`` is what I must sign."""

    serializer_class = s.DocumentOutputSerializer
    filterset_class = DocumentFilter

    @list_schema(s.DocumentOutputSerializer, "responsibility_document_list")
    def get(self, request, project_id):
        query_parameters_check(request.query_params, DocumentFilter)
        return self.list_response(
            selectors.document_list(
                user=request.user,
                project=access.document_project_for_user(request.user, project_id),
            ),
            s.DocumentOutputSerializer,
        )

    @extend_schema(
        operation_id="responsibility_document_prepare",
        request=s.DocumentPrepareInputSerializer,
        responses={201: s.DocumentOutputSerializer},
    )
    def post(self, request, project_id):
        project = access.document_project_for_user(request.user, project_id, write=True)
        data = self.input(s.DocumentPrepareInputSerializer)
        document = services.document_prepare(
            project=project,
            role=data["role"],
            kind=data["kind"],
            organization_id=data.get("organization"),
            actor=request.user,
        )
        return Response(s.DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentApi(ApiView):
    def document(self, *, write: bool = False) -> ResponsibilityDocument:
        return access.document_for_user(
            self.request.user, self.kwargs["project_id"], self.kwargs["document_id"], write=write
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
        document = self.document(write=True)
        data = self.input(s.DocumentUpdateInputSerializer, partial=True)
        services.document_update(document=document, actor=request.user, **data)
        return Response(s.DocumentOutputSerializer(document).data)  # pragma: no cover

    @extend_schema(operation_id="responsibility_document_discard", responses={204: None})
    def delete(self, request, project_id, document_id):
        document = self.document(write=True)
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
            context=services.signing_context(request),
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
        document = self.document(write=True)
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
        signed_pdf_size_check(upload.size)
        result = signed_pdf_verify_for_user(request.user, upload.read())
        document = result.document
        return Response(
            {
                "valid": result.valid,
                "sha256": result.sha256,
                "problems": result.problems,
                "document": document.number if document else None,
                "signer": document.signer_as_recorded["name"] if document else None,
                "signed_at": document.signed_at if document else None,
                "signature_level": result.level or None,
                "document_timestamps": result.document_timestamps,
            }
        )
