"""Filters of the letters-and-pledges list: by state and by signer.

A filter value the list does not know is a 400 that names the values it does know, and so is
a query parameter that is no filter: a list that silently ignores ``?status=draft`` answers
with every document, which reads as if the filter had worked.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from responsibility import selectors
from responsibility.models import ResponsibilityDocument

STATE_CHOICES = [
    (selectors.STATE_UNSIGNED, gettext_lazy("awaiting signature")),
    (selectors.STATE_SIGNED, gettext_lazy("signed and in force")),
    (selectors.STATE_SUPERSEDED, gettext_lazy("superseded by a correction")),
]
SIGNER_CHOICES = [("me", gettext_lazy("the signed-in user signs it"))]
# Query parameters of the list that are not filters.
PAGINATION_PARAMETERS = ("page", "format")


def _invalid_choice(choices) -> dict:
    return {
        "invalid_choice": format_lazy(
            gettext_lazy("“%(value)s” is not a value of this filter; use one of: {allowed}."),
            allowed=", ".join(value for value, _label in choices),
        )
    }


class DocumentFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES,
        method="filter_state",
        label=gettext_lazy("state: unsigned, signed (in force) or superseded"),
        error_messages=_invalid_choice(STATE_CHOICES),
    )
    signer = django_filters.ChoiceFilter(
        choices=SIGNER_CHOICES,
        method="filter_signer",
        label=gettext_lazy("signer: “me” for the documents the signed-in user signs"),
        error_messages=_invalid_choice(SIGNER_CHOICES),
    )

    class Meta:
        model = ResponsibilityDocument
        fields = ["state", "signer"]

    @extend_schema_field(serializers.ChoiceField(choices=STATE_CHOICES))
    def filter_state(self, queryset, name, value):
        return selectors.documents_in_state(queryset, value)

    @extend_schema_field(serializers.ChoiceField(choices=SIGNER_CHOICES))
    def filter_signer(self, queryset, name, value):
        return selectors.documents_signed_by(queryset, self.request.user)


def query_parameters_check(query_params, filterset_class) -> None:
    """Refuse a parameter the list does not know, and a filter given twice (only one of the
    two values would be used), saying which parameters the list takes."""
    known = [*filterset_class.base_filters, *PAGINATION_PARAMETERS]
    errors = {}
    for name in query_params:
        if name not in known:
            errors[name] = _("“%(name)s” is not a filter of this list; it takes: %(known)s.") % {
                "name": name,
                "known": ", ".join(known),
            }
        elif len(query_params.getlist(name)) > 1:
            errors[name] = _("Give “%(name)s” once; this request gave it %(count)d times.") % {
                "name": name,
                "count": len(query_params.getlist(name)),
            }
    if errors:
        raise ValidationError(errors)
