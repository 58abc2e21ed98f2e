import django_filters
from django.db.models import Q

from practices.models import PCN, Practice


class PCNFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or code", method="search")

    class Meta:
        model = PCN
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class PracticeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name or ODS code", method="search")
    pcn = django_filters.ModelChoiceFilter(
        label="PCN", queryset=PCN.objects.none(), empty_label="All PCNs"
    )

    class Meta:
        model = Practice
        fields = []

    def __init__(self, *args, pcns, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["pcn"].queryset = pcns

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(ods_code__icontains=value))
