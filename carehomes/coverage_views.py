"""Care-home coverage (NHS England's care-home support letter and its sitrep, seed 004): the page of
every home in scope with its gaps, the sitrep CSV of the same rows, and the officers' form for one
home's coverage. Reads come from ``carehomes.coverage.coverage_rows``, the write from
``coverage_record`` (docs/adr/0014)."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from carehomes.coverage import (
    coverage_gap_index,
    coverage_record,
    coverage_rows,
    sitrep_lines,
)
from carehomes.forms import CoverageForm
from carehomes.models import CareHome, Coverage
from core.downloads import csv_download
from core.pagination import page_of
from core.periods import london_date

SITREP_HEADER = (
    "cqc_location_id",
    "name",
    "postcode",
    "category",
    "beds",
    "practice_ods_codes",
    "practice_names",
    "pcn_codes",
    "pcn_names",
    "clinical_lead",
    "check_in_day",
    "check_in_by",
    "mdt_in_place",
    "out_of_hours_provider",
    "care_plans_recorded",
    "gaps",
)


def _today():
    return london_date(timezone.now())


class CoverageView(AccessMixin, TemplateView):
    """Every home in scope, its coverage and its gaps, a page at a time (ADR 0044); "only homes
    with gaps" narrows the table, never the summary line. The gaps are worked out for every home
    (two queries of values, ``coverage_gap_index``) so the summary counts them all; only the
    page's homes are read in full (``coverage_rows``) and drawn."""

    permission = Permission.VIEW_INSIGHT
    template_name = "carehomes/coverage.html"

    def get_context_data(self, **kwargs):
        today = _today()
        index = coverage_gap_index(self.scope, today)  # every home's gaps, as values
        with_gaps = [(pk, gaps) for pk, gaps in index if gaps]
        gaps_only = self.request.GET.get("gaps") == "only"
        page = page_of(self.request, with_gaps if gaps_only else index)
        ids = [pk for pk, _ in page]
        page.object_list = coverage_rows(self.scope, today, ids=ids)
        can_record = self.scope.can(Permission.RECORD_COVERAGE)
        manageable = (  # of the page's homes only: the page asks no more (issue 18)
            set(
                CareHome.objects.to_manage(self.scope)
                .filter(pk__in=ids)
                .order_by()
                .values_list("pk", flat=True)
            )
            if can_record and ids
            else set()
        )
        return super().get_context_data(
            today=today,
            rows=page,
            home_count=len(index),
            gap_count=len(with_gaps),
            gaps_only=gaps_only,
            can_record=can_record,
            manageable=manageable,
            **kwargs,
        )


class CoverageSitrepView(AccessMixin, View):
    """The sitrep: every home in scope, one row each, whatever the page's filter. Every text cell
    is made safe for a spreadsheet (``core.text.safe_text``, through ``csv_download``)."""

    permission = Permission.VIEW_INSIGHT

    def get(self, request, **kwargs):
        today = _today()
        return csv_download(
            f"care-home-coverage-{today:%Y-%m-%d}.csv",
            SITREP_HEADER,
            sitrep_lines(self.scope, today),
        )


class CoverageEditView(ServiceFormView):
    """An officer records one home's coverage and acuity tier. The home is looked up among those
    the officer's commissioner keeps, so another commissioner's home is a 404."""

    permission = Permission.RECORD_COVERAGE
    form_class = CoverageForm
    submit_label = "Save coverage"
    template_name = "carehomes/coverage_form.html"

    def get_form_kwargs(self):
        self.care_home = get_object_or_404(
            CareHome.objects.to_manage(self.scope), cqc_location_id=self.kwargs["cqc_location_id"]
        )
        coverage = Coverage.objects.filter(care_home=self.care_home).first()
        return {
            **super().get_form_kwargs(),
            "instance": coverage or Coverage(care_home=self.care_home),
            "initial": {"acuity_tier": self.care_home.acuity_tier},
        }

    @property
    def success_message(self):
        return f"Coverage of {self.care_home.name} saved."

    def get_heading(self):
        return f"Coverage of {self.care_home.name}"

    def perform(self, form):
        return coverage_record(care_home=self.care_home, by=self.request.user, **form.cleaned_data)

    def get_success_url(self, result=None):
        return reverse("carehomes:coverage")

    def cancel_url(self):
        return reverse("carehomes:coverage")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # builds the form, and with it the home
        context["care_home"] = self.care_home
        return context
