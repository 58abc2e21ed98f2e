"""Commissioning reports: /reports/… and a practice's /practices/<ods_code>/schemes/."""

from django.urls import path

from reports.views import accruals, checks, dashboard, schemes

app_name = "reports"
urlpatterns = [
    path("reports/", dashboard.ReportsIndexView.as_view(), name="index"),
    path("reports/dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "reports/dashboard/<slug:figure>.csv",
        dashboard.FigureExportView.as_view(file_format="csv"),
        name="dashboard_csv",
    ),
    path(
        "reports/dashboard/<slug:figure>.xlsx",
        dashboard.FigureExportView.as_view(file_format="xlsx"),
        name="dashboard_xlsx",
    ),
    # What each scheme would pay: officers for any practice, PCN or the commissioner; a practice
    # manager for their own practice.
    path("reports/schemes/", schemes.SchemesView.as_view(), name="schemes"),
    path(
        "practices/<str:ods_code>/schemes/",
        schemes.PracticeSchemesView.as_view(),
        name="practice_schemes",
    ),
    # What the commissioner owes practices and has not paid, at the close of a date (ADR 0023).
    path("reports/accruals/", accruals.AccrualsView.as_view(), name="accruals"),
    path(
        "reports/accruals/<slug:figure>.csv",
        accruals.AccrualsExportView.as_view(file_format="csv"),
        name="accruals_csv",
    ),
    path(
        "reports/accruals/<slug:figure>.xlsx",
        accruals.AccrualsExportView.as_view(file_format="xlsx"),
        name="accruals_xlsx",
    ),
    path("reports/checks/", checks.ChecksView.as_view(), name="checks"),
    path(
        "reports/checks/thresholds/",
        checks.CheckThresholdsView.as_view(),
        name="check_thresholds",
    ),
]
