"""Officers' pages for the data behind the money: quarters and their due dates, the tariff per
financial year and the lateness bands (SPEC §§3, 5, 6)."""

from decimal import Decimal

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.access import Permission
from accounts.base_views import ServiceFormView
from accounts.views import AccessMixin
from claims.models import DueDateExtension, LatenessBand, Quarter, Tariff
from claims.periods import services
from claims.selectors import effective_due_date
from claims.worksheets.services import quarter_for
from core.formatting import money
from core.forms import DateField, NHSForm
from core.free_text import FreeTextForm
from core.periods import Period
from practices.models import Commissioner


class PeriodsView(AccessMixin, TemplateView):
    permission = Permission.VIEW_CLAIMS
    template_name = "periods/index.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        current = Period.containing(today)
        stored = {(q.year, q.number): q for q in Quarter.objects.all()}
        # Every stored quarter, plus this quarter and the next so their due dates can be set ahead.
        for period in (current, current.next()):
            stored.setdefault(
                (period.year, period.quarter),
                Quarter(year=period.year, number=period.quarter, due_date=period.default_due_date),
            )
        quarters = [stored[key] for key in sorted(stored, reverse=True)]
        own = {}
        if self.scope.commissioner_id is not None:
            own = {
                (e.quarter.year, e.quarter.number): e.due_date
                for e in DueDateExtension.objects.filter(
                    commissioner_id=self.scope.commissioner_id
                ).select_related("quarter")
            }
        tariffs = list(Tariff.objects.order_by("-year"))
        return super().get_context_data(
            today=today,
            quarters=[(q, q.due_date >= today, own.get((q.year, q.number))) for q in quarters],
            tariffs=[
                {
                    "tariff": t,
                    "year": Period(t.year, 1).financial_year,
                    "rates": [
                        money(t.new_permanent_pence),
                        money(t.continuing_pence),
                        money(t.temporary_pence),
                    ],
                    "editable": t.starts_on > today,
                }
                for t in tariffs
            ],
            bands=LatenessBand.objects.all(),
            can_manage=self.scope.can(Permission.MANAGE_PERIODS),
            can_extend=self.scope.can(Permission.EXTEND_DUE_DATES)
            and self.scope.commissioner_id is not None,
            **kwargs,
        )


class DueDateForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    due_date = DateField(label="New due date")
    reason = forms.CharField(
        label="Reason for the change",
        help_text="Practices will see the new date; the reason is kept in the audit trail.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DueDateView(ServiceFormView):
    permission = Permission.MANAGE_PERIODS
    form_class = DueDateForm
    submit_label = "Change due date"
    success_message = "Due date changed."

    def quarter(self) -> Quarter:
        try:
            period = Period.parse(self.kwargs["quarter"])
        except ValueError:
            raise Http404 from None
        return Quarter.objects.filter(year=period.year, number=period.quarter).first() or Quarter(
            year=period.year, number=period.quarter, due_date=period.default_due_date
        )

    def get_initial(self):
        return {"due_date": self.quarter().due_date}

    def get_heading(self):
        return f"Change the {self.quarter().label} due date"

    def perform(self, form):
        return services.quarter_set_due_date(
            period=self.quarter().period,
            due_date=form.cleaned_data["due_date"],
            today=timezone.localdate(),
            by=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self, result=None):
        return reverse("periods:index")

    cancel_url = get_success_url


class ExtendDueDateForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    due_date = DateField(label="Due date for your practices")
    reason = forms.CharField(
        label="Reason for the extension",
        help_text="Your practices will see the new date; the reason is kept in the audit trail.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExtendDueDateView(DueDateView):
    """An officer gives their own commissioner's practices a later due date for a quarter: never
    before the scheme-wide default (ADR 0043)."""

    permission = Permission.EXTEND_DUE_DATES
    form_class = ExtendDueDateForm
    submit_label = "Extend due date"
    success_message = "Due date extended for your practices."

    def commissioner(self) -> Commissioner:
        if self.scope.commissioner_id is None:
            raise Http404
        return get_object_or_404(Commissioner, pk=self.scope.commissioner_id)

    def get_initial(self):
        return {"due_date": effective_due_date(self.quarter(), self.scope.commissioner_id)}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        default = self.quarter().due_date
        form.fields["due_date"].help_text = (
            f"The default due date is {default:%-d %B %Y}. The new date cannot be before it. "
            "For example, 28 7 2027"
        )
        return form

    def get_heading(self):
        return f"Extend the {self.quarter().label} due date for {self.commissioner().name}"

    def perform(self, form):
        return services.due_date_extend(
            quarter=quarter_for(self.quarter().period),
            commissioner=self.commissioner(),
            due_date=form.cleaned_data["due_date"],
            today=timezone.localdate(),
            by=self.request.user,
            reason=form.cleaned_data["reason"],
        )


def _pounds_field(label):
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        help_text="In pounds, e.g. 60.00",
    )


class TariffForm(NHSForm):
    """Rates in pounds as officers write them; stored in pence."""

    year = forms.IntegerField(
        label="Financial year starting in April of",
        min_value=2018,
        max_value=2100,
        error_messages={"required": "Enter the year the financial year starts, for example 2027"},
    )
    new_permanent = _pounds_field("New permanent patient, first quarter")
    continuing = _pounds_field("Continuing patient, per quarter")
    temporary = _pounds_field("Temporary patient, per quarter")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, whom in (
            ("new_permanent", "a new permanent patient's first quarter"),
            ("continuing", "a continuing patient's quarter"),
            ("temporary", "a temporary patient's quarter"),
        ):
            self.fields[name].error_messages["required"] = f"Enter the rate for {whom}"

    def pence(self, name) -> int:
        return int(self.cleaned_data[name] * 100)


class TariffView(ServiceFormView):
    permission = Permission.MANAGE_PERIODS
    form_class = TariffForm
    success_message = "Tariff saved."

    def get_initial(self):
        if "year" in self.kwargs:
            self.object = get_object_or_404(Tariff, year=self.kwargs["year"])
        else:
            self.object = Tariff(year=Period.containing(timezone.localdate()).year + 1)
        rates = self.object.rates if self.object.pk else None
        return {
            "year": self.object.year,
            **(
                {
                    "new_permanent": Decimal(rates.new_permanent) / 100,
                    "continuing": Decimal(rates.continuing) / 100,
                    "temporary": Decimal(rates.temporary) / 100,
                }
                if rates
                else {}
            ),
        }

    def get_heading(self):
        return "Change a tariff" if self.object.pk else "Add a tariff"

    def perform(self, form):
        tariff = self.object if self.object.pk else Tariff()
        tariff.year = form.cleaned_data["year"]
        tariff.new_permanent_pence = form.pence("new_permanent")
        tariff.continuing_pence = form.pence("continuing")
        tariff.temporary_pence = form.pence("temporary")
        return services.tariff_save(tariff=tariff, today=timezone.localdate(), by=self.request.user)

    def get_success_url(self, result=None):
        return reverse("periods:index")

    cancel_url = get_success_url
