from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from projects.models import AuditEvent, LeadTenure, Project, Role
from projects.validators import region_prefix


class ProjectFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Project.Stage.choices)
    jurisdiction = django_filters.CharFilter(
        method="filter_jurisdiction",
        label=_("administrative region code; a province or city code includes its parts"),
    )

    class Meta:
        model = Project
        fields = ["stage", "jurisdiction"]

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(jurisdiction_code__startswith=region_prefix(value.strip()))


class LeadTenureFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_open = django_filters.BooleanFilter(
        field_name="end_date", lookup_expr="isnull", label=_("only the leads in office")
    )

    class Meta:
        model = LeadTenure
        fields = ["role", "is_open"]


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices)
    actor = django_filters.CharFilter(field_name="actor__username", label=_("user name"))
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", label=_("from"))
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", label=_("before"))

    class Meta:
        model = AuditEvent
        fields = ["project", "action", "actor", "since", "until"]
