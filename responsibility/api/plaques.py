"""REST API for a unit work's permanent plaque: freezing it, its PDF, its installation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from config.api import ApiView
from projects.access import not_found, unit_work_for_user
from responsibility import access, plaques
from responsibility import serializers as s
from responsibility.models import Plaque
from storage.downloads import download_redirect
from storage.photos import photo_variant


def _plaque_data(plaque) -> dict:
    project = plaque.unit_work.project
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

    def plaque(self, *, write: bool = False):
        return access.plaque_for_user(
            self.request.user, self.kwargs["project_id"], self.kwargs["unit_work_id"], write=write
        )


class PlaqueApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_detail")
    def get(self, request, project_id, unit_work_id):
        return Response(_plaque_data(self.plaque()))


class PlaqueFreezeApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_freeze", request=None)
    def post(self, request, project_id, unit_work_id):
        unit_work = unit_work_for_user(request.user, project_id, unit_work_id, write=True)
        plaque = plaques.plaque_freeze(unit_work=unit_work, actor=request.user)
        return Response(_plaque_data(plaque), status=status.HTTP_201_CREATED)


class PlaquePdfApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_pdf", responses={302: None})
    def get(self, request, project_id, unit_work_id):
        print_file = plaques.plaque_print_file(self.plaque())
        return download_redirect(print_file, download_name="plaque.pdf")


class PlaqueInstallationApi(PlaqueBaseApi):
    serializer_class = s.PlaqueInstallationInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="plaque_installation_record",
        request=s.PlaqueInstallationInputSerializer,
        responses={201: s.PlaqueOutputSerializer},
    )
    def post(self, request, project_id, unit_work_id):
        plaque = self.plaque(write=True)
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
        return Response(_plaque_data(plaque), status=status.HTTP_201_CREATED)


class PlaquePhotoFileApi(PlaqueBaseApi):
    @extend_schema(operation_id="plaque_installation_photo_file", responses={302: None})
    def get(self, request, project_id, unit_work_id, photo_id, variant):
        photo = plaques.plaque_photo_list(plaque=self.plaque()).filter(pk=photo_id).first()
        obj = photo_variant(photo, variant) if photo is not None else None
        if obj is None:
            raise not_found()
        return download_redirect(obj)
