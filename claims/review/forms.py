"""The officers' forms on the claim page and the payment run pages. Each form only collects what its
one service needs; the service decides whether the action is allowed (``claims/review/services.py``,
``claims/payments/runs.py``). Forms on the claim page carry a prefix, so that several sit on one page with
unique ids for the error summary to link to."""

from __future__ import annotations

from django import forms

from claims.rules import MAX_COUNT
from core.forms import DateField, NHSForm
from core.free_text import FreeTextForm


def _reason(label: str, help_text: str = "", *, required_message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required_message},
    )


class ActionForm(NHSForm):
    """A button with nothing to fill in (check, approve, close a run…): it exists so that a refusal
    can be shown in the page's error summary like any other form's."""


class QueryForm(FreeTextForm, NHSForm):
    free_text = ("message",)
    message = _reason(
        "Question for the practice",
        "The practice sees this with its worksheet, amends the figures and resubmits. Lateness "
        "stays fixed at the first submission.",
        required_message="Write the question the practice must answer",
    )


class RejectForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    reason = _reason(
        "Reason for rejecting the claim",
        "The practice sees the reason. A rejected claim is never paid.",
        required_message="Give the reason for rejecting the claim",
    )
    counter_fraud = forms.BooleanField(
        label="Refer to counter fraud (suspected fraud, spec 4.2)", required=False
    )


class WaiveForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    reason = _reason(
        "Exceptional circumstances",
        "Removes the lateness deduction and the deferral. The reason, who granted the waiver and "
        "when are kept and shown on the remittance and in the audit pack. A claim already checked "
        "or approved goes back to review for a fresh check and approval.",
        required_message="Write the exceptional circumstances behind the waiver",
    )


class OpeningCorrectionForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    opening = forms.IntegerField(
        label="Corrected opening",
        min_value=0,
        max_value=MAX_COUNT,
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-3", "inputmode": "numeric", "autocomplete": "off"}
        ),
        error_messages={
            "required": "Enter the corrected opening",
            "invalid": "Enter a whole number, 0 or more",
            "min_value": "Enter a whole number, 0 or more",
            "max_value": f"Enter a number no more than {MAX_COUNT:,}",
        },
    )
    reason = _reason(
        "Reason for the correction",
        "Later quarters carried forward from this one are recalculated.",
        required_message="Give the reason for correcting the opening",
    )

    beds_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, home_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.home_name = home_name
        if home_name:  # several of these on one page: each label names its home
            self.fields["opening"].label = f"Corrected opening at {home_name}"
            self.fields["reason"].label = f"Reason for correcting the opening at {home_name}"

    def ask_to_confirm_beds(self) -> None:
        """After the beds warning (SPEC §4), show the box the officer ticks to confirm, as the
        practice does on its worksheet."""
        field = self.fields["beds_confirmed"]
        field.widget = forms.CheckboxInput()
        field.label = (
            "I confirm this opening is right, although it is above the home's registered beds"
        )
        if self.home_name:
            field.label += f" ({self.home_name})"
        self._bound_fields_cache.pop("beds_confirmed", None)  # bound before the label changed


class PaymentRunForm(NHSForm):
    run_date = DateField(
        label="Payment date",
        help_text="The date the practices are paid. Closing the run takes every approved claim due.",
    )


class PaymentRunCancelForm(FreeTextForm, NHSForm):
    free_text = ("reason",)
    reason = _reason(
        "Why is the run cancelled?",
        "Kept in the run's history. The run holds no claims until it is closed, so cancelling it "
        "frees nothing: approved claims wait for the next run.",
        required_message="Enter why the payment run is cancelled",
    )
