"""The reports index, the officers' dashboard and its figures' CSV and XLSX downloads."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.views import AccessMixin
from core.periods import Period, london_date
from reports import dashboard
from reports.kept import kept

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportsIndexView(AccessMixin, TemplateView):
    permission = Permission.VIEW_INSIGHT
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reports=[
                (
                    reverse("reports:dashboard"),
                    "Dashboard",
                    "Worksheets on time, late and not submitted; spend by PCN; deductions, "
                    "waivers and trends across years.",
                ),
                (
                    reverse("reports:schemes"),
                    "Scheme comparison",
                    "What this LES, the network DES and an acuity-tiered scheme would pay each "
                    "practice and PCN.",
                ),
                (
                    reverse("carehomes:coverage"),
                    "Care-home coverage",
                    "Each home's clinical lead, weekly check-in, MDT, out-of-hours cover and care "
                    "plans; the sitrep export.",
                ),
                (
                    reverse("reports:accruals"),
                    "Accruals",
                    "What the commissioner owes practices and has not paid at the close of a "
                    "date: approved, in review, and estimated for worksheets not yet submitted.",
                ),
                (
                    reverse("reports:checks"),
                    "Cross-practice checks",
                    "Homes with more patients than beds, quarters that jump, openings that fall "
                    "when nobody left.",
                ),
            ],
            **kwargs,
        )


class YearMixin:
    """The financial year chosen with ``?year=2019``: by default the latest with claims in scope."""

    def chosen_year(self) -> tuple[int, list[int], str]:
        years = dashboard.years_with_claims(self.scope)
        default = years[0] if years else Period.containing(london_date(timezone.now())).year
        raw = self.request.GET.get("year", "")
        if not raw:
            return default, years, ""
        if raw.isdigit() and int(raw) in years:
            return int(raw), years, ""
        return default, years, f"There are no claims for the financial year “{raw[:20]}”."


class DashboardView(AccessMixin, YearMixin, TemplateView):
    permission = Permission.VIEW_INSIGHT
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, years, problem = self.chosen_year()

        def figures() -> str:
            query = f"?year={year}"
            built = [
                {
                    "figure": build(self.scope, year),
                    "csv_url": reverse("reports:dashboard_csv", args=[slug]) + query,
                    "xlsx_url": reverse("reports:dashboard_xlsx", args=[slug]) + query,
                }
                for slug, build in dashboard.FIGURES.items()
            ]
            return render_to_string("reports/_dashboard_figures.html", {"figures": built})

        context.update(
            year=year,
            year_label=dashboard.financial_year_label(year),
            years=[(y, dashboard.financial_year_label(y)) for y in years],
            problem=problem,
            # Kept until a change is recorded (ADR 0048): the same for every officer of the
            # commissioner, and a year of their claims to sum.
            figures_html=kept(self.scope, "dashboard", (year,), figures),
        )
        return context


class FigureExportView(AccessMixin, YearMixin, View):
    permission = Permission.VIEW_INSIGHT
    file_format = "csv"

    def get(self, request, figure):
        build = dashboard.FIGURES.get(figure)
        if build is None:
            raise Http404("No such figure.")
        year, _years, problem = self.chosen_year()
        if problem:
            raise Http404(problem)
        result = build(self.scope, year)
        stamp = london_date(timezone.now()).isoformat()
        name = f"{result.filename}-{year}-{(year + 1) % 100:02d}-{stamp}.{self.file_format}"
        if self.file_format == "xlsx":
            response = HttpResponse(result.xlsx_bytes(), content_type=XLSX)
        else:
            response = HttpResponse(result.csv_bytes(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
