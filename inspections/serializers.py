from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from projects import access
from projects.models import Location, UnitWork
from projects.serializers import PersonAsRecordedSerializer, VisibleRelatedField
from storage.serializers import EvidencePhotoOutputMixin


def _records_visible_to(user):
    return access.project_records_visible_to(user, AcceptanceRecord.objects.all())


class SignOffOutputSerializer(serializers.ModelSerializer):
    # As they were recorded when they signed, not as the person row says today.
    person_name = serializers.CharField(source="person_as_recorded.name", read_only=True)
    person_as_recorded = PersonAsRecordedSerializer(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SignOff
        fields = [
            "id",
            "round",
            "capacity",
            "person",
            "person_name",
            "person_as_recorded",
            "username",
            "signed_at",
            "ip_address",
            "user_agent",
            "content_sha256",
        ]


class AcceptanceRoundOutputSerializer(serializers.ModelSerializer):
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)

    class Meta:
        model = AcceptanceRound
        fields = [
            "number",
            "content_sha256",
            "submitted_by",
            "submitted_at",
            "outcome",
            "reasons",
            "decided_at",
        ]


class AcceptanceRecordOutputSerializer(serializers.ModelSerializer):
    locations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    concealed_works = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    sign_offs = SignOffOutputSerializer(many=True, read_only=True)
    rounds = AcceptanceRoundOutputSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = AcceptanceRecord
        fields = [
            "id",
            "project",
            "unit_work",
            "level",
            "division_kind",
            "parent",
            "title",
            "date",
            "result",
            "remarks",
            "locations",
            "concealed_works",
            "state",
            "round",
            "rounds",
            "sign_offs",
            "created_by",
            "created_at",
            "accepted_at",
        ]


class AcceptanceRecordInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=AcceptanceRecord.Level.choices)
    unit_work = VisibleRelatedField(
        model=UnitWork, visible_to=access.unit_works_visible_to, required=False, allow_null=True
    )
    parent = VisibleRelatedField(
        model=AcceptanceRecord, visible_to=_records_visible_to, required=False, allow_null=True
    )
    division_kind = serializers.ChoiceField(
        choices=AcceptanceRecord.DivisionKind.choices, required=False
    )
    title = serializers.CharField(max_length=300)
    date = serializers.DateField()
    result = serializers.CharField(required=False, allow_blank=True)
    remarks = serializers.CharField(required=False, allow_blank=True)
    locations = VisibleRelatedField(
        model=Location, visible_to=access.locations_visible_to, many=True, required=False
    )
    concealed_works = VisibleRelatedField(
        model=AcceptanceRecord, visible_to=_records_visible_to, many=True, required=False
    )


class AcceptanceRecordUpdateSerializer(serializers.Serializer):
    division_kind = serializers.ChoiceField(
        choices=AcceptanceRecord.DivisionKind.choices, required=False
    )
    title = serializers.CharField(max_length=300, required=False)
    date = serializers.DateField(required=False)
    result = serializers.CharField(required=False, allow_blank=True)
    remarks = serializers.CharField(required=False, allow_blank=True)
    locations = VisibleRelatedField(
        model=Location, visible_to=access.locations_visible_to, many=True, required=False
    )
    concealed_works = VisibleRelatedField(
        model=AcceptanceRecord, visible_to=_records_visible_to, many=True, required=False
    )


class ReturnInputSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, required=False, default="")


class SignInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("your password, re-entered to sign"),
    )
    capacity = serializers.ChoiceField(choices=SignOff.Capacity.choices, required=False)


# An acceptance record's or a defect case's photo.
class PhotoOutputSerializer(EvidencePhotoOutputMixin, serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    subject_type = serializers.CharField(source="subject_type.model", read_only=True)

    download_view = "photo-file"

    class Meta:
        model = Photo
        fields = [
            "id",
            "project",
            "subject_type",
            "subject_id",
            "sha256",
            "size",
            "content_type",
            "original_name",
            "width",
            "height",
            "caption",
            "location",
            "uploaded_by",
            "received_at",
            "captured_at",
            "captured_offset",
            "latitude",
            "longitude",
            "gps_accuracy_m",
            "camera_make",
            "camera_model",
            "distance_from_site_m",
            "flags",
            "downloads",
        ]

    def download_args(self, photo) -> list:
        return [photo.project_id, photo.pk]


class PhotoUploadInputSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    sha256 = serializers.ListField(
        child=serializers.RegexField(
            r"^[0-9a-fA-F]{64}$",
            allow_blank=True,
            error_messages={"invalid": _("A SHA-256 is 64 hexadecimal characters.")},
        ),
        required=False,
        help_text=_("the SHA-256 of each file, in the same order, if the client computed it"),
    )
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    location = VisibleRelatedField(
        model=Location, visible_to=access.locations_visible_to, required=False, allow_null=True
    )
