"""REST API for lead changes and the deadlines for the new lead's letter and pledge."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from config.api import ApiView
from projects.access import projects_visible_to
from projects.models import LeadTenure
from responsibility import serializers as s
from responsibility.deadlines import lead_changes


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
