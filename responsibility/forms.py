"""Forms of the defect case pages: they parse and render; ``responsibility.defects`` decides.
The unit work and location selects are filled by the view with the project's own."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from materials.forms import DATE, MultipleFileField, camera_field
from responsibility.models import DefectCase

INDENT = "\u00a0\u00a0\u00a0"


class DefectCaseForm(forms.Form):
    """A new case: where, when, what, and its photos (one taken now, or several chosen).

    The unit work and location are ids, checked by ``defects.defect_case_place`` as the
    API checks them, so a page and the API refuse the same things in the same words."""

    unit_work = forms.IntegerField(label=_("Unit work"), widget=forms.Select)
    location = forms.IntegerField(
        label=_("Location where the defect was found"), widget=forms.Select
    )
    discovered_on = forms.DateField(label=_("Date found"), widget=DATE)
    category = forms.ChoiceField(label=_("Category"), choices=DefectCase.Category.choices)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=DefectCase.Trigger.choices)
    description = forms.CharField(
        label=pgettext_lazy("defect case", "Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photo_taken = camera_field(_("Take a photo"))
    photos_chosen = MultipleFileField(label=_("Or choose photos"))

    def __init__(self, *args, unit_works, locations, **kwargs):
        """``unit_works``: the project's; ``locations``: (unit work, [(location, depth)])."""
        super().__init__(*args, **kwargs)
        self.fields["unit_work"].widget.choices = [("", "—")] + [(u.pk, u.name) for u in unit_works]
        self.fields["location"].widget.choices = [("", "—")] + [
            (unit_work.name, [(loc.pk, INDENT * depth + loc.name) for loc, depth in tree])
            for unit_work, tree in locations
        ]

    def photos(self) -> list[tuple[str, object]]:
        """(field name, file) of every photo sent, the camera's first."""
        taken = self.cleaned_data.get("photo_taken")
        chosen = self.cleaned_data.get("photos_chosen") or []
        return ([("photo_taken", taken)] if taken else []) + [("photos_chosen", f) for f in chosen]


class DefectCaseCloseForm(forms.Form):
    # Not required here: the service says what is missing, in its own words.
    reason = forms.CharField(
        label=_("Why the case is closed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
