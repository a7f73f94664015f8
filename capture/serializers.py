"""What a phone's queue sends for one item: the device's claims, common to every kind, and
the fields of the record the item makes (those of the resource's own API)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from capture.models import DeviceClaim
from materials.models import DeliveryPhoto
from materials.serializers import DeliveryInputSerializer, SampleInputSerializer

Kind = DeviceClaim.Kind

SHA256 = serializers.RegexField(
    r"^[0-9a-fA-F]{64}$",
    error_messages={"invalid": _("A SHA-256 is 64 hexadecimal characters.")},
)


class ClaimInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    sha256 = serializers.ListField(
        child=SHA256,
        required=False,
        default=list,
        help_text=_("the SHA-256 the phone computed of each file, in the same order"),
    )
    captured_by = serializers.CharField(
        required=False,
        help_text=_("the id of the user who captured the item; another user cannot send it"),
    )
    captured_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("when the phone captured the item")
    )
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )
    # A decimal, not a float: a float field would take NaN and infinity.
    accuracy = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )

    def validate(self, data):
        files, hashes = data["files"], data["sha256"]
        if len(files) != len(hashes):
            raise serializers.ValidationError(
                {"sha256": _("Send the SHA-256 the phone computed for every file, in order.")}
            )
        if data["kind"] in PHOTO_KINDS and len(files) != 1:
            raise serializers.ValidationError({"files": _("Send exactly one photo per item.")})
        if data["kind"] in (Kind.SAMPLE, Kind.SELF_CHECK) and files:
            raise serializers.ValidationError({"files": _("This kind of item takes no file.")})
        if data.get("latitude") is None or data.get("longitude") is None:
            data["latitude"] = data["longitude"] = data["accuracy"] = None
        return data


PHOTO_KINDS = (Kind.RECORD_PHOTO, Kind.DELIVERY_PHOTO, Kind.DEFECT_PHOTO)


class RecordPhotoInputSerializer(serializers.Serializer):
    record = serializers.IntegerField(min_value=1)
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    location = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DeliveryPhotoInputSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(min_value=1)
    photo_of = serializers.ChoiceField(choices=DeliveryPhoto.Kind.choices)


class DefectPhotoInputSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DeliveryArrivalInputSerializer(DeliveryInputSerializer):
    """A delivery as its API takes it; the item's files are its label photos."""


class SampleCaptureInputSerializer(SampleInputSerializer):
    delivery = serializers.IntegerField(min_value=1)


class SelfCheckInputSerializer(serializers.Serializer):
    record = serializers.IntegerField(min_value=1)
    note = serializers.CharField(
        max_length=4000, help_text=_("added to the record's self-check result, on a new line")
    )


KIND_SERIALIZERS = {
    Kind.RECORD_PHOTO: RecordPhotoInputSerializer,
    Kind.DELIVERY_PHOTO: DeliveryPhotoInputSerializer,
    Kind.DEFECT_PHOTO: DefectPhotoInputSerializer,
    Kind.DELIVERY: DeliveryArrivalInputSerializer,
    Kind.SAMPLE: SampleCaptureInputSerializer,
    Kind.SELF_CHECK: SelfCheckInputSerializer,
}


class DeviceClaimOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceClaim
        fields = [
            "id",
            "kind",
            "claimed_sha256",
            "received_sha256",
            "sha256_matched",
            "device_captured_at",
            "received_at",
            "latitude",
            "longitude",
            "position_accuracy_m",
            "long_delay",
        ]
