from django import forms

from audits.models import AuditCase
from core.forms import NHSForm
from core.free_text import FreeTextForm


class DrawForm(NHSForm):
    financial_year = forms.TypedChoiceField(label="Financial year", coerce=int, choices=())
    count = forms.IntegerField(
        label="Number of practices", min_value=1, required=False,
        help_text="Either a number of practices …",
    )  # fmt: skip
    percent = forms.DecimalField(
        label="Or a percentage of the eligible practices", min_value=0.1, max_value=100,
        decimal_places=1, required=False, help_text="… or a percentage, rounded to the nearest practice.",
    )  # fmt: skip

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]

    def clean(self):
        data = super().clean()
        count, percent = data.get("count"), data.get("percent")
        if self.errors.get("count") or self.errors.get("percent"):
            return data  # the field's own message says what is wrong
        if count is None and percent is None:
            raise forms.ValidationError(
                "Enter the number of practices to draw or a percentage of the eligible practices"
            )
        if count is not None and percent is not None:
            raise forms.ValidationError(
                "Enter the number of practices to draw or a percentage, not both"
            )
        return data


class FlagForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    practice = forms.ModelChoiceField(queryset=None, label="Practice")
    financial_year = forms.TypedChoiceField(label="Financial year", coerce=int, choices=())
    reason = forms.CharField(
        label="Irregularity the practice is flagged for",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, practices, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        self.fields["financial_year"].choices = [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]


class EvidenceRequestForm(FreeTextForm, NHSForm):
    free_text = ("message",)
    message = forms.CharField(
        label="Evidence to send",
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="Signed attendance sheets of this year's meetings with each care home's manager, "
        "and your care-home register kept up to date.",
    )


class FindingsForm(FreeTextForm, NHSForm):
    free_text = ("findings",)
    findings = forms.CharField(label="Findings", widget=forms.Textarea(attrs={"rows": 6}))


class CloseForm(FreeTextForm, NHSForm):
    free_text = ("findings",)
    outcome = forms.ChoiceField(
        label="Outcome", choices=AuditCase.Outcome.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(label="Findings", widget=forms.Textarea(attrs={"rows": 6}))
