"""The capture page's form: one form for every kind of item, whose fields the page's script
reads into the queue (it is never posted: the queue sends each item to the capture API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capture.models import DeviceClaim
from materials.models import DeliveryPhoto, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(rows, label=str):
    return [("", "—")] + [(row.pk, label(row)) for row in rows]


class CaptureForm(forms.Form):
    kind = forms.ChoiceField(label=_("What are you recording?"), choices=DeviceClaim.Kind.choices)
    record = forms.ChoiceField(label=_("Acceptance record"), required=False)
    delivery = forms.ChoiceField(label=_("Delivery"), required=False)
    case = forms.ChoiceField(label=_("Defect case"), required=False)
    photo_of = forms.ChoiceField(
        label=_("The photos show"), choices=DeliveryPhoto.Kind.choices, required=False
    )
    batch = forms.ChoiceField(label=_("Batch"), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), required=False, min_value=0)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, required=False)
    delivered_on = forms.DateField(label=_("Delivered on"), required=False, widget=DATE)
    inspected_by = forms.ChoiceField(label=_("Inspected by (contractor)"), required=False)
    seal_number = forms.CharField(label=_("Seal number"), max_length=100, required=False)
    sampling_location = forms.CharField(
        label=_("Where it was taken"), max_length=200, required=False
    )
    sampled_on = forms.DateField(label=_("Sampling date"), required=False, widget=DATE)
    sampler = forms.ChoiceField(label=_("Sampler (contractor)"), required=False)
    witness = forms.ChoiceField(label=_("Witness"), required=False)
    testing_lab = forms.ChoiceField(label=_("Testing lab"), required=False)
    note = forms.CharField(
        label=_("Self-check note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    caption = forms.CharField(
        label=pgettext_lazy("photo", "Caption"), max_length=300, required=False
    )
    position = forms.BooleanField(
        label=_("Record my position with each item"), required=False, initial=False
    )

    def __init__(self, *args, records, deliveries, cases, batches, staff, witnesses, labs, **kw):
        super().__init__(*args, **kw)
        self.fields["record"].choices = _choices(
            records, lambda r: f"{r.title} · {r.get_state_display()}"
        )
        self.fields["delivery"].choices = _choices(
            deliveries, lambda d: f"{d.batch} · {d.delivered_on:%Y-%m-%d}"
        )
        self.fields["case"].choices = _choices(cases)
        self.fields["batch"].choices = _choices(batches)
        self.fields["inspected_by"].choices = _choices(staff, lambda p: p.name)
        self.fields["sampler"].choices = _choices(staff, lambda p: p.name)
        self.fields["witness"].choices = _choices(witnesses, lambda p: p.name)
        self.fields["testing_lab"].choices = _choices(labs, lambda o: o.name)
