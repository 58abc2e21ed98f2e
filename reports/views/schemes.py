"""The scheme comparison (what-if): what this LES, the network DES and an acuity-tiered scheme would
pay in a financial year. Officers, auditors and administrators choose a practice, a PCN or the whole
commissioner (``/reports/schemes/``); a practice manager sees their own practice's
(``/practices/<ods_code>/schemes/``). The figures come from ``reports/comparison.py``."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.views import AccessMixin
from claims.models import Worksheet
from core.forms import NHSForm
from core.periods import Period
from practices.models import PCN, Commissioner, Practice
from reports import comparison
from reports.dashboard import financial_year_label
from reports.kept import kept

BY_PCN, BY_PRACTICE = "pcn", "practice"


class YearForm(NHSForm):
    year = forms.TypedChoiceField(label="Financial year", coerce=int, choices=())

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, financial_year_label(y)) for y in years]


class SchemesForm(YearForm):
    show = forms.ChoiceField(
        label="Compare for",
        choices=(),
        error_messages={"required": "Select the commissioner, PCN or practice to compare for"},
    )
    rows = forms.ChoiceField(
        label="Rows for the whole commissioner",
        choices=[(BY_PCN, "A row for each PCN"), (BY_PRACTICE, "A row for each practice")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select a row for each PCN or for each practice"},
    )

    def __init__(self, *args, commissioners, pcns, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = {f"commissioner:{c.code}": ("commissioner", c) for c in commissioners}
        self.subjects |= {f"pcn:{p.code}": ("pcn", p) for p in pcns}
        self.subjects |= {f"practice:{p.ods_code}": ("practice", p) for p in practices}
        self.fields["show"].choices = [
            ("The whole commissioner", [(f"commissioner:{c.code}", str(c)) for c in commissioners]),
            ("A PCN", [(f"pcn:{p.code}", str(p)) for p in pcns]),
            ("A practice", [(f"practice:{p.ods_code}", str(p)) for p in practices]),
        ]


def _years(worksheets) -> list[int]:
    """Years with worksheets, newest first; this financial year when there are none yet."""
    return comparison.years_with_worksheets(worksheets) or [
        Period.containing(timezone.localdate()).year
    ]


def _compare(scope, practices, year) -> tuple[comparison.Comparison | None, str]:
    try:
        return comparison.compare(scope, practices, year), ""
    except LookupError as missing:  # no tariff covers the year
        return None, str(missing)


class SchemesView(AccessMixin, TemplateView):
    """A practice, a PCN or the whole commissioner, for officers, auditors and administrators."""

    permission = Permission.VIEW_INSIGHT
    template_name = "reports/schemes.html"

    def get_context_data(self, **kwargs):
        commissioners = list(Commissioner.objects.visible_to(self.scope))
        pcns = list(PCN.objects.visible_to(self.scope).order_by("name", "code"))
        practices = list(Practice.objects.visible_to(self.scope).order_by("name", "ods_code"))
        years = _years(Worksheet.objects.visible_to(self.scope))
        defaults = {
            "year": years[0],
            "show": f"commissioner:{commissioners[0].code}" if commissioners else "",
            "rows": BY_PCN,
        }
        form = SchemesForm(
            {**defaults, **self.request.GET.dict()},
            years=years,
            commissioners=commissioners,
            pcns=pcns,
            practices=practices,
        )
        context = super().get_context_data(form=form, **kwargs)
        if not form.is_valid():
            return context
        year = form.cleaned_data["year"]
        kind, subject = form.subjects[form.cleaned_data["show"]]
        rows = form.cleaned_data["rows"]
        chosen = Practice.objects.visible_to(self.scope)
        if kind == "commissioner":
            chosen = chosen.filter(pcn__commissioner=subject)
        elif kind == "pcn":
            chosen = chosen.filter(pcn=subject)
        else:
            chosen = chosen.filter(pk=subject.pk)

        def results() -> tuple[str, str]:
            result, no_tariff = _compare(self.scope, chosen, year)
            html = render_to_string(
                "reports/_schemes_results.html",
                {
                    "kind": kind,
                    "subject": subject,
                    "rows": rows,
                    "comparison": result,
                    "no_tariff": no_tariff,
                    "figure": result.figure(subject.name) if result else None,
                    "practice_result": (
                        result.practices[0] if result and kind == "practice" else None
                    ),
                },
            )
            return html, result.financial_year if result else ""

        # Kept until a change is recorded (ADR 0048): a commissioner's comparison prices every
        # practice, the same for every officer of the commissioner until something changes.
        html, financial_year = kept(self.scope, "schemes", (kind, subject.pk, year, rows), results)
        context.update(kind=kind, subject=subject, results=html, financial_year=financial_year)
        return context


class PracticeSchemesView(AccessMixin, TemplateView):
    """One practice's comparison: a practice manager's own (another practice is a 404), or any
    practice in scope for the commissioner's staff."""

    permission = Permission.COMPARE_SCHEMES
    template_name = "reports/practice_schemes.html"

    def get_context_data(self, **kwargs):
        practice = get_object_or_404(
            Practice.objects.visible_to(self.scope), ods_code=self.kwargs["ods_code"]
        )
        years = _years(Worksheet.objects.visible_to(self.scope).filter(practice=practice))
        form = YearForm({"year": years[0], **self.request.GET.dict()}, years=years)
        context = super().get_context_data(practice=practice, form=form, **kwargs)
        if not form.is_valid():
            return context
        only = Practice.objects.visible_to(self.scope).filter(pk=practice.pk)
        result, no_tariff = _compare(self.scope, only, form.cleaned_data["year"])
        context.update(
            comparison=result,
            no_tariff=no_tariff,
            figure=result.figure(practice.name) if result else None,
            practice_result=result.practices[0] if result else None,
        )
        return context
