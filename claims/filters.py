"""The review queue's filters. The same filter set drives the table, the counts per status and the
CSV download, so the download holds exactly the rows the officer filtered."""

from __future__ import annotations

from functools import cached_property

import django_filters
from django import forms
from django.db.models import Q

from claims import selectors
from claims.models import Quarter, Worksheet
from core.forms import CheapSelect
from practices.models import PCN

ACTIONABLE, ALL = "actionable", "all"


class ClaimFilter(django_filters.FilterSet):
    # Officers who review claims open the queue on what they can act on (issue 16); "All claims"
    # shows the rest. Auditors and administrators, who act on none, see every claim.
    show = django_filters.ChoiceFilter(
        label="Show",
        choices=[(ACTIONABLE, "Claims you can act on"), (ALL, "All claims")],
        empty_label=None,
        method="filter_show",
        widget=CheapSelect,
    )
    quarter = django_filters.ModelChoiceFilter(
        label="Quarter",
        queryset=Quarter.objects.none(),
        empty_label="All quarters",
        widget=CheapSelect,
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Worksheet.Status.choices,
        empty_label="All statuses",
        widget=CheapSelect,
    )
    pcn = django_filters.ModelChoiceFilter(
        label="PCN",
        queryset=PCN.objects.none(),
        field_name="practice__pcn",
        empty_label="All PCNs",
        widget=CheapSelect,
    )
    band = django_filters.ChoiceFilter(
        label="Lateness band",
        choices=(),
        empty_label="All bands",
        method="filter_band",
        widget=CheapSelect,
    )
    late = django_filters.BooleanFilter(
        label="Late claims only", method="filter_late", widget=forms.CheckboxInput
    )
    # The officer's home links here (carehomes_les/home.py): the claims this viewer may act on next.
    waiting_for = django_filters.ChoiceFilter(
        label="Waiting for you",
        choices=[
            ("approve", "To approve (checked by another officer)"),
            ("finance", "To give finance approval"),
        ],
        empty_label="Any claim",
        method="filter_waiting_for",
        widget=CheapSelect,
    )

    class Meta:
        model = Worksheet
        fields = []

    def __init__(
        self, *args, pcns, quarters, can_review=False, bands=None, actionable=None, **kwargs
    ):
        """``pcns``: a queryset of the PCNs to choose from, in order. ``quarters``: the quarters to
        choose from, in order (a list). ``bands`` (a function giving the lateness bands, by default
        :func:`selectors.bands`) and ``actionable`` (the condition of
        :func:`selectors.actionable_by` over the same claims, read here if not given) let a caller
        read them once for several filters."""
        super().__init__(*args, **kwargs)
        if not can_review:
            del self.filters["show"]
        self.pcns = pcns
        self.quarters = list(quarters)
        self.actionable = actionable
        self.filters["pcn"].queryset = pcns
        self.filters["quarter"].queryset = Quarter.objects.filter(
            pk__in=[q.pk for q in self.quarters]
        )
        # Bands are data (SPEC §6): the choices are the table's rows, keyed by their first day,
        # read only when they are needed (the form drawn, or a band filtered on).
        self._read_bands = bands or selectors.bands
        self.filters["band"].extra["choices"] = lambda: [
            (key, band.label) for key, band in self.bands.items()
        ]

    @cached_property
    def bands(self) -> dict:
        return {str(band.min_days): band for band in self._read_bands()}

    @property
    def form(self):
        """The form, whose PCN and quarter choices are drawn from plain lists: the quarters are
        known already, and the PCNs are read only if the form is drawn, as values rather than
        through a server-side cursor (a model choice field's way, three round trips)."""
        if not hasattr(self, "_form"):
            form = super().form
            form.fields["quarter"].widget.choices = [
                ("", self.filters["quarter"].extra["empty_label"]),
                *((quarter.pk, str(quarter)) for quarter in self.quarters),
            ]
            form.fields["pcn"].widget.choices = lambda: self._pcn_choices
        return self._form

    @cached_property
    def _pcn_choices(self) -> list[tuple]:
        pcns = self.pcns.select_related(None).only("name", "code")
        return [("", self.filters["pcn"].extra["empty_label"]), *((p.pk, str(p)) for p in pcns)]

    def filter_band(self, queryset, name, value):
        band = self.bands.get(value)
        if band is None:
            return queryset
        days = Q(days_late__gte=band.min_days)
        if band.max_days is not None:
            days &= Q(days_late__lte=band.max_days)
        return queryset.filter(days)

    def filter_show(self, queryset, name, value):
        if value == ACTIONABLE:
            if self.actionable is not None:
                return queryset.filter(self.actionable)
            return selectors.claims_actionable_by(queryset, self.request.user)
        return queryset

    def filter_late(self, queryset, name, value):
        return queryset.filter(days_late__gt=0) if value else queryset

    def filter_waiting_for(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value == "approve":
            return queryset.filter(status=Worksheet.Status.CHECKED).exclude(checked_by=user)
        if value == "finance":
            return queryset.filter(status=Worksheet.Status.AWAITING_FINANCE).exclude(
                Q(checked_by=user) | Q(approved_by=user)
            )
        return queryset
