"""REST API for a unit work's permanent plaque: freezing it, its PDF, its installation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api import ApiView
from projects.access import not_found
from projects.models import UnitWork
from responsibility import plaques
from responsibility import serializers as s
from responsibility.models import Plaque
from storage.downloads import download_redirect


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
