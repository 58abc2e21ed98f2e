from django import forms

from outcomes.models import OutcomesReport


class OutcomesReportForm(forms.ModelForm):
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
