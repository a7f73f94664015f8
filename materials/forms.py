"""Forms of the materials pages: they parse and render; the services decide. Every select is
filled by the view with only what the user may choose (materials.selectors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from materials.models import Delivery, DeliveryPhoto, MaterialCategory, TestReport, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHOTO_TYPES = "image/jpeg,image/png,image/heic,image/heif"
DOCUMENT_TYPES = "application/pdf,image/jpeg,image/png,image/heic,image/heif"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); none is allowed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def camera_field(label):
    """One photo taken with the phone's camera (``capture`` opens it directly)."""
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class DeliveryFilterForm(forms.Form):
    STATES = [
        ("", _("all")),
        ("pending", _("waiting for a sample")),
        ("sampled", _("sampled, waiting for acceptance")),
        ("accepted", _("accepted")),
        ("rejected", _("rejected")),
        ("blocked", _("blocked by a failed test")),
    ]
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    category = forms.ModelChoiceField(
        label=_("Material"),
        queryset=MaterialCategory.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("all materials"),
    )
    delivered_from = forms.DateField(label=_("Delivered from"), required=False, widget=DATE)
    delivered_to = forms.DateField(label=_("Delivered until"), required=False, widget=DATE)


class PhotosForm(forms.Form):
    """Photos of a delivery's label or delivery note: one taken now, or several chosen."""

    photo_of = forms.ChoiceField(
        label=_("The photos show"), choices=DeliveryPhoto.Kind.choices, initial="label"
    )
    photo_taken = camera_field(_("Take a photo"))
    photos_chosen = MultipleFileField(label=_("Or choose photos"))

    def photos(self) -> list[tuple[str, object]]:
        """(field name, file) of every photo sent, the camera's first."""
        taken = self.cleaned_data.get("photo_taken")
        chosen = self.cleaned_data.get("photos_chosen") or []
        return ([("photo_taken", taken)] if taken else []) + [("photos_chosen", f) for f in chosen]


class DeliveryForm(PhotosForm):
    """A delivery of an existing batch, or of a new one recorded with its files."""

    batch = forms.ModelChoiceField(
        label=_("Batch"),
        queryset=MaterialCategory.objects.none(),
        required=False,
        empty_label=_("— a new batch (fill in below) —"),
    )
    category = forms.ModelChoiceField(
        label=_("Material"), queryset=MaterialCategory.objects.order_by("code"), required=False
    )
    manufacturer = forms.ModelChoiceField(
        label=_("Manufacturer"), queryset=MaterialCategory.objects.none(), required=False
    )
    manufacturer_code = forms.CharField(
        label=_("or the manufacturer's unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("As printed on the certificate, for a maker not in the list above."),
    )
    product = forms.CharField(label=_("Product"), max_length=200, required=False)
    model_spec = forms.CharField(label=_("Model / specification"), max_length=200, required=False)
    batch_number = forms.CharField(label=_("Batch or heat number"), max_length=100, required=False)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=DATE)
    ccc_certificate_number = forms.CharField(
        label=_("CCC certificate number"), max_length=100, required=False
    )
    certificate_of_conformity = forms.FileField(
        label=_("Certificate of conformity (PDF or photo)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )
    type_test_report = forms.FileField(
        label=_("Type test report (PDF or photo)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=14, decimal_places=3)
    unit = forms.ChoiceField(label=pgettext_lazy("measure", "Unit"), choices=Unit.choices)
    delivered_on = forms.DateField(label=_("Delivery date"), widget=DATE)
    inspected_by = forms.ModelChoiceField(
        label=_("Inspected by (contractor)"), queryset=MaterialCategory.objects.none()
    )

    NEW_BATCH_FIELDS = ("category", "manufacturer", "product", "model_spec", "batch_number")

    field_order = [
        "batch",
        "category",
        "manufacturer",
        "manufacturer_code",
        "product",
        "model_spec",
        "batch_number",
        "production_date",
        "ccc_certificate_number",
        "certificate_of_conformity",
        "type_test_report",
        "quantity",
        "unit",
        "delivered_on",
        "inspected_by",
        "photo_of",
        "photo_taken",
        "photos_chosen",
    ]

    def __init__(self, *args, batches, manufacturers, maker_by_code, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.maker_by_code = maker_by_code
        self.fields["batch"].queryset = batches
        self.fields["batch"].label_from_instance = batch_label
        self.fields["manufacturer"].queryset = manufacturers
        self.fields["inspected_by"].queryset = inspectors
        self.fields["inspected_by"].label_from_instance = person_label

    def clean(self):
        data = super().clean()
        code = data.get("manufacturer_code")
        if data.get("batch") is None and data.get("manufacturer") is None and code:
            data["manufacturer"] = self.maker_by_code(code)
            if data["manufacturer"] is None:
                self.add_error(
                    "manufacturer_code",
                    _(
                        "No organization with this credit code is registered in the archive;"
                        " check it against the certificate, or ask an archive operator to"
                        " register the manufacturer."
                    ),
                )
        if data.get("batch") is None:
            for name in (*self.NEW_BATCH_FIELDS, "production_date"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name, _("Choose a batch above, or fill this in to record a new batch.")
                    )
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    removed_on = forms.DateField(label=_("Removed from site on"), widget=DATE)


class SampleForm(forms.Form):
    seal_number = forms.CharField(label=_("Seal number"), max_length=100)
    sampling_location = forms.CharField(label=_("Where it was taken"), max_length=200)
    sampled_on = forms.DateField(label=_("Sampling date"), widget=DATE)
    sampler = forms.ModelChoiceField(
        label=_("Sampler (contractor)"), queryset=MaterialCategory.objects.none()
    )
    witness = forms.ModelChoiceField(
        label=_("Witness"),
        queryset=MaterialCategory.objects.none(),
        required=False,
        help_text=_(
            "A witness is a site supervisor, or a member of the owner or the supervision"
            " unit, with an account on this project."
        ),
        empty_label=_("— not witnessed —"),
    )
    testing_lab = forms.ModelChoiceField(
        label=_("Testing laboratory"), queryset=MaterialCategory.objects.none()
    )

    def __init__(self, *args, samplers, witnesses, labs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sampler"].queryset = samplers
        self.fields["witness"].queryset = witnesses
        self.fields["testing_lab"].queryset = labs
        for name in ("sampler", "witness"):
            self.fields[name].label_from_instance = person_label


class ReportForm(forms.Form):
    report_number = forms.CharField(label=_("Report number"), max_length=100)
    result = forms.ChoiceField(
        label=_("Result"), choices=TestReport.Result.choices, widget=forms.RadioSelect
    )
    tested_on = forms.DateField(label=_("Test date"), widget=DATE)
    file = forms.FileField(
        label=_("Report file (PDF or photo)"),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
    )


class UsageForm(forms.Form):
    delivery = forms.ModelChoiceField(
        label=_("From the accepted delivery"), queryset=Delivery.objects.none()
    )
    location = forms.TypedChoiceField(label=_("Location"), coerce=int)
    quantity = forms.DecimalField(label=_("Quantity used"), max_digits=14, decimal_places=3)
    used_on = forms.DateField(label=_("Date used"), widget=DATE)
    acceptance_record = forms.ModelChoiceField(
        label=_("Inspection lot or acceptance it went into (optional)"),
        queryset=Delivery.objects.none(),
        required=False,
    )

    def __init__(self, *args, deliveries, locations, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery"].queryset = deliveries
        self.fields["delivery"].label_from_instance = delivery_left_label
        self.fields["location"].choices = [("", "—")] + [
            (
                unit_work.name,
                [(pk, "\u00a0\u00a0\u00a0" * depth + name) for pk, name, depth in locations],
            )
            for unit_work, locations in locations
        ]
        self.fields["acceptance_record"].queryset = records


def delivery_left_label(delivery) -> str:
    """What a usage may still take from ``delivery``, first ("B2503-017 · 880 metres left ·
    聚氯乙烯绝缘电缆"): a phone's select shows only the start of an option."""
    left = delivery.quantity - delivery.used_quantity
    return _("%(batch)s · %(left)s %(unit)s left · %(product)s") % {
        "product": delivery.batch.product,
        "batch": delivery.batch.batch_number,
        "left": f"{left.normalize():f}",
        "unit": delivery.get_unit_display(),
    }


def batch_label(batch) -> str:
    """The batch number first (what is printed on the label), then what and whose."""
    return f"{batch.batch_number} · {batch.product} {batch.model_spec} · {batch.manufacturer.name}"


def person_label(person) -> str:
    """A person by name only: the masked ID number of ``str(person)`` is not for a list."""
    return person.name
