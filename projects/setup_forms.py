"""Forms of the set-up pages: they parse and render; the services decide (projects/services.py).

Choices hold only what the user may choose: the project's own parties, roles without a lead,
people the user can see.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.models import (
    MANDATORY_ROLES,
    Location,
    Organization,
    Person,
    Project,
    Role,
    UnitWork,
)
from projects.validators import validate_credit_code, validate_id_number


class DateInput(forms.DateInput):
    input_type = "date"


def checked_as_typed(
    form: forms.Form, name: str, url_name: str, target: str, *, method: str = "get"
) -> None:
    """Ask the server about the value while it is typed (htmx), and show its answer at
    ``target``: the same validator as on submit, so the two never disagree."""
    form.fields[name].widget.attrs.update(
        {
            f"hx-{method}": reverse(url_name),
            "hx-trigger": "input changed delay:300ms, blur",
            "hx-target": f"#{target}",
            "hx-swap": "innerHTML",
            "aria-describedby": f"{target} {form[name].auto_id}_helptext",
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        }
    )


class ProjectCreateForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    jurisdiction_code = forms.CharField(
        label=_("jurisdiction (administrative region code)"),
        max_length=6,
        help_text=_("Six digits, e.g. 330108 for Binjiang district, Hangzhou."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("address"), max_length=300, required=False)


class UnitWorkForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    structure_type = forms.ChoiceField(
        label=_("structure type"), choices=UnitWork.StructureType.choices
    )
    floors_above = forms.IntegerField(label=_("floors above ground"), min_value=0)
    floors_below = forms.IntegerField(label=_("floors below ground"), min_value=0, initial=0)
    gross_area = forms.DecimalField(
        label=_("gross floor area (m²)"), min_value=0, max_digits=12, decimal_places=2
    )
    design_service_life_years = forms.IntegerField(
        label=_("design service life (years)"),
        min_value=1,
        max_value=300,
        initial=50,
        help_text=_(
            "The lifetime responsibility lasts this long after completion (GB 50068: 50 years"
            " for ordinary buildings, 100 for landmark ones)."
        ),
    )
    start_date = forms.DateField(
        label=_("construction start date"), required=False, widget=DateInput
    )


class LocationForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Location.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100)
    parent = forms.ModelChoiceField(
        label=_("inside"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=_("— the unit work itself —"),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = locations


class LocationRenameForm(forms.Form):
    name = forms.CharField(label=_("new name"), max_length=100)


class CreditCodeField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return validate_credit_code(value) if value else value


class IdNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return validate_id_number(value) if value else value


class PartyForm(forms.Form):
    """Find the organization by its credit code, or register it, and give it a role."""

    credit_code = CreditCodeField(
        label=_("unified social credit code"), max_length=30, help_text=_("18 characters.")
    )
    name = forms.CharField(
        label=_("name (only for an organization not yet registered)"),
        max_length=200,
        required=False,
    )
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        checked_as_typed(self, "credit_code", "credit-code-check", "credit-code-check")
        # A mandatory role is held by one organization: offer only those still open.
        taken = set(project.participations.values_list("role", flat=True))
        mandatory = {role.value for role in MANDATORY_ROLES}
        self.fields["role"].choices = [
            (value, label)
            for value, label in Role.choices
            if not (value in mandatory and value in taken)
        ]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("full name"), max_length=100)
    id_number = IdNumberField(
        label=_("resident ID number"),
        max_length=30,
        help_text=_("18 characters; shown only masked once saved."),
    )
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    organization = forms.ModelChoiceField(
        label=_("employer"), queryset=Organization.objects.none(), required=False
    )
    practice_qualification = forms.ChoiceField(
        label=_("practice qualification"),
        choices=Person.PracticeQualification.choices,
        initial=Person.PracticeQualification.NONE,
    )
    practice_cert_no = forms.CharField(
        label=_("practice certificate number"), max_length=100, required=False
    )
    legal_representative = forms.BooleanField(
        label=_("is the employer's legal representative (signs its authorization letters)"),
        required=False,
    )
    lead_role = forms.ChoiceField(
        label=_("project lead for"), required=False, help_text=_("the first lead of a role")
    )
    lead_start = forms.DateField(label=_("lead from"), required=False, widget=DateInput)

    def __init__(self, *args, organizations, lead_roles, may_name_representative, **kwargs):
        super().__init__(*args, **kwargs)
        # Posted, not in a URL: an ID number must not end up in access logs.
        checked_as_typed(self, "id_number", "id-number-check", "id-number-check", method="post")
        self.fields["organization"].queryset = organizations
        self.fields["lead_role"].choices = [("", _("— not a lead —")), *lead_roles]
        if not may_name_representative:
            del self.fields["legal_representative"]

    def clean(self):
        data = super().clean()
        if data.get("lead_role") and not data.get("lead_start"):
            self.add_error("lead_start", _("Say from which day they lead."))
        if data.get("legal_representative") and not data.get("organization"):
            self.add_error("organization", _("Choose the organization they represent."))
        return data


class PermitForm(forms.Form):
    permit_number = forms.CharField(label=_("construction permit number"), max_length=100)


class LeadOpenForm(forms.Form):
    """The first lead of a role (later ones come by a change of lead)."""

    role = forms.ChoiceField(label=_("role"))
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    start_date = forms.DateField(label=_("lead from"), widget=DateInput)

    def __init__(self, *args, roles, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["person"].queryset = people
