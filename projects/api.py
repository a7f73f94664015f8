"""REST API views: check access, validate input, call a service or selector, serialize."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from config.api import ApiView, list_schema
from projects import access, selectors, services, signin
from projects import serializers as s
from projects.filters import AuditEventFilter, LeadTenureFilter, ProjectFilter
from projects.models import AuditEvent, Location
from storage.downloads import download_redirect

# --- Organizations ---


class OrganizationListApi(ApiView):
    serializer_class = s.OrganizationOutputSerializer

    @list_schema(s.OrganizationOutputSerializer, "organization_list")
    def get(self, request):
        return self.list_response(
            selectors.organization_list(user=request.user), s.OrganizationOutputSerializer
        )

    @extend_schema(
        request=s.OrganizationInputSerializer, responses={201: s.OrganizationOutputSerializer}
    )
    def post(self, request):
        access.organization_create_check(request.user)
        data = self.input(s.OrganizationInputSerializer)
        organization = services.organization_create(actor=request.user, **data)
        return Response(
            s.OrganizationOutputSerializer(organization).data, status=status.HTTP_201_CREATED
        )


class OrganizationDetailApi(ApiView):
    serializer_class = s.OrganizationOutputSerializer

    def get(self, request, organization_id: int):
        organization = access.organization_for_user(request.user, organization_id)
        return Response(s.OrganizationOutputSerializer(organization).data)

    @extend_schema(request=s.OrganizationInputSerializer, responses=s.OrganizationOutputSerializer)
    def patch(self, request, organization_id: int):
        organization = access.organization_for_user(request.user, organization_id, write=True)
        data = self.input(s.OrganizationInputSerializer, partial=True)
        organization = services.organization_update(
            organization=organization, actor=request.user, **data
        )
        return Response(s.OrganizationOutputSerializer(organization).data)


# --- People ---


class PersonListApi(ApiView):
    serializer_class = s.PersonOutputSerializer

    @list_schema(s.PersonOutputSerializer, "person_list")
    def get(self, request):
        return self.list_response(
            selectors.person_list(user=request.user), s.PersonOutputSerializer
        )

    @extend_schema(request=s.PersonInputSerializer, responses={201: s.PersonOutputSerializer})
    def post(self, request):
        access.person_create_check(request.user)
        data = self.input(s.PersonInputSerializer)
        person = services.person_create(actor=request.user, **data)
        return Response(s.PersonOutputSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonRevealApi(ApiView):
    """The full ID or phone number, for a regulator, with a reason; every reveal is in the
    audit log (and the ledger) before the number leaves the server."""

    serializer_class = s.RevealOutputSerializer

    @extend_schema(request=s.RevealInputSerializer, responses=s.RevealOutputSerializer)
    def post(self, request, person_id: int):
        person = access.person_reveal_check(request.user, person_id)
        data = self.input(s.RevealInputSerializer)
        value, event = services.person_reveal(
            person=person, actor=request.user, request=request, **data
        )
        body = {
            "person": person.pk,
            "field": data["field"],
            "value": value,
            "audit_event": event.pk,
        }
        response = Response(s.RevealOutputSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class AuditEventListApi(ApiView):
    serializer_class = s.AuditEventOutputSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return AuditEvent.objects.none()

    @list_schema(s.AuditEventOutputSerializer, "audit_event_list")
    def get(self, request):
        events = access.audit_events_visible_to(request.user).select_related("actor")
        return self.list_response(events.order_by("-at", "-pk"), s.AuditEventOutputSerializer)


class PersonDetailApi(ApiView):
    serializer_class = s.PersonOutputSerializer

    def get(self, request, person_id: int):
        person = access.person_for_user(request.user, person_id)
        return Response(s.PersonOutputSerializer(person).data)

    @extend_schema(request=s.PersonUpdateInputSerializer, responses=s.PersonOutputSerializer)
    def patch(self, request, person_id: int):
        person = access.person_for_user(request.user, person_id, write=True)
        data = self.input(s.PersonUpdateInputSerializer, partial=True)
        access.person_identity_change_check(request.user, data)
        person = services.person_update(person=person, actor=request.user, request=request, **data)
        return Response(s.PersonOutputSerializer(person).data)


# --- Projects ---


class ProjectListApi(ApiView):
    serializer_class = s.ProjectOutputSerializer
    filterset_class = ProjectFilter

    @list_schema(s.ProjectOutputSerializer, "project_list")
    def get(self, request):
        return self.list_response(
            selectors.project_list(user=request.user), s.ProjectOutputSerializer
        )

    @extend_schema(request=s.ProjectInputSerializer, responses={201: s.ProjectOutputSerializer})
    def post(self, request):
        access.project_create_check(request.user)
        data = self.input(s.ProjectInputSerializer)
        project = services.project_create(actor=request.user, **data)
        return Response(s.ProjectOutputSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(ApiView):
    serializer_class = s.ProjectOutputSerializer

    def get(self, request, project_id: int):
        return Response(s.ProjectOutputSerializer(self.project()).data)

    @extend_schema(request=s.ProjectInputSerializer, responses=s.ProjectOutputSerializer)
    def patch(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.ProjectInputSerializer, partial=True)
        if "jurisdiction_code" in data:
            access.project_jurisdiction_change_check(request.user)
        project = services.project_update(project=project, actor=request.user, **data)
        return Response(s.ProjectOutputSerializer(project).data)


class ProjectStageAdvanceApi(ApiView):
    serializer_class = s.StageAdvanceInputSerializer

    @extend_schema(request=s.StageAdvanceInputSerializer, responses=s.ProjectOutputSerializer)
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.StageAdvanceInputSerializer)
        project = services.project_stage_advance(
            project=project, to_stage=data["to_stage"], actor=request.user
        )
        return Response(s.ProjectOutputSerializer(project).data)


class ProjectSupervisionGapsApi(ApiView):
    serializer_class = s.SupervisionGapsOutputSerializer

    def get(self, request, project_id: int):
        gaps = services.project_supervision_gaps(self.project())
        return Response({"ready": not gaps, "gaps": gaps})


# --- Unit works and locations ---


class UnitWorkListApi(ApiView):
    serializer_class = s.UnitWorkOutputSerializer

    @list_schema(s.UnitWorkOutputSerializer, "unit_work_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.unit_work_list(project=self.project()), s.UnitWorkOutputSerializer
        )

    @extend_schema(request=s.UnitWorkInputSerializer, responses={201: s.UnitWorkOutputSerializer})
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.UnitWorkInputSerializer)
        unit_work = services.unit_work_create(project=project, actor=request.user, **data)
        return Response(s.UnitWorkOutputSerializer(unit_work).data, status=status.HTTP_201_CREATED)


class UnitWorkDetailApi(ApiView):
    serializer_class = s.UnitWorkOutputSerializer

    def get(self, request, project_id: int, unit_work_id: int):
        unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id)
        return Response(s.UnitWorkOutputSerializer(unit_work).data)

    @extend_schema(request=s.UnitWorkInputSerializer, responses=s.UnitWorkOutputSerializer)
    def patch(self, request, project_id: int, unit_work_id: int):
        unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id, write=True)
        data = self.input(s.UnitWorkInputSerializer, partial=True)
        unit_work = services.unit_work_update(unit_work=unit_work, actor=request.user, **data)
        return Response(s.UnitWorkOutputSerializer(unit_work).data)


class LocationListApi(ApiView):
    serializer_class = s.LocationOutputSerializer

    @list_schema(s.LocationOutputSerializer, "location_list")
    def get(self, request, project_id: int, unit_work_id: int):
        unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id)
        return self.list_response(
            selectors.location_list(unit_work=unit_work), s.LocationOutputSerializer
        )

    @extend_schema(request=s.LocationInputSerializer, responses={201: s.LocationOutputSerializer})
    def post(self, request, project_id: int, unit_work_id: int):
        unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id, write=True)
        data = self.input(s.LocationInputSerializer)
        location: Location = services.location_create(
            unit_work=unit_work, actor=request.user, **data
        )
        return Response(s.LocationOutputSerializer(location).data, status=status.HTTP_201_CREATED)


class LocationTreeApi(ApiView):
    serializer_class = s.LocationTreeNodeSerializer
    pagination_class = None
    queryset = Location.objects.none()  # for the schema only, as in ApiView.get_queryset

    @extend_schema(responses=s.LocationTreeNodeSerializer(many=True))
    def get(self, request, project_id: int, unit_work_id: int):
        unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id)
        return Response(selectors.location_tree(unit_work=unit_work))


# --- Participations, lead tenures, memberships ---


class ParticipationListApi(ApiView):
    serializer_class = s.ParticipationOutputSerializer

    @list_schema(s.ParticipationOutputSerializer, "participation_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.participation_list(project=self.project()), s.ParticipationOutputSerializer
        )

    @extend_schema(
        request=s.ParticipationInputSerializer, responses={201: s.ParticipationOutputSerializer}
    )
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.ParticipationInputSerializer)
        participation = services.participation_create(project=project, actor=request.user, **data)
        return Response(
            s.ParticipationOutputSerializer(participation).data, status=status.HTTP_201_CREATED
        )


class LeadTenureListApi(ApiView):
    serializer_class = s.LeadTenureOutputSerializer
    filterset_class = LeadTenureFilter

    @list_schema(s.LeadTenureOutputSerializer, "lead_tenure_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.lead_tenure_list(project=self.project()), s.LeadTenureOutputSerializer
        )

    @extend_schema(
        request=s.LeadTenureInputSerializer, responses={201: s.LeadTenureOutputSerializer}
    )
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.LeadTenureInputSerializer)
        tenure = services.lead_tenure_open(project=project, actor=request.user, **data)
        return Response(s.LeadTenureOutputSerializer(tenure).data, status=status.HTTP_201_CREATED)


class LeadTenureDetailApi(ApiView):
    """Lead tenures are never deleted or edited: a change of lead is a replacement."""

    serializer_class = s.LeadTenureOutputSerializer

    def get(self, request, project_id: int, tenure_id: int):
        tenure = access.lead_tenure_for_user(request.user, project_id, tenure_id)
        return Response(s.LeadTenureOutputSerializer(tenure).data)


class LeadTenureReplaceApi(ApiView):
    serializer_class = s.LeadTenureReplaceInputSerializer

    @extend_schema(
        request=s.LeadTenureReplaceInputSerializer, responses={201: s.LeadTenureOutputSerializer}
    )
    def post(self, request, project_id: int, tenure_id: int):
        tenure = access.lead_tenure_for_user(request.user, project_id, tenure_id, write=True)
        data = self.input(s.LeadTenureReplaceInputSerializer)
        successor = services.lead_tenure_replace(tenure=tenure, actor=request.user, **data)
        return Response(
            s.LeadTenureOutputSerializer(successor).data, status=status.HTTP_201_CREATED
        )


class MembershipListApi(ApiView):
    serializer_class = s.MembershipOutputSerializer

    @list_schema(s.MembershipOutputSerializer, "membership_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.membership_list(project=self.project()), s.MembershipOutputSerializer
        )

    @extend_schema(
        request=s.MembershipInputSerializer, responses={201: s.MembershipOutputSerializer}
    )
    def post(self, request, project_id: int):
        project = self.project()
        access.membership_create_check(request.user, project)
        data = self.input(s.MembershipInputSerializer)
        user = get_user_model().objects.filter(username=data.pop("username")).first()
        if user is None:
            raise ValidationError({"username": _("There is no user with this username.")})
        membership = services.membership_create(
            user=user, project=project, actor=request.user, **data
        )
        return Response(
            s.MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED
        )


# --- Documents ---


class ProjectDocumentListApi(ApiView):
    serializer_class = s.ProjectDocumentOutputSerializer
    parser_classes = [MultiPartParser]

    @list_schema(s.ProjectDocumentOutputSerializer, "project_document_list")
    def get(self, request, project_id: int):
        return self.list_response(
            selectors.project_document_list(project=self.project()),
            s.ProjectDocumentOutputSerializer,
        )

    @extend_schema(
        request={"multipart/form-data": s.ProjectDocumentInputSerializer},
        responses={201: s.ProjectDocumentOutputSerializer},
    )
    def post(self, request, project_id: int):
        project = self.project(write=True)
        data = self.input(s.ProjectDocumentInputSerializer)
        document = services.project_document_upload(
            project=project,
            title=data["title"],
            kind=data["kind"],
            fileobj=data["file"],
            declared_sha256=(data.get("sha256") or "").lower() or None,
            actor=request.user,
        )
        return Response(
            s.ProjectDocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED
        )


class ProjectDocumentDetailApi(ApiView):
    serializer_class = s.ProjectDocumentOutputSerializer

    def get(self, request, project_id: int, document_id: int):
        document = access.project_document_for_user(request.user, project_id, document_id)
        return Response(s.ProjectDocumentOutputSerializer(document).data)


class ProjectDocumentDownloadApi(ApiView):
    """A redirect to a short-lived presigned URL, issued only after the access check."""

    @extend_schema(responses={302: None})
    def get(self, request, project_id: int, document_id: int):
        document = access.project_document_for_user(request.user, project_id, document_id)
        return download_redirect(document.stored_object)


# --- Who am I ---


class MeApi(ApiView):
    serializer_class = s.MeOutputSerializer
    pagination_class = None

    def get(self, request):
        user = request.user
        person = getattr(user, "person", None)
        regulator = access.regulator_account_of(user)
        memberships = list(user.project_memberships.select_related("project"))
        roles = sorted({m.role for m in memberships})
        if user.is_staff:
            roles.insert(0, "staff")
        if regulator is not None:
            roles.insert(0, "regulator")
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "person": person,
            "regulator": (
                {"agency": regulator.agency, "jurisdiction_code": regulator.jurisdiction_code}
                if regulator
                else None
            ),
            "memberships": memberships,
            "roles": roles,
        }
        return Response(s.MeOutputSerializer(data).data)


# --- Sign-in: API tokens ---


class AuthTokenApi(ApiView):
    """Username and password in, a new token out. A wrong password counts towards the
    sign-in lockout (429 with Retry-After once it starts)."""

    serializer_class = s.AuthTokenInputSerializer
    authentication_classes: list = []  # a password exchange, not a session: no CSRF check
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_obtain",
        request=s.AuthTokenInputSerializer,
        responses={200: s.AuthTokenOutputSerializer},
        auth=[],
    )
    def post(self, request):
        data = self.input(s.AuthTokenInputSerializer)
        user = signin.credentials_authenticate(
            request=request, username=data["username"], password=data["password"]
        )
        if user is None:
            raise ValidationError(
                _(
                    "The username or password is not correct. After %(limit)d wrong passwords"
                    " signing in is locked for %(minutes)d minutes."
                )
                % {
                    "limit": settings.SIGNIN_FAILURE_LIMIT,
                    "minutes": settings.SIGNIN_COOLOFF_MINUTES,
                },
                code="invalid_credentials",
            )
        instance, token = services.api_token_issue(user=user, request=request)
        return Response(
            s.AuthTokenOutputSerializer({"token": token, "expiry": instance.expiry}).data
        )


class ApiTokenListApi(ApiView):
    """Your own API tokens that still work (never the tokens themselves), and signing out of
    the API everywhere."""

    serializer_class = s.ApiTokenOutputSerializer
    pagination_class = None

    def get(self, request):
        tokens = selectors.api_token_list(user=request.user)
        context = {"current_digest": getattr(request.auth, "pk", None)}
        return Response(s.ApiTokenOutputSerializer(tokens, many=True, context=context).data)

    @extend_schema(operation_id="auth_tokens_revoke_all", responses={204: None})
    def delete(self, request):
        services.api_tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenDetailApi(ApiView):
    serializer_class = s.ApiTokenOutputSerializer

    @extend_schema(operation_id="auth_token_revoke", responses={204: None})
    def delete(self, request, key: str):
        services.api_token_revoke(token=access.api_token_for_user(request.user, key))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutApi(ApiView):
    """Sign out: the token this request came with is revoked (or the browser session ends)."""

    serializer_class = s.ApiTokenOutputSerializer

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            services.api_token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
