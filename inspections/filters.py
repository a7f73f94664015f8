from __future__ import annotations

import django_filters

from inspections.models import AcceptanceRecord


class AcceptanceRecordFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=AcceptanceRecord.Level.choices)
    state = django_filters.ChoiceFilter(choices=AcceptanceRecord.State.choices)
    unit_work = django_filters.NumberFilter()
    parent = django_filters.NumberFilter()
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = AcceptanceRecord
        fields = ["level", "state", "unit_work", "parent", "date_from", "date_to"]
