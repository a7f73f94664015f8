from django.contrib import admin

from storage.models import StoredObject


@admin.register(StoredObject)
class StoredObjectAdmin(admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
