"""Operators edit the catalogue here; every other record is written through the API's
services, so the admin shows them read-only."""

from django.contrib import admin

from materials import models, services


@admin.register(models.MaterialCategory)
class MaterialCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "witness_sampling_required", "structural"]
    list_filter = ["structural", "witness_sampling_required"]

    def save_model(self, request, obj, form, change):
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            services.material_category_update(
                category=models.MaterialCategory.objects.get(pk=obj.pk),
                actor=request.user,
                **changes,
            )
        else:
            services.material_category_create(category=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["batch_number", "product", "manufacturer", "category", "production_date"]
    list_filter = ["category"]
    search_fields = ["batch_number", "product"]


@admin.register(models.BatchFile)
class BatchFileAdmin(ReadOnlyAdmin):
    list_display = ["batch", "kind", "version", "recorded_by", "recorded_at"]
    list_filter = ["kind"]
    list_select_related = ["batch", "recorded_by"]


@admin.register(models.Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "project", "batch", "quantity", "unit", "delivered_on", "state"]
    list_filter = ["state"]
    list_select_related = ["project", "batch"]


@admin.register(models.DefectNotice)
class DefectNoticeAdmin(ReadOnlyAdmin):
    list_display = ["manufacturer", "product", "batch_number_from", "batch_number_to", "issued_on"]


@admin.register(models.RecallAction)
class RecallActionAdmin(ReadOnlyAdmin):
    list_display = ["notice", "project", "kind", "closed_at"]
