"""Forms of the commissioning reports: the quarter the cross-practice checks look at, and the
thresholds that make a change a jump."""

from decimal import Decimal

from django import forms

from core.forms import NHSForm


class QuarterChoiceForm(NHSForm):
    """A GET form: which quarter to check, from those with worksheets."""

    quarter = forms.ChoiceField(label="Quarter", choices=())

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(period.slug, period.label) for period in periods]


_PERCENT = "Enter a percentage from 0.1 to 1000, to one decimal place at most"
_PATIENTS = "Enter a whole number of patients from 1 to 100,000"


class CheckThresholdsForm(NHSForm):
    jump_percent = forms.DecimalField(
        label="Percentage change",
        min_value=Decimal("0.1"),
        max_value=Decimal(1000),
        max_digits=5,
        decimal_places=1,
        error_messages={
            key: _PERCENT
            for key in (
                "required",
                "invalid",
                "min_value",
                "max_value",
                "max_digits",
                "max_decimal_places",
                "max_whole_digits",
            )
        },  # fmt: skip
        help_text="A practice's patients claimed must change by at least this percentage of its "
        "previous quarter's figure, up or down, to be a jump. From 0.1 to 1000, to one decimal place.",
    )
    jump_min_patients = forms.IntegerField(
        label="Number of patients",
        min_value=1,
        max_value=100_000,
        error_messages={
            key: _PATIENTS for key in ("required", "invalid", "min_value", "max_value")
        },
        help_text="… and by at least this many patients, so that a small practice going from 2 "
        "patients to 4 is not flagged.",
    )
