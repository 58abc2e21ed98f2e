"""Accruals at month end and year end: what the commissioner owes practices and has not paid, at
the close of a chosen date (``?date=2026-03-31``; today by default). Read-only; the figures come
from ``reports/accruals.py``, and each has CSV and XLSX downloads of all its rows (the page shows
the first 50 lines of the longest, issue 18)."""

from __future__ import annotations

import datetime
from dataclasses import replace

from django import forms
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.views import AccessMixin
from core.forms import DateField, NHSForm
from core.periods import london_date
from reports import accruals
from reports.views.dashboard import XLSX


class AccrualsDateForm(NHSForm):
    date = DateField(
        label="Accruals at the close of",
        noun="date of the accrual",
        help_text="Everything approved, submitted or paid up to midnight at the end of this day, "
        "London time: the last day of a month or of the financial year, say.",
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > self.today:
            raise forms.ValidationError(
                "The date of the accrual must be today or in the past: nothing is known of a "
                "later day yet"
            )
        if day < accruals.SCHEME_START.first_day:
            raise forms.ValidationError(
                f"The date of the accrual must be on or after "
                f"{accruals.day_text(accruals.SCHEME_START.first_day)}, when the service's claims start"
            )
        return day


class AccrualsDateMixin:
    def date_form(self) -> AccrualsDateForm:
        today = london_date(timezone.now())
        # The form sends date_day, date_month and date_year; a link sends ?date=YYYY-MM-DD.
        if any(f"date_{part}" in self.request.GET for part in ("day", "month", "year")):
            return AccrualsDateForm(self.request.GET, today=today)
        raw = self.request.GET.get("date")
        return AccrualsDateForm({"date": today.isoformat() if raw is None else raw}, today=today)


# The page shows the first lines of "every claim and worksheet accrued"; the downloads have them all
# (issue 18: a page never draws a commissioner's every line).
LINES_ON_THE_PAGE = 50


def _on_the_page(figure):
    if len(figure.rows) <= LINES_ON_THE_PAGE:
        return figure
    return replace(
        figure,
        rows=figure.rows[:LINES_ON_THE_PAGE],
        note=f"The first {LINES_ON_THE_PAGE} of {len(figure.rows):,} lines are shown here; the "
        "CSV and XLSX downloads below the table hold them all. The total is of every line.",
    )


class AccrualsView(AccessMixin, AccrualsDateMixin, TemplateView):
    permission = Permission.VIEW_INSIGHT
    template_name = "reports/accruals.html"

    def get_context_data(self, **kwargs):
        form = self.date_form()
        context = super().get_context_data(form=form, **kwargs)
        if not form.is_valid():
            return context
        day = form.cleaned_data["date"]
        result = accruals.accruals_at(self.scope, day)
        query = f"?date={day.isoformat()}"
        context.update(
            day=day,
            day_text=accruals.day_text(day),
            result=result,
            figures=[
                {
                    "figure": figure,
                    "csv_url": reverse("reports:accruals_csv", args=[slug]) + query,
                    "xlsx_url": reverse("reports:accruals_xlsx", args=[slug]) + query,
                }
                for slug, figure in result.figures().items()
                for figure in [_on_the_page(figure)]
            ],
        )
        return context


class AccrualsExportView(AccessMixin, AccrualsDateMixin, View):
    permission = Permission.VIEW_INSIGHT
    file_format = "csv"

    def get(self, request, figure):
        if figure not in accruals.FIGURE_SLUGS:
            raise Http404("No such figure.")
        form = self.date_form()
        if not form.is_valid():
            raise Http404(" ".join(form.errors["date"]))
        day = form.cleaned_data["date"]
        result = accruals.accruals_at(self.scope, day).figures()[figure]
        name = f"accruals-{figure}-at-{day.isoformat()}.{self.file_format}"
        if self.file_format == "xlsx":
            response = HttpResponse(result.xlsx_bytes(), content_type=XLSX)
        else:
            response = HttpResponse(result.csv_bytes(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
