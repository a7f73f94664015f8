from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from materials.models import Delivery


class DeliveryFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Delivery.State.choices)
    category = django_filters.CharFilter(field_name="batch__category__code")
    has_failed_test = django_filters.BooleanFilter(label=_("only deliveries with a failed test"))

    class Meta:
        model = Delivery
        fields = ["state", "category", "has_failed_test"]
