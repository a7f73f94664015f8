from django.contrib import admin

from ledger.models import Checkpoint, Cosignature, LedgerEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is written only by services; the admin shows it and nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["index", "action", "record_type", "record_id", "actor", "recorded_at"]
    list_filter = ["action", "record_type"]
    search_fields = ["=record_id", "=index", "content_hash", "actor"]
    show_full_result_count = False


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["tree_size", "root_hash", "signed_at", "key_id"]
    readonly_fields = ["body"]


@admin.register(Cosignature)
class CosignatureAdmin(ReadOnlyAdmin):
    """Which witnesses co-signed which checkpoints: a checkpoint without its usual witnesses
    is worth a look (``ledger_checkpoint`` logs each refusal as an error)."""

    list_display = ["checkpoint", "witness", "cosigned_at"]
    list_filter = ["witness"]
    list_select_related = ["checkpoint"]
