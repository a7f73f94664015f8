from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from materials import access as materials_access
from materials.models import (
    Batch,
    BatchFile,
    DefectNotice,
    Delivery,
    DeliveryPhoto,
    MaterialCategory,
    RecallAction,
    Sample,
    Unit,
    Usage,
)
from projects import access
from projects.models import Location, Organization, Person, Project
from projects.serializers import VisibleRelatedField
from storage.serializers import EvidencePhotoOutputMixin

# --- Output ---


class MaterialCategoryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialCategory
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "witness_sampling_required",
            "structural",
            "ccc_required",
            "retest_items",
        ]


class BatchFileOutputSerializer(serializers.ModelSerializer):
    document = serializers.ChoiceField(source="kind", choices=BatchFile.Kind.choices)
    current = serializers.SerializerMethodField()
    supersedes_version = serializers.SerializerMethodField()
    name = serializers.CharField(source="stored_object.original_name")
    content_type = serializers.CharField(source="stored_object.content_type")
    sha256 = serializers.CharField(source="stored_object.sha256")
    recorded_by = serializers.CharField(source="recorded_by.username", default=None)
    download = serializers.SerializerMethodField()

    class Meta:
        model = BatchFile
        fields = [
            "id",
            "document",
            "version",
            "current",
            "supersedes_version",
            "reason",
            "name",
            "content_type",
            "sha256",
            "recorded_by",
            "recorded_at",
            "download",
        ]

    def get_supersedes_version(self, version) -> int | None:
        # Versions of a kind are numbered without gaps: a correction supersedes the one before.
        return version.version - 1 if version.supersedes_id else None

    def get_current(self, version) -> bool:
        return version.pk in self.context.get("current_ids", ())

    def get_download(self, version) -> str:
        url = reverse("batch-file-download", args=[version.batch_id, version.kind])
        return f"{url}?version={version.version}"


def current_batch_files(batch: Batch) -> dict[str, BatchFile]:
    """The latest version of each kind among ``batch``'s (prefetched) files."""
    current: dict[str, BatchFile] = {}
    for version in batch.files.all():
        if version.kind not in current or version.version > current[version.kind].version:
            current[version.kind] = version
    return current


class BatchOutputSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    manufacturer_name = serializers.CharField(source="manufacturer.name")
    certificate_of_conformity_sha256 = serializers.SerializerMethodField()
    certificate_of_conformity_download = serializers.SerializerMethodField()
    type_test_report_sha256 = serializers.SerializerMethodField()
    type_test_report_download = serializers.SerializerMethodField()
    recorded_for = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = [
            "id",
            "category",
            "manufacturer",
            "manufacturer_name",
            "product",
            "model_spec",
            "batch_number",
            "production_date",
            "ccc_certificate_number",
            "recorded_for",
            "certificate_of_conformity_sha256",
            "certificate_of_conformity_download",
            "type_test_report_sha256",
            "type_test_report_download",
            "files",
        ]

    def get_recorded_for(self, batch) -> int | None:
        """The recording project's id, for readers who may see that project."""
        return batch.recorded_for_id if getattr(batch, "recorded_for_visible", False) else None

    def _current(self, batch: Batch, kind: str) -> BatchFile | None:
        return current_batch_files(batch).get(kind)

    def get_certificate_of_conformity_sha256(self, batch) -> str | None:
        current = self._current(batch, BatchFile.Kind.CERTIFICATE_OF_CONFORMITY)
        return current.stored_object.sha256 if current else None

    def get_certificate_of_conformity_download(self, batch) -> str | None:
        return _batch_file_url(batch, BatchFile.Kind.CERTIFICATE_OF_CONFORMITY, self)

    def get_type_test_report_sha256(self, batch) -> str | None:
        current = self._current(batch, BatchFile.Kind.TYPE_TEST_REPORT)
        return current.stored_object.sha256 if current else None

    def get_type_test_report_download(self, batch) -> str | None:
        return _batch_file_url(batch, BatchFile.Kind.TYPE_TEST_REPORT, self)

    @extend_schema_field(BatchFileOutputSerializer(many=True))
    def get_files(self, batch) -> list[dict]:
        current_ids = {v.pk for v in current_batch_files(batch).values()}
        return BatchFileOutputSerializer(
            batch.files.all(), many=True, context={"current_ids": current_ids}
        ).data


def _batch_file_url(batch: Batch, kind: str, serializer) -> str | None:
    """The current version's download: the URL without ``version``."""
    if serializer._current(batch, kind) is None:
        return None
    return reverse("batch-file-download", args=[batch.pk, kind])


class DeliveryOutputSerializer(serializers.ModelSerializer):
    batch_number = serializers.CharField(source="batch.batch_number")
    product = serializers.CharField(source="batch.product")
    category = serializers.CharField(source="batch.category.code")
    manufacturer_name = serializers.CharField(source="batch.manufacturer.name")
    inspected_by_name = serializers.CharField(source="inspected_by.name")
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    used_quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    has_failed_test = serializers.BooleanField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "project",
            "batch",
            "batch_number",
            "product",
            "category",
            "manufacturer_name",
            "supplier",
            "quantity",
            "unit",
            "used_quantity",
            "delivered_on",
            "inspected_by",
            "inspected_by_name",
            "state",
            "has_failed_test",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "removed_on",
        ]


class DeliveryPhotoOutputSerializer(EvidencePhotoOutputMixin, serializers.ModelSerializer):
    """A photo of a delivery's label or delivery note."""

    photo_of = serializers.ChoiceField(source="kind", choices=DeliveryPhoto.Kind.choices)
    download = serializers.SerializerMethodField(help_text=_("the original; see downloads"))

    download_view = "delivery-photo-file"

    class Meta:
        model = DeliveryPhoto
        fields = [
            "id",
            "delivery",
            "photo_of",
            "uploaded_at",
            "download",
            *EvidencePhotoOutputMixin.EVIDENCE_FIELDS,
        ]

    def download_args(self, photo) -> list:
        return [photo.delivery.project_id, photo.delivery_id, photo.pk]

    def get_download(self, photo) -> str:
        return reverse(
            "delivery-photo-download",
            args=[photo.delivery.project_id, photo.delivery_id, photo.pk],
        )


class TestReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    report_number = serializers.CharField()
    result = serializers.CharField()
    tested_on = serializers.DateField()
    sha256 = serializers.CharField(source="stored_object.sha256")
    download = serializers.SerializerMethodField()

    def get_download(self, report) -> str:
        sample = report.sample
        return reverse(
            "sample-report",
            args=[sample.delivery.project_id, sample.delivery_id, sample.pk],
        )


class SampleOutputSerializer(serializers.ModelSerializer):
    sampler_name = serializers.CharField(source="sampler.name")
    witness_name = serializers.CharField(source="witness.name", default=None)
    testing_lab_name = serializers.CharField(source="testing_lab.name")
    report = serializers.SerializerMethodField()

    class Meta:
        model = Sample
        fields = [
            "id",
            "delivery",
            "seal_number",
            "sampling_location",
            "sampled_on",
            "sampler",
            "sampler_name",
            "witness",
            "witness_name",
            "is_witnessed",
            "testing_lab",
            "testing_lab_name",
            "report",
        ]

    def get_report(self, sample) -> dict | None:
        report = getattr(sample, "report", None)
        return TestReportOutputSerializer(report).data if report else None


class UsageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    delivery = serializers.IntegerField(source="delivery_id")
    batch_number = serializers.CharField(source="delivery.batch.batch_number")
    location = serializers.IntegerField(source="location_id")
    location_name = serializers.CharField(source="location.name")
    installer = serializers.IntegerField(source="installer_id")
    installer_name = serializers.CharField(source="installer.name")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField(source="delivery.unit")
    used_on = serializers.DateField()
    acceptance_record = serializers.IntegerField(source="acceptance_record_id", allow_null=True)


class WitnessShareOutputSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_name = serializers.CharField()
    samples = serializers.IntegerField()
    witnessed = serializers.IntegerField()
    witnessed_share = serializers.DecimalField(max_digits=4, decimal_places=3)
    below_required_share = serializers.BooleanField()


class DefectNoticeOutputSerializer(serializers.ModelSerializer):
    manufacturer_name = serializers.CharField(source="manufacturer.name")
    issued_by = serializers.CharField(source="issued_by.username")
    open_actions = serializers.IntegerField(default=None)
    actions_total = serializers.IntegerField(default=None)

    class Meta:
        model = DefectNotice
        fields = [
            "id",
            "manufacturer",
            "manufacturer_name",
            "product",
            "batch_number_from",
            "batch_number_to",
            "source",
            "issued_on",
            "description",
            "issued_by",
            "open_actions",
            "actions_total",
        ]


class LeadSerializer(serializers.Serializer):
    role = serializers.CharField()
    name = serializers.CharField()
    organization = serializers.CharField()


class NoticeHitSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    project = serializers.CharField()
    jurisdiction_code = serializers.CharField()
    delivery_id = serializers.IntegerField()
    batch_number = serializers.CharField()
    delivery_state = serializers.CharField()
    delivered_quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.CharField()
    delivered_on = serializers.DateField()
    accepted_by = serializers.CharField()
    inspected_by = serializers.CharField()
    usage_id = serializers.IntegerField(allow_null=True)
    location = serializers.CharField()
    used_quantity = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    used_on = serializers.DateField(allow_null=True)
    installer = serializers.CharField()
    leads = LeadSerializer(many=True)


class RecallActionOutputSerializer(serializers.ModelSerializer):
    measure = serializers.ChoiceField(source="kind", choices=RecallAction.Kind.choices)
    project_name = serializers.CharField(source="project.name")
    opened_by = serializers.CharField(source="opened_by.username")
    closed_by = serializers.CharField(source="closed_by.username", default=None)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = RecallAction
        fields = [
            "id",
            "notice",
            "project",
            "project_name",
            "measure",
            "description",
            "is_open",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "closing_note",
            "evidence",
        ]

    def get_evidence(self, action) -> list[dict]:
        return [
            {
                "id": evidence.pk,
                "sha256": evidence.stored_object.sha256,
                "name": evidence.stored_object.original_name,
                "download": reverse(
                    "recall-evidence-download",
                    args=[action.notice_id, action.pk, evidence.pk],
                ),
            }
            for evidence in action.evidence.all()
        ]


# --- Input ---


class BatchInputSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=MaterialCategory.objects.all()
    )
    manufacturer = VisibleRelatedField(
        model=Organization, visible_to=access.organizations_visible_to
    )
    product = serializers.CharField(max_length=200)
    model_spec = serializers.CharField(max_length=200)
    batch_number = serializers.CharField(max_length=100)
    production_date = serializers.DateField()
    ccc_certificate_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    project = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_(
            "the project whose records you keep that this batch is recorded for; its site"
            " supervisors and leads may add the batch's files until a delivery is accepted"
        ),
    )


class FileInputSerializer(serializers.Serializer):
    file = serializers.FileField()


class BatchFileInputSerializer(FileInputSerializer):
    document = serializers.ChoiceField(choices=BatchFile.Kind.values)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("why a file already recorded is being corrected; required from version 2"),
    )


class DeliveryInputSerializer(serializers.Serializer):
    batch = VisibleRelatedField(model=Batch, visible_to=materials_access.batches_visible_to)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit = serializers.ChoiceField(choices=Unit.choices)
    delivered_on = serializers.DateField()
    inspected_by = VisibleRelatedField(model=Person, visible_to=access.people_visible_to)
    supplier = VisibleRelatedField(
        model=Organization,
        visible_to=access.organizations_visible_to,
        required=False,
        allow_null=True,
    )


class DeliveryRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    removed_on = serializers.DateField()


class DeliveryPhotoInputSerializer(FileInputSerializer):
    photo_of = serializers.ChoiceField(choices=DeliveryPhoto.Kind.choices)


class SampleInputSerializer(serializers.Serializer):
    seal_number = serializers.CharField(max_length=100)
    sampling_location = serializers.CharField(max_length=200)
    sampled_on = serializers.DateField()
    sampler = VisibleRelatedField(model=Person, visible_to=access.people_visible_to)
    witness = VisibleRelatedField(
        model=Person, visible_to=access.people_visible_to, required=False, allow_null=True
    )
    testing_lab = VisibleRelatedField(
        model=Organization, visible_to=access.organizations_visible_to
    )


class TestReportInputSerializer(FileInputSerializer):
    report_number = serializers.CharField(max_length=100)
    result = serializers.ChoiceField(choices=[("pass", _("pass")), ("fail", _("fail"))])
    tested_on = serializers.DateField()


# Reached through the usage's foreign key, not imported: inspections sits beside materials
# in layer 2, and neither imports the other's code.
_AcceptanceRecord = Usage._meta.get_field("acceptance_record").related_model


def _acceptance_records_visible_to(user):
    return access.project_records_visible_to(user, _AcceptanceRecord.objects.all())


class UsageInputSerializer(serializers.Serializer):
    delivery = VisibleRelatedField(
        model=Delivery, visible_to=materials_access.deliveries_visible_to
    )
    location = VisibleRelatedField(model=Location, visible_to=access.locations_visible_to)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    used_on = serializers.DateField()
    installer = VisibleRelatedField(
        model=Organization,
        visible_to=access.organizations_visible_to,
        required=False,
        allow_null=True,
    )
    acceptance_record = VisibleRelatedField(
        model=_AcceptanceRecord,
        visible_to=_acceptance_records_visible_to,
        required=False,
        allow_null=True,
    )


class UsageAcceptanceInputSerializer(serializers.Serializer):
    acceptance_record = VisibleRelatedField(
        model=_AcceptanceRecord, visible_to=_acceptance_records_visible_to
    )


class DefectNoticeInputSerializer(serializers.Serializer):
    manufacturer = VisibleRelatedField(
        model=Organization, visible_to=access.organizations_visible_to
    )
    product = serializers.CharField(max_length=200)
    batch_number_from = serializers.CharField(max_length=100, required=False, allow_blank=True)
    batch_number_to = serializers.CharField(max_length=100, required=False, allow_blank=True)
    batches = VisibleRelatedField(
        model=Batch, visible_to=materials_access.batches_visible_to, many=True, required=False
    )
    source = serializers.CharField(max_length=300)
    issued_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True)


class RecallActionInputSerializer(serializers.Serializer):
    project = VisibleRelatedField(model=Project, visible_to=access.projects_visible_to)
    measure = serializers.ChoiceField(choices=RecallAction.Kind.choices)
    description = serializers.CharField(required=False, allow_blank=True)


class RecallActionCloseInputSerializer(serializers.Serializer):
    note = serializers.CharField()
