"""The acceptance-record pages' forms: they parse and render; the services decide.

Choices hold only what the user may choose (records and locations of this unit work, the
capacities this user signs in); every rule is the service's, and its message is put next to
the field it names (``form_errors``).
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from inspections.models import AcceptanceRecord, SignOff
from projects.models import Location

Level = AcceptanceRecord.Level


class DateInput(forms.DateInput):
    """The phone's date picker, which reads and writes ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs=attrs, format=format)


class TreeChoiceField(forms.TypedChoiceField):
    """One of a tree's nodes (records or locations), in tree order, indented by depth;
    cleans to the object itself. ``set_nodes([(obj, depth), …])`` fills it."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.objects = {}

    def set_nodes(self, nodes) -> None:
        self.objects = {obj.pk: obj for obj, _depth in nodes}
        self.choices = [("", "---------")] + [
            (obj.pk, "\u3000" * depth + str(obj)) for obj, depth in nodes
        ]

    def clean(self, value):
        pk = super().clean(value)
        return None if pk is None else self.objects[pk]


class RecordCreateForm(forms.Form):
    level = forms.ChoiceField(
        label=capfirst(_("level")),
        choices=[(value, label) for value, label in Level.choices if value != Level.COMPLETION],
        initial=Level.INSPECTION_LOT,
    )
    parent = TreeChoiceField(label=capfirst(_("belongs under")), required=False)
    division_kind = forms.ChoiceField(
        label=capfirst(_("division kind")),
        choices=AcceptanceRecord.DivisionKind.choices,
        initial=AcceptanceRecord.DivisionKind.OTHER,
        help_text=_(
            "foundation and main-structure divisions also need the survey and design leads"
        ),
    )
    title = forms.CharField(label=capfirst(_("work covered")), max_length=300)
    date = forms.DateField(label=capfirst(_("date")), widget=DateInput)
    # Optional, as in the API; an inspection lot is normally taken at one location.
    location = TreeChoiceField(label=capfirst(_("location")), required=False)

    def __init__(self, *args, parents, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].set_nodes(parents)
        self.fields["location"].set_nodes(locations)


class SelfCheckForm(forms.Form):
    """The fields of a record its contractor fills in before submitting (``record_update``)."""

    title = forms.CharField(label=capfirst(_("work covered")), max_length=300)
    date = forms.DateField(label=capfirst(_("date")), widget=DateInput)
    result = forms.CharField(
        label=capfirst(_("self-check result")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    remarks = forms.CharField(
        label=capfirst(_("remarks")), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    locations = forms.ModelMultipleChoiceField(
        label=capfirst(_("locations")),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = locations


class ReturnForm(forms.Form):
    # Not required here: the service says why a return needs reasons.
    reasons = forms.CharField(
        label=capfirst(_("reasons for returning")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignForm(forms.Form):
    # Offered: the capacities this user may sign in. Anything else goes to the service, which
    # says who must sign.
    capacity = forms.ChoiceField(
        label=capfirst(_("sign as")), choices=SignOff.Capacity.choices, required=False
    )
    password = forms.CharField(
        label=capfirst(_("your password, re-entered to sign")),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, capacities, **kwargs):
        super().__init__(*args, **kwargs)
        if capacities:
            self.fields["capacity"].choices = [(c, SignOff.Capacity(c).label) for c in capacities]
        else:  # nothing to offer: the service answers who must sign
            self.fields["capacity"].widget = forms.HiddenInput()
