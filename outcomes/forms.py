from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from carehomes.models import CareHome
from core.forms import DateField, NHSForm, NHSModelForm
from core.free_text import FreeTextForm
from outcomes.evidence import check_attendance_sheet
from outcomes.models import OutcomesReport


class OutcomesReportForm(FreeTextForm, NHSModelForm):
    free_text = ("actions_taken", "changes_in_practice")

    class Meta:
        model = OutcomesReport
        fields = [
            "emergency_admissions",
            "unplanned_visits",
            "actions_taken",
            "changes_in_practice",
        ]
        help_texts = {
            "emergency_admissions": "Emergency admissions to hospital of the practice's patients "
            "in its care homes during the half-year.",
            "unplanned_visits": "Visits to the homes that were not planned clinics.",
            "actions_taken": "Anonymised: no names, NHS numbers or details that identify a patient.",
            "changes_in_practice": "What changed as a result of the bi-monthly discussions with "
            "the homes' managers. Anonymised.",
        }
        widgets = {
            "emergency_admissions": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "unplanned_visits": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "actions_taken": forms.Textarea(attrs={"rows": 5}),
            "changes_in_practice": forms.Textarea(attrs={"rows": 5}),
        }


class MeetingForm(FreeTextForm, NHSForm):
    free_text = ("attendees", "notes")
    care_home = forms.ModelChoiceField(queryset=CareHome.objects.none(), label="Care home")
    met_on = DateField(label="Meeting date", noun="date of the meeting")
    attendees = forms.CharField(
        label="Who attended",
        error_messages={"required": "Enter who attended the meeting"},
        help_text="Names and roles, for example: Dr A Gunasekera (lead GP), J Smith (home manager).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label="Notes of the discussion (anonymised)",
        help_text="The unplanned admissions discussed and what was agreed, without names, NHS "
        "numbers, dates of birth or anything else that identifies a patient.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attendance_sheet = forms.FileField(
        label="Signed attendance sheet",
        help_text=f"A PDF, PNG or JPEG file, up to {filesizeformat(settings.EVIDENCE_MAX_BYTES)}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args, care_homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_home"].queryset = care_homes

    def clean_attendance_sheet(self):
        return check_attendance_sheet(self.cleaned_data["attendance_sheet"])
