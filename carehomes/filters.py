import django_filters
from django.db.models import Q

from carehomes.models import CareHome


class CareHomeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name, CQC location ID or postcode", method="search")
    category = django_filters.ChoiceFilter(choices=CareHome.Category.choices, empty_label="Any")
    nursing = django_filters.BooleanFilter(label="Nursing home")

    class Meta:
        model = CareHome
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(cqc_location_id__icontains=value)
            | Q(postcode__icontains=value)
        )
