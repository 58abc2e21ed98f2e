from django import forms
from django.core.validators import validate_email

from core.forms import NHSForm, NHSModelForm
from core.free_text import FreeTextForm
from practices.models import PCN, Agreement, AgreementVariation, Practice


class PCNForm(NHSModelForm):
    class Meta:
        model = PCN
        fields = ["code", "name"]
        help_texts = {"code": "U and 5 digits, for example U51663."}
        error_messages = {"name": {"required": "Enter the name of the PCN"}}


class PracticeForm(NHSModelForm):
    class Meta:
        model = Practice
        fields = ["ods_code", "name", "pcn", "supplier_number"]
        help_texts = {"ods_code": "A capital letter and 5 digits, for example C87001."}
        error_messages = {"name": {"required": "Enter the name of the practice"}}

    def __init__(self, *args, pcns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pcn"].queryset = pcns


class PracticeContactsForm(NHSForm):
    emails = forms.CharField(
        label="Contact email addresses",
        help_text="One address per line. Reminders and remittance advice are sent to every address.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_emails(self):
        emails = [
            line.strip() for line in self.cleaned_data["emails"].replace(";", "\n").splitlines()
        ]
        emails = [e for e in emails if e]
        if not emails:
            raise forms.ValidationError("Enter at least one email address.")
        for email in emails:
            try:
                validate_email(email)
            except forms.ValidationError:
                raise forms.ValidationError(f"{email!r} is not a valid email address.") from None
        return emails


class AgreementNoticeForm(NHSModelForm):
    class Meta:
        model = Agreement
        fields = ["notice_given_on", "notice_given_by"]
        labels = {
            "notice_given_on": "Date written notice was given",
            "notice_given_by": "Notice given by",
        }
        error_messages = {"notice_given_by": {"required": "Select who gave notice"}}
        help_texts = {"notice_given_on": "The agreement ends 6 months after this date."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice_given_on"].required = True
        self.fields["notice_given_by"].required = True


class AgreementVariationForm(FreeTextForm, NHSModelForm):
    free_text = ("title", "notes")

    class Meta:
        model = AgreementVariation
        fields = ["title", "offered_on", "signed_on", "notes"]
        labels = {
            "title": "Title of the variation",
            "offered_on": "Date the variation was offered",
            "signed_on": "Date signed by the practice",
        }
        help_texts = {
            "signed_on": "Leave blank while the practice has not signed: the old terms stay in force."
        }
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
