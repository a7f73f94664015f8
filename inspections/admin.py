from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff


class AcceptanceRecordAdminForm(forms.ModelForm):
    class Meta:
        model = AcceptanceRecord
        fields = ["title", "date", "result", "remarks", "division_kind"]

    def clean(self):
        if self.instance.pk and self.instance.is_accepted:
            raise forms.ValidationError(
                _(
                    "This record has been accepted and can no longer be changed. Record a"
                    " correction as a new acceptance record instead."
                )
            )
        return super().clean()


@admin.register(AcceptanceRecord)
class AcceptanceRecordAdmin(admin.ModelAdmin):
    form = AcceptanceRecordAdminForm
    list_display = ["title", "level", "project", "unit_work", "date", "state", "round"]
    list_filter = ["level", "state"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        # Records are created through the API, which checks the GB 50300 structure.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from inspections.services import record_update

        record_update(
            record=obj, actor=request.user, **{f: form.cleaned_data[f] for f in form.changed_data}
        )


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["record", "round", "capacity", "person", "signed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AcceptanceRound)
class AcceptanceRoundAdmin(SignOffAdmin):
    list_display = ["record", "number", "outcome", "submitted_at", "decided_at"]


@admin.register(Photo)
class PhotoAdmin(SignOffAdmin):
    list_display = ["__str__", "project", "captured_at", "received_at", "flags"]
