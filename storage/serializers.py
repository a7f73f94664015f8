"""The output every evidence photo shares, whoever owns it (``storage.photos``)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from storage.photos import PHOTO_VARIANTS


class PhotoDownloadsSerializer(serializers.Serializer):
    """Links that redirect to the file after the access check; null for a copy not made yet
    (the preview job has not run, or the photo could not be read: see ``flags``) or never
    made (delivery and plaque photos stored before they had derived copies)."""

    original = serializers.CharField()
    preview = serializers.CharField(allow_null=True)
    thumbnail = serializers.CharField(allow_null=True)


class EvidencePhotoOutputMixin(serializers.Serializer):
    """The original's hash, size, type and name, the size as taken, what EXIF says, the
    flags and the download links of an evidence photo. The concrete serializer names its
    download view (``download_view``, taking ``download_args(photo)`` and the variant)."""

    sha256 = serializers.CharField(source="original.sha256", read_only=True)
    size = serializers.IntegerField(source="original.size", read_only=True)
    content_type = serializers.CharField(source="original.content_type", read_only=True)
    original_name = serializers.CharField(source="original.original_name", read_only=True)
    downloads = serializers.SerializerMethodField()

    EVIDENCE_FIELDS = (
        "sha256",
        "size",
        "content_type",
        "original_name",
        "width",
        "height",
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
    )
    download_view: str = ""

    def download_args(self, photo) -> list:
        raise NotImplementedError

    @extend_schema_field(PhotoDownloadsSerializer)
    def get_downloads(self, photo) -> dict:
        args = self.download_args(photo)
        return {
            variant: (
                reverse(self.download_view, args=[*args, variant])
                if getattr(photo, f"{variant}_id", None) is not None
                else None
            )
            for variant in PHOTO_VARIANTS
        }
