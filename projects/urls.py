from django.urls import path

from projects import api

project = "projects/<int:project_id>/"
unit_work = project + "unit-works/<int:unit_work_id>/"

urlpatterns = [
    path("auth/token/", api.AuthTokenApi.as_view(), name="auth-token"),
    path("auth/tokens/", api.ApiTokenListApi.as_view(), name="auth-token-list"),
    path("auth/tokens/<str:key>/", api.ApiTokenDetailApi.as_view(), name="auth-token-detail"),
    path("auth/logout/", api.LogoutApi.as_view(), name="auth-logout"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("organizations/", api.OrganizationListApi.as_view(), name="organization-list"),
    path(
        "organizations/<int:organization_id>/",
        api.OrganizationDetailApi.as_view(),
        name="organization-detail",
    ),
    path("people/", api.PersonListApi.as_view(), name="person-list"),
    path("people/<int:person_id>/", api.PersonDetailApi.as_view(), name="person-detail"),
    path("people/<int:person_id>/reveal/", api.PersonRevealApi.as_view(), name="person-reveal"),
    path("audit-events/", api.AuditEventListApi.as_view(), name="audit-event-list"),
    path("projects/", api.ProjectListApi.as_view(), name="project-list"),
    path(project, api.ProjectDetailApi.as_view(), name="project-detail"),
    path(project + "advance/", api.ProjectStageAdvanceApi.as_view(), name="project-advance"),
    path(
        project + "supervision-gaps/",
        api.ProjectSupervisionGapsApi.as_view(),
        name="project-supervision-gaps",
    ),
    path(project + "unit-works/", api.UnitWorkListApi.as_view(), name="unit-work-list"),
    path(unit_work, api.UnitWorkDetailApi.as_view(), name="unit-work-detail"),
    path(unit_work + "locations/", api.LocationListApi.as_view(), name="location-list"),
    path(unit_work + "locations/tree/", api.LocationTreeApi.as_view(), name="location-tree"),
    path(
        project + "participations/", api.ParticipationListApi.as_view(), name="participation-list"
    ),
    path(project + "lead-tenures/", api.LeadTenureListApi.as_view(), name="lead-tenure-list"),
    path(
        project + "lead-tenures/<int:tenure_id>/",
        api.LeadTenureDetailApi.as_view(),
        name="lead-tenure-detail",
    ),
    path(
        project + "lead-tenures/<int:tenure_id>/replace/",
        api.LeadTenureReplaceApi.as_view(),
        name="lead-tenure-replace",
    ),
    path(project + "memberships/", api.MembershipListApi.as_view(), name="membership-list"),
    path(project + "documents/", api.ProjectDocumentListApi.as_view(), name="document-list"),
    path(
        project + "documents/<int:document_id>/",
        api.ProjectDocumentDetailApi.as_view(),
        name="document-detail",
    ),
    path(
        project + "documents/<int:document_id>/download/",
        api.ProjectDocumentDownloadApi.as_view(),
        name="document-download",
    ),
]
