from django.contrib import admin

from storage.models import FixityFinding, FixityRun, StoredObject


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FixityRun)
class FixityRunAdmin(ReadOnlyAdmin):
    """Written by ``manage.py audit_fixity`` only."""

    list_display = ["started_at", "state", "checked", "intact", "problems", "finished_at"]
    list_filter = ["state"]


@admin.register(FixityFinding)
class FixityFindingAdmin(ReadOnlyAdmin):
    list_display = ["found_at", "kind", "stored_object", "run"]
    list_filter = ["kind"]
    list_select_related = ["stored_object", "run"]


@admin.register(StoredObject)
class StoredObjectAdmin(ReadOnlyAdmin):
    """Read-only: stored objects change only through storage.services, with a ledger entry."""

    list_display = [
        "original_name",
        "content_type",
        "size",
        "bucket",
        "retention_until",
        "legal_hold",
        "stored_at",
    ]
    list_filter = ["bucket", "content_type", "legal_hold"]
    search_fields = ["sha256", "original_name"]
    date_hierarchy = "stored_at"
    list_select_related = ["stored_by"]
