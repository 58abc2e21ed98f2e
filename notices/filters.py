"""Filters of the emails page: what kind, what happened to it, which practice and quarter."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from notices.models import Notice

# The outbox sits beneath claims (docs/adr/0029); an email names its quarter by a foreign key declared
# by name, and the Emails pages reach the model through it.
Quarter = Notice._meta.get_field("quarter").related_model


class NoticeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label="Kind of email", choices=Notice.Kind.choices, empty_label="All kinds"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=Notice.Status.choices, empty_label="All statuses"
    )
    quarter = django_filters.ModelChoiceFilter(
        label="Quarter", queryset=Quarter.objects.none(), empty_label="All quarters"
    )
    practice = django_filters.CharFilter(
        label="Practice (name or ODS code)", method="filter_practice"
    )

    class Meta:
        model = Notice
        fields = []

    def __init__(self, *args, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["quarter"].queryset = quarters

    def filter_practice(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(practice__ods_code__iexact=value) | Q(practice__name__icontains=value)
        )
