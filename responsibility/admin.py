from django.contrib import admin

from responsibility.models import (
    DefectCase,
    DefectCaseHold,
    DocumentTemplate,
    ResponsibilityDocument,
    SigningEvidence,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is written by the services only; the admin shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "title", "created_at"]


@admin.register(ResponsibilityDocument)
class ResponsibilityDocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "project", "participation", "signer", "status", "signed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "project__name", "signer__name"]


@admin.register(SigningEvidence)
class SigningEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["document", "person", "user", "signed_at", "ip_address", "auth_method"]


@admin.register(DefectCase)
class DefectCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "project", "unit_work", "location", "discovered_on", "state"]
    list_filter = ["state", "category", "trigger"]
    search_fields = ["number", "project__name", "description"]


@admin.register(DefectCaseHold)
class DefectCaseHoldAdmin(ReadOnlyAdmin):
    list_display = ["case", "stored_object", "held_at", "released_at"]
    search_fields = ["case__number", "stored_object__sha256"]
