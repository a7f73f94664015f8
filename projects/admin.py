"""Admin for operators. Writes go through the same services as the API (and so into the
ledger); what has no service here is read-only. Nothing is deleted from the archive, and
personal data is shown masked only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects import pii, services
from projects.access import PERSON_IDENTITY_FIELDS
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
    RegulatorAccount,
    UnitWork,
)
from projects.validators import validate_id_number


class ArchiveAdmin(admin.ModelAdmin):
    """Adds and changes call ``create_service`` / ``update_service``; nothing is deleted."""

    create_service = None
    update_service = None
    update_argument = ""

    def has_add_permission(self, request):
        return self.create_service is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        # Without an update service the change view still opens, read-only.
        if self.update_service is None:
            return False
        return super().has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and request.user.is_active

    def has_delete_permission(self, request, obj=None):
        return False

    def service_fields(self, form, names) -> dict:
        return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}

    def save_model(self, request, obj, form, change):
        if change:
            changes = self.service_fields(form, form.changed_data)
            self.update_service(**{self.update_argument: obj}, actor=request.user, **changes)
        else:
            created = self.create_service(
                actor=request.user, **self.service_fields(form, form.cleaned_data)
            )
            # The admin goes on with its own instance (messages, log, redirect).
            obj.__dict__.update(created.__dict__)


@admin.register(Organization)
class OrganizationAdmin(ArchiveAdmin):
    create_service = staticmethod(services.organization_create)
    update_service = staticmethod(services.organization_update)
    update_argument = "organization"
    list_display = ["name", "credit_code", "qualification", "legal_representative"]
    search_fields = ["name", "credit_code"]
    fields = [
        "name",
        "credit_code",
        "qualification",
        "qualification_cert_no",
        "legal_representative",
        "address",
    ]
    autocomplete_fields = ["legal_representative"]


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("resident ID number"),
        required=False,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the current one."),
    )
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the current one."),
    )
    reason = forms.CharField(
        label=_("reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when the name, ID number, employer, qualification or certificate changes;"
            " kept in the audit log."
        ),
    )

    class Meta:
        model = Person
        fields = ["name", "organization", "practice_qualification", "practice_cert_no", "user"]

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            if self.instance.pk is None:
                raise ValidationError(_("A new person needs their resident ID number."))
            return None
        number = validate_id_number(value)
        duplicate = Person.objects.filter(id_number_index=pii.blind_index(number))
        if duplicate.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A person with this ID number is already registered."))
        return number

    def clean_phone(self):
        return self.cleaned_data["phone"] or None

    def clean(self):
        cleaned = super().clean()
        identity = [f for f in PERSON_IDENTITY_FIELDS if f in self.changed_data]
        if self.instance.pk and identity and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Say why the person's identity changes; the reason is kept in the audit log."),
            )
        return cleaned


@admin.register(Person)
class PersonAdmin(ArchiveAdmin):
    form = PersonForm
    create_service = staticmethod(services.person_create)
    update_service = staticmethod(services.person_update)
    update_argument = "person"
    list_display = [
        "name",
        "id_number_masked",
        "phone_masked",
        "organization",
        "practice_qualification",
    ]
    list_filter = ["practice_qualification"]
    list_select_related = ["organization"]
    search_fields = ["name", "practice_cert_no"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    autocomplete_fields = ["organization", "user"]

    def get_fields(self, request, obj=None):
        fields = ["name", "id_number", "phone", "organization"]
        fields += ["practice_qualification", "practice_cert_no", "user"]
        if obj:
            return ["id_number_masked", "phone_masked", *fields, "reason"]
        return fields

    def service_fields(self, form, names) -> dict:
        fields = super().service_fields(form, names)
        if form.instance.pk is None:
            fields.pop("reason", None)
        if fields.get("id_number") is None:
            fields.pop("id_number", None)
        if fields.get("phone") is None:
            fields.pop("phone", None)
        return fields

    def get_search_results(self, request, queryset, search_term):
        """A full ID number finds its person through the blind index."""
        results, distinct = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().upper()
        if len(term) == 18:
            results |= queryset.filter(id_number_index=pii.blind_index(term))
        return results, distinct


@admin.action(description=_("Advance to the next stage"))
def advance_stage(modeladmin, request, queryset):
    advanced = 0
    for project in queryset:
        if project.next_stage is None:
            continue
        try:
            services.project_stage_advance(
                project=project, to_stage=project.next_stage, actor=request.user
            )
        except ValidationError as error:
            modeladmin.message_user(
                request, f"{project}: {' '.join(error.messages)}", level=messages.ERROR
            )
        else:
            advanced += 1
    if advanced:
        modeladmin.message_user(
            request,
            ngettext("%(count)d project advanced.", "%(count)d projects advanced.", advanced)
            % {"count": advanced},
        )


@admin.register(Project)
class ProjectAdmin(ArchiveAdmin):
    create_service = staticmethod(services.project_create)
    update_service = staticmethod(services.project_update)
    update_argument = "project"
    list_display = ["name", "jurisdiction_code", "stage", "permit_number", "created_at"]
    list_filter = ["stage"]
    search_fields = ["name", "permit_number", "supervision_number", "jurisdiction_code"]
    fields = [
        "name",
        "address",
        "permit_number",
        "supervision_number",
        "jurisdiction_code",
        "site_latitude",
        "site_longitude",
        "stage",
    ]
    readonly_fields = ["stage"]
    actions = [advance_stage]


@admin.register(Membership)
class MembershipAdmin(ArchiveAdmin):
    create_service = staticmethod(services.membership_create)
    list_display = ["user", "project", "role", "organization"]
    list_filter = ["role"]
    list_select_related = ["user", "project", "organization"]
    search_fields = ["user__username", "project__name"]
    fields = ["user", "project", "role", "organization"]
    autocomplete_fields = ["user", "project", "organization"]


@admin.register(RegulatorAccount)
class RegulatorAccountAdmin(ArchiveAdmin):
    create_service = staticmethod(services.regulator_account_create)
    list_display = ["agency", "jurisdiction_code", "user"]
    list_select_related = ["user"]
    search_fields = ["agency", "jurisdiction_code", "user__username"]
    fields = ["user", "agency", "jurisdiction_code"]
    autocomplete_fields = ["user"]


@admin.register(LeadTenure)
class LeadTenureAdmin(ArchiveAdmin):
    """Read-only: leads are opened and replaced through the API, never edited or deleted."""

    list_display = ["project", "role", "person", "start_date", "end_date", "end_reason"]
    list_filter = ["role"]
    list_select_related = ["project", "person"]
    search_fields = ["project__name", "person__name"]


@admin.register(Participation)
class ParticipationAdmin(ArchiveAdmin):
    list_display = ["project", "role", "organization"]
    list_filter = ["role"]
    list_select_related = ["project", "organization"]
    search_fields = ["project__name", "organization__name"]


@admin.register(UnitWork)
class UnitWorkAdmin(ArchiveAdmin):
    list_display = [
        "name",
        "project",
        "structure_type",
        "floors_above",
        "design_service_life_years",
        "completion_date",
    ]
    list_select_related = ["project"]
    search_fields = ["name", "project__name"]


@admin.register(Location)
class LocationAdmin(ArchiveAdmin):
    list_display = ["name", "kind", "parent", "unit_work"]
    list_filter = ["kind"]
    list_select_related = ["parent", "unit_work"]
    search_fields = ["name", "unit_work__name"]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(ArchiveAdmin):
    list_display = ["title", "project", "kind", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["project", "uploaded_by"]
    search_fields = ["title", "project__name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ArchiveAdmin):
    """Read-only: the audit log is written by the reads it records, never by hand."""

    list_display = ["at", "actor", "action", "outcome", "subject", "project", "reason"]
    list_filter = ["action", "outcome"]
    search_fields = ["subject", "reason", "actor__username"]
    date_hierarchy = "at"
