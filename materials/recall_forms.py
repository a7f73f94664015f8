"""Forms of the recall pages: they parse and render; the services decide. The manufacturer
is named by its credit code and single batches by their numbers, as printed on a
bulletin; the view resolves them with the selectors (only what the user may see)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from materials.forms import DATE, DOCUMENT_TYPES
from materials.models import Delivery, RecallAction
from projects.validators import validate_credit_code

SEPARATORS = re.compile(r"[\s,，、;；]+")


class NoticeForm(forms.Form):
    manufacturer_code = forms.CharField(
        label=_("Manufacturer's unified social credit code"),
        max_length=40,
        help_text=_("18 characters, as printed in the bulletin or on the certificate."),
    )
    product = forms.CharField(
        label=_("Product"),
        max_length=200,
        help_text=_("As the batches are recorded, e.g. 聚氯乙烯绝缘电缆."),
    )
    batch_number_from = forms.CharField(
        label=_("First batch number of the range"), max_length=100, required=False
    )
    batch_number_to = forms.CharField(
        label=_("Last batch number of the range"), max_length=100, required=False
    )
    batch_numbers = forms.CharField(
        label=_("Or single batch numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas. A range, a list, or both."),
    )
    source = forms.CharField(
        label=_("Source bulletin"),
        max_length=300,
        help_text=_("e.g. a provincial spot-check bulletin, with its number."),
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    description = forms.CharField(
        label=_("Defect"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, maker_by_code, batches_by_number, **kwargs):
        super().__init__(*args, **kwargs)
        self.maker_by_code = maker_by_code
        self.batches_by_number = batches_by_number

    def clean_manufacturer_code(self):
        code = validate_credit_code(self.cleaned_data["manufacturer_code"])
        maker = self.maker_by_code(code)
        if maker is None:
            raise ValidationError(
                _(
                    "No organization with this credit code is registered in the archive;"
                    " check it against the bulletin, or ask an archive operator to register"
                    " the manufacturer."
                )
            )
        self.cleaned_data["manufacturer"] = maker
        return code

    def clean(self):
        data = super().clean()
        numbers = list(
            dict.fromkeys(n for n in SEPARATORS.split(data.get("batch_numbers", "")) if n)
        )
        data["batches"] = []
        maker, product = data.get("manufacturer"), data.get("product")
        if numbers and maker is not None and product:
            found = self.batches_by_number(maker, product.strip(), numbers)
            missing = [n for n in numbers if n not in found]
            if missing:
                self.add_error(
                    "batch_numbers",
                    ngettext(
                        "No batch %(numbers)s of this manufacturer's %(product)s is recorded"
                        " in the archive; check the number against the bulletin.",
                        "No batches %(numbers)s of this manufacturer's %(product)s are recorded"
                        " in the archive; check the numbers against the bulletin.",
                        len(missing),
                    )
                    % {"numbers": "、".join(missing), "product": product.strip()},
                )
            data["batches"] = [found[n] for n in numbers if n in found]
        return data


class HitFilterForm(forms.Form):
    """The recall page's filters; the view fills the districts the hits touch. Projects are
    found by name: a notice over a common product touches a thousand of them, too many for a
    list to pick from."""

    STATES = [("", _("all"))] + list(Delivery.State.choices)

    project = forms.CharField(label=_("Project name contains"), max_length=100, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    state = forms.ChoiceField(label=_("Delivery state"), choices=STATES, required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("all districts"))] + [(d, d) for d in districts]


class ActionOpenForm(forms.Form):
    project = forms.TypedChoiceField(label=_("Project"), coerce=int)
    measure = forms.ChoiceField(label=_("Measure"), choices=RecallAction.Kind.choices)
    description = forms.CharField(
        label=_("What will be done"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file (PDF or photo)"),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("How was the action completed?"),
        required=False,  # the service says what is missing, after the evidence
        widget=forms.Textarea(attrs={"rows": 3}),
    )
