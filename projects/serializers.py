"""Translation between JSON and the services' arguments; no business rules here.

Personal data goes out masked only: no output serializer has a field for a plain ID number
or phone, and input serializers are never used for output.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken
from rest_framework import serializers

from projects import access
from projects.models import (
    AuditEvent,
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    ProjectDocument,
    Role,
    UnitWork,
)

# --- Ids in request bodies ---


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, resolved through the caller's visibility rule (the same
    ``*_visible_to(user)`` as the detail endpoint): an id the caller cannot see gets the same
    answer as one that does not exist, and no answer names what an id points at.

    The request must be in the serializer's context (``ApiView.input`` puts it there); without
    it the field refuses to resolve anything rather than fall back to every row.
    """

    default_error_messages = {
        "does_not_exist": _(
            "There is no record with id {pk_value}, or you do not have access to it. Check the id."
        ),
    }

    def __init__(self, *, model, visible_to, **kwargs):
        self.visible_to = visible_to
        # Only the schema reads this queryset (for the id's type); lookups use get_queryset.
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            raise RuntimeError("VisibleRelatedField needs the request in the serializer context")
        return self.visible_to(request.user)


# --- Organizations ---


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "credit_code"]


class OrganizationOutputSerializer(serializers.ModelSerializer):
    legal_representative = PersonRefSerializer(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "credit_code",
            "qualification",
            "qualification_cert_no",
            "legal_representative",
            "address",
            "created_at",
        ]


class OrganizationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=40)
    qualification = serializers.CharField(required=False, allow_blank=True)
    qualification_cert_no = serializers.CharField(max_length=100, required=False, allow_blank=True)
    legal_representative = VisibleRelatedField(
        model=Person, visible_to=access.people_visible_to, required=False, allow_null=True
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- People ---


class PersonOutputSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number_masked",
            "phone_masked",
            "organization",
            "practice_qualification",
            "practice_cert_no",
            "user",
            "created_at",
        ]


class PersonInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=40, write_only=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, write_only=True)
    organization = VisibleRelatedField(
        model=Organization,
        visible_to=access.organizations_visible_to,
        required=False,
        allow_null=True,
    )
    practice_qualification = serializers.ChoiceField(
        choices=Person.PracticeQualification.choices, required=False
    )
    practice_cert_no = serializers.CharField(max_length=100, required=False, allow_blank=True)


class PersonUpdateInputSerializer(PersonInputSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="why the name, ID number, employer or qualification changes (operators)",
    )


# --- Projects ---


class ProjectOutputSerializer(serializers.ModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "address",
            "permit_number",
            "supervision_number",
            "jurisdiction_code",
            "site_latitude",
            "site_longitude",
            "stage",
            "stage_display",
            "created_at",
        ]


class ProjectInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    jurisdiction_code = serializers.CharField(max_length=6)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    permit_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    supervision_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    site_latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    site_longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )


class StageAdvanceInputSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Project.Stage.choices)


class SupervisionGapsOutputSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    gaps = serializers.ListField(child=serializers.CharField())


# --- Unit works and locations ---


class UnitWorkOutputSerializer(serializers.ModelSerializer):
    responsibility_ends = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = UnitWork
        fields = [
            "id",
            "project",
            "name",
            "structure_type",
            "floors_above",
            "floors_below",
            "gross_area",
            "design_service_life_years",
            "start_date",
            "completion_date",
            "responsibility_ends",
            "created_at",
        ]


class UnitWorkInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    structure_type = serializers.ChoiceField(choices=UnitWork.StructureType.choices)
    floors_above = serializers.IntegerField(min_value=0, max_value=300)
    floors_below = serializers.IntegerField(min_value=0, max_value=50, required=False)
    gross_area = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    design_service_life_years = serializers.IntegerField(min_value=1, max_value=300)
    start_date = serializers.DateField(required=False, allow_null=True)
    completion_date = serializers.DateField(required=False, allow_null=True)


class LocationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "unit_work", "parent", "kind", "name", "created_at"]


class LocationInputSerializer(serializers.Serializer):
    parent = VisibleRelatedField(
        model=Location, visible_to=access.locations_visible_to, required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=Location.Kind.choices)
    name = serializers.CharField(max_length=100)


class LocationTreeNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField())


# --- Participations, leads, memberships ---


class ParticipationOutputSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Participation
        fields = ["id", "project", "organization", "role", "created_at"]


class ParticipationInputSerializer(serializers.Serializer):
    organization = VisibleRelatedField(
        model=Organization, visible_to=access.organizations_visible_to
    )
    role = serializers.ChoiceField(choices=Role.choices)


class PersonMaskedRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "id_number_masked", "practice_qualification", "practice_cert_no"]


class PersonAsRecordedSerializer(serializers.Serializer):
    """A person as a record froze them (``identity_snapshot``): later corrections to the
    person do not change what a tenure, a sign-off or a signed document showed."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    practice_qualification = serializers.CharField()
    practice_cert_no = serializers.CharField()
    organization = OrganizationRefSerializer(allow_null=True)


class LeadTenureOutputSerializer(serializers.ModelSerializer):
    person = PersonAsRecordedSerializer(source="person_as_recorded", read_only=True)
    organization = OrganizationRefSerializer(source="participation.organization", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = LeadTenure
        fields = [
            "id",
            "project",
            "role",
            "participation",
            "organization",
            "person",
            "start_date",
            "end_date",
            "end_reason",
            "successor",
            "is_open",
            "created_at",
        ]


class LeadTenureInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    person = VisibleRelatedField(model=Person, visible_to=access.people_visible_to)
    start_date = serializers.DateField()
    participation = VisibleRelatedField(
        model=Participation,
        visible_to=access.participations_visible_to,
        required=False,
        allow_null=True,
    )


class LeadTenureReplaceInputSerializer(serializers.Serializer):
    person = VisibleRelatedField(model=Person, visible_to=access.people_visible_to)
    effective_date = serializers.DateField()
    reason = serializers.CharField()


class MembershipOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "organization", "role", "created_at"]


class MembershipInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    organization = VisibleRelatedField(
        model=Organization,
        visible_to=access.organizations_visible_to,
        required=False,
        allow_null=True,
    )


# --- Documents ---


class ProjectDocumentOutputSerializer(serializers.ModelSerializer):
    sha256 = serializers.CharField(source="stored_object.sha256", read_only=True)
    size = serializers.IntegerField(source="stored_object.size", read_only=True)
    content_type = serializers.CharField(source="stored_object.content_type", read_only=True)
    original_name = serializers.CharField(source="stored_object.original_name", read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = ProjectDocument
        fields = [
            "id",
            "project",
            "title",
            "kind",
            "sha256",
            "size",
            "content_type",
            "original_name",
            "uploaded_by",
            "uploaded_at",
        ]


class ProjectDocumentInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProjectDocument.Kind.choices)
    file = serializers.FileField()
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        error_messages={"invalid": _("A SHA-256 is 64 hexadecimal characters.")},
    )


# --- Who am I ---


class MeMembershipSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["project", "project_name", "role"]


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    person = PersonMaskedRefSerializer(allow_null=True)
    regulator = serializers.DictField(allow_null=True)
    memberships = MeMembershipSerializer(many=True)
    roles = serializers.ListField(child=serializers.CharField())


# --- Audited reveal and the audit log ---


class RevealInputSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone"])
    reason = serializers.CharField(max_length=1000)


class RevealOutputSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    field = serializers.CharField()
    value = serializers.CharField()
    audit_event = serializers.IntegerField()


class AuditEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default="")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "subject_type",
            "subject_id",
            "subject",
            "project",
            "reason",
            "changes",
            "outcome",
            "outcome_detail",
            "remote_address",
        ]


# --- Sign-in (API tokens) ---


class AuthTokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class AuthTokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="After this the token is refused (401).")


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    key = serializers.CharField(
        source="token_key", help_text="The token's first characters, which name it."
    )
    current = serializers.SerializerMethodField(help_text="The token this request came with.")

    class Meta:
        model = AuthToken
        fields = ["key", "created", "expiry", "current"]

    def get_current(self, token) -> bool:
        return token.pk == self.context.get("current_digest")
