"""The officers' forms for adjustments, marking a run paid and the commissioner's finance details
(docs/adr/0022). Each collects what its one service needs; the service decides."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from claims.models import Adjustment
from core.forms import NHSForm, NHSModelForm
from core.free_text import FreeTextForm
from practices.models import Commissioner

AMOUNT = re.compile(r"^[-+−]?£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
MAX_ADJUSTMENT_PENCE = 100_000_000  # £1,000,000: far beyond any LES claim; a typo guard


def pence_from_pounds(text: str) -> int:
    """``"-1,234.5"`` → ``-123450``. Exact (Decimal), never float."""
    text = (text or "").strip().replace("−", "-")
    if not AMOUNT.fullmatch(text):
        raise forms.ValidationError(
            "Enter the amount in pounds, like -250.00 for a recovery or 60.00 for an underpayment",
            code="invalid",
        )
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace("£", "").replace(",", "").strip()
    try:
        pence = int(Decimal(digits) * 100) * sign
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise forms.ValidationError("Enter the amount in pounds", code="invalid") from None
    if pence == 0:
        raise forms.ValidationError("Enter an amount other than 0.00", code="zero")
    if abs(pence) > MAX_ADJUSTMENT_PENCE:
        raise forms.ValidationError("Enter an amount no more than £1,000,000.00", code="max")
    return pence


class AdjustmentForm(FreeTextForm, NHSForm):
    free_text = ("explanation",)
    claim = forms.ModelChoiceField(
        label="Paid claim",
        queryset=None,
        help_text="The claim that was overpaid or underpaid.",
        error_messages={
            "required": "Choose the paid claim to adjust",
            "invalid_choice": "Choose one of the paid claims listed",
        },
    )
    amount = forms.CharField(
        label="Amount in pounds",
        help_text="Negative for a recovery (the practice was overpaid), for example -250.00; "
        "positive for an underpayment, for example 60.00.",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "autocomplete": "off"}),
        error_messages={"required": "Enter the amount in pounds"},
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=Adjustment.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason for the adjustment"},
    )
    explanation = forms.CharField(
        label="Explanation",
        help_text="What happened and how the amount was worked out. The practice sees this.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Explain the adjustment"},
    )
    audit_case = forms.ModelChoiceField(
        label="Audit case (optional)",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "Choose one of the audit cases listed"},
    )

    def __init__(self, *args, claims, audit_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = claims
        self.fields["claim"].label_from_instance = lambda c: (
            f"{c.reference}: {c.practice.name}, {c.quarter.label}"
        )
        self.fields["audit_case"].queryset = audit_cases
        self.fields["audit_case"].label_from_instance = lambda a: (
            f"{a.practice.name} ({a.practice.ods_code}), {a.year_label}: "
            f"{a.get_outcome_display() or a.get_status_display()}"
        )

    def clean_amount(self) -> int:
        return pence_from_pounds(self.cleaned_data["amount"])


class EndAdjustmentForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason"},
    )

    def __init__(self, *args, label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class MarkPaidForm(NHSForm):
    payment_reference = forms.CharField(
        label="Finance system payment reference",
        help_text="The reference finance gave the payment, for example a BACS batch number.",
        max_length=60,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-20", "autocomplete": "off"}),
        error_messages={"required": "Enter the finance system's payment reference"},
    )


class FinanceDetailsForm(NHSModelForm):
    class Meta:
        model = Commissioner
        fields = ["contact_email", "cost_centre", "gl_code"]
        labels = {
            "contact_email": "Payments contact email",
            "cost_centre": "Cost centre",
            "gl_code": "General-ledger code for the LES",
        }
        help_texts = {
            "contact_email": "Named on every remittance advice, for the practices' questions.",
            "cost_centre": "Written on every row of the finance hand-off.",
            "gl_code": "Written on every row of the finance hand-off.",
        }
