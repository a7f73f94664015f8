from __future__ import annotations

from rest_framework import serializers

from projects.models import Role
from responsibility.models import (
    DefectCase,
    PlaqueInstallationPhoto,
    ResponsibilityDocument,
    SigningEvidence,
)
from storage.serializers import EvidencePhotoOutputMixin


class DocumentPrepareInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    # Plain text, not an enum: "kind" is taken in the schema by projects' document kinds.
    kind = serializers.CharField(help_text="letter or pledge")
    organization = serializers.IntegerField(required=False)


class DocumentUpdateInputSerializer(serializers.Serializer):
    """A letter or pledge is never edited: ``services.document_update`` refuses every change
    and says what to do instead. Only the field a person would try to edit is read."""

    text = serializers.CharField(
        required=False,
        help_text="always refused: the text comes from the template and the project's records",
    )


class ReauthenticateInputSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False)


class DocumentSignInputSerializer(serializers.Serializer):
    consent = serializers.BooleanField(default=False)
    signature_image = serializers.FileField(required=False, allow_empty_file=True)


class EvidenceOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SigningEvidence
        fields = [
            "signed_at",
            "ip_address",
            "user_agent",
            "auth_method",
            "reauthenticated_at",
            "document_sha256",
        ]


class DocumentOutputSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="letter or pledge")
    role = serializers.CharField(source="participation.role")
    organization = serializers.CharField(source="participation.organization.name")
    # As the text names them, not as the person rows say today.
    lead = serializers.CharField(source="lead_tenure.person_as_recorded.name")
    signer_name = serializers.CharField(source="signer_as_recorded.name")
    template_version = serializers.IntegerField(source="template.version")
    pdf_sha256 = serializers.CharField(source="pdf.sha256", default=None)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ResponsibilityDocument
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "role",
            "organization",
            "lead",
            "lead_tenure",
            "signer",
            "signer_name",
            "template_version",
            "text",
            "text_sha256",
            "supersedes",
            "signed_at",
            "pdf_sha256",
            "evidence",
            "created_at",
        ]

    def get_evidence(self, document) -> dict | None:
        evidence = getattr(document, "evidence", None) if document.is_signed else None
        return EvidenceOutputSerializer(evidence).data if evidence else None


class VerifyInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class LeadChangeOutputSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="tenure.project_id")
    project_name = serializers.CharField(source="tenure.project.name")
    role = serializers.CharField(source="tenure.role")
    organization = serializers.CharField(source="tenure.participation.organization.name")
    previous_lead = serializers.CharField(source="tenure.predecessor.person_as_recorded.name")
    new_lead = serializers.CharField(source="tenure.person_as_recorded.name")
    effective_date = serializers.DateField(source="tenure.start_date")
    reason = serializers.CharField(source="tenure.predecessor.end_reason")
    due = serializers.DateField()
    letter_signed = serializers.BooleanField()
    pledge_signed = serializers.BooleanField()
    overdue = serializers.BooleanField()


class PlaqueInstallationPhotoOutputSerializer(
    EvidencePhotoOutputMixin, serializers.ModelSerializer
):
    """A photo of the installed plaque."""

    download_view = "plaque-installation-photo-file"

    class Meta:
        model = PlaqueInstallationPhoto
        fields = ["id", *EvidencePhotoOutputMixin.EVIDENCE_FIELDS]

    def download_args(self, photo) -> list:
        unit_work = photo.installation.plaque.unit_work
        return [unit_work.project_id, unit_work.pk, photo.pk]


class PlaqueInstallationOutputSerializer(serializers.Serializer):
    installed_on = serializers.DateField()
    position = serializers.CharField()
    material = serializers.CharField()
    installed_by = serializers.CharField()
    photos = PlaqueInstallationPhotoOutputSerializer(many=True)


class PlaqueInstallationInputSerializer(serializers.Serializer):
    installed_on = serializers.DateField()
    position = serializers.CharField(max_length=200)
    material = serializers.CharField(max_length=100)
    installed_by = serializers.CharField(max_length=200)
    photos = serializers.ListField(child=serializers.FileField(), allow_empty=True, required=False)


class PlaqueOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    content = serializers.JSONField()
    frozen_at = serializers.DateTimeField()
    width_mm = serializers.IntegerField()
    height_mm = serializers.IntegerField()
    public_url = serializers.CharField()
    install_due = serializers.DateField()
    late = serializers.BooleanField()
    installations = PlaqueInstallationOutputSerializer(many=True)


# --- Defect cases and trace ---


class DefectCaseInputSerializer(serializers.Serializer):
    unit_work = serializers.IntegerField()
    location = serializers.IntegerField()
    discovered_on = serializers.DateField()
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=DefectCase.Category.choices)
    trigger = serializers.ChoiceField(choices=DefectCase.Trigger.choices)


class DefectCaseCloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class DefectCasePhotoInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DefectCaseOutputSerializer(serializers.ModelSerializer):
    # Plain text, not enums: "state" names several choice sets across the schema.
    state = serializers.CharField(help_text="open or closed")
    category = serializers.CharField(help_text="see the input's category")
    trigger = serializers.CharField(help_text="see the input's trigger")
    category_display = serializers.CharField(source="get_category_display")
    trigger_display = serializers.CharField(source="get_trigger_display")
    unit_work_name = serializers.CharField(source="unit_work.name")
    location_name = serializers.CharField(source="location.name")
    opened_by = serializers.CharField(source="opened_by.username")
    closed_by = serializers.CharField(source="closed_by.username", default=None)
    responsibility_ends = serializers.DateField(source="unit_work.responsibility_ends")
    held_files = serializers.SerializerMethodField()

    class Meta:
        model = DefectCase
        fields = [
            "id",
            "number",
            "project",
            "unit_work",
            "unit_work_name",
            "location",
            "location_name",
            "discovered_on",
            "description",
            "category",
            "category_display",
            "trigger",
            "trigger_display",
            "state",
            "responsibility_ends",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "close_reason",
            "held_files",
        ]

    def get_held_files(self, case) -> int:
        """How many archived files this case holds (legal hold) now."""
        held = getattr(case, "held_files", None)
        if held is not None:
            return held
        return case.holds.filter(released_at__isnull=True).count()


class TraceOutputSerializer(serializers.Serializer):
    """The trace (see ``responsibility.trace_json``). Every item has ``ledger``: its newest ledger
    entry (``index``, ``action``, ``leaf_hash``) and ``inclusion_proof`` (hex hashes, RFC
    9162) against ``checkpoint``; every file has ``sha256`` and ``url``, a link that checks
    the caller's access before it redirects to the object store."""

    answer = serializers.DictField(
        help_text="who answers for it, first: the five roles' leads in office at the dates of"
        " the work with their signed pledges, who installed each material and accepted it on"
        " delivery, and the supervisors who accepted the work at the location"
    )
    case = serializers.DictField()
    project = serializers.DictField()
    unit_work = serializers.DictField()
    location_path = serializers.ListField(child=serializers.DictField())
    locations_below = serializers.IntegerField()
    work_period = serializers.DictField()
    acceptance_records = serializers.ListField(child=serializers.DictField())
    material_usages = serializers.ListField(child=serializers.DictField())
    roles = serializers.ListField(
        child=serializers.DictField(),
        help_text="per role: the leads in office while the work was done and accepted, and"
        " the full tenure history",
    )
    letters_and_pledges = serializers.ListField(child=serializers.DictField())
    checkpoint = serializers.DictField(
        help_text="the signed checkpoint (tree size, root hash, signature) every proof is against"
    )


class OversightItemSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    project_name = serializers.CharField()
    what = serializers.CharField()
    since = serializers.DateField(allow_null=True)


class OversightSerializer(serializers.Serializer):
    projects = serializers.IntegerField(help_text="projects in the jurisdiction")
    missing_documents = OversightItemSerializer(many=True)
    overdue_lead_changes = OversightItemSerializer(many=True)
    plaques = OversightItemSerializer(many=True)
    failed_samples = OversightItemSerializer(many=True)
    open_recalls = OversightItemSerializer(many=True)
    returned_records = OversightItemSerializer(many=True)
