from django import forms
from django.conf import settings

from carehomes.models import Alignment, CareHome, Coverage, Resident
from core.forms import DateField, NHSForm, NHSModelForm
from core.identifiers import normalise_postcode, validate_nhs_number


class CareHomeForm(NHSModelForm):
    class Meta:
        model = CareHome
        fields = ["cqc_location_id", "name", "postcode", "category", "nursing", "beds"]
        help_texts = {
            "cqc_location_id": "1- and 8 to 11 digits, for example 1-101613254.",
            "category": "Learning disability homes are outside this LES and cannot be claimed for.",
        }
        error_messages = {
            "name": {"required": "Enter the name of the care home"},
            "category": {"required": "Select the category of the care home"},
            "beds": {"required": "Enter the number of registered beds"},
        }

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])


class AlignmentForm(NHSModelForm):
    class Meta:
        model = Alignment
        fields = ["practice", "start_date", "end_date", "lead_gp"]
        help_texts = {
            "end_date": "Leave blank while the alignment continues. The end date is inclusive.",
            "lead_gp": "The practice's lead GP for this home.",
        }
        error_messages = {"lead_gp": {"required": "Enter the name of the lead GP"}}

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        if self.instance.pk:
            # An alignment belongs to one practice; to move a home, end this one and add another.
            self.fields["practice"].disabled = True


class ResidentForm(NHSModelForm):
    """A stay on the practice's care-home register. The service (``carehomes.register``) checks the
    NHS number and the dates and names each problem."""

    # Longer than the stored 10 digits: people type NHS numbers with spaces (485 777 3457).
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=20,
        help_text="10 digits, for example 485 777 3457. Record no name or date of birth: the NHS "
        "number finds the patient in your clinical system.",
    )

    class Meta:
        model = Resident
        fields = [
            "care_home",
            "nhs_number",
            "kind",
            "admitted_on",
            "assessed_on",
            "care_plan_on",
            "two_monthly_review_on",
            "lead_gp_review_on",
            "medication_review_on",
            "left_on",
            "leaving_reason",
        ]
        help_texts = {
            "kind": "A temporary resident does not need a care plan.",
            "assessed_on": "Due within two weeks of admission.",
            "care_plan_on": "Permanent residents only.",
            "two_monthly_review_on": "Every resident is reviewed with the carer every two months.",
            "lead_gp_review_on": "Every six months.",
            "medication_review_on": "Every six months.",
            "left_on": "Leave blank while the resident lives in the home.",
        }
        error_messages = {
            "kind": {"required": "Select whether the resident is permanent or temporary"},
        }

    def __init__(self, *args, care_homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_home"].queryset = care_homes
        self.fields["leaving_reason"].required = False

    def clean_nhs_number(self):
        # Checked here as the service will check it, so the problem is named on the field (and the
        # database's own 10-digit check sees the number as it will be stored).
        return validate_nhs_number(
            self.cleaned_data["nhs_number"], allow_test_numbers=not settings.PRODUCTION
        )


class ClinicForm(NHSForm):
    care_home = forms.ModelChoiceField(queryset=CareHome.objects.none(), label="Care home")
    held_on = DateField(label="Clinic date")
    clinician = forms.CharField(label="GP or clinician (optional)", max_length=200, required=False)

    def __init__(self, *args, care_homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_home"].queryset = care_homes


class CoverageForm(NHSModelForm):
    """A home's coverage (NHS England's care-home support letter, seed 004) and its acuity tier.
    ``carehomes.coverage.coverage_record`` saves it."""

    acuity_tier = forms.ChoiceField(
        label="Acuity tier",
        choices=CareHome._meta.get_field("acuity_tier").choices,
        widget=forms.RadioSelect,
        help_text="Used only by the acuity-tiered scheme in the scheme comparison.",
    )

    class Meta:
        model = Coverage
        fields = [
            "clinical_lead",
            "check_in_day",
            "check_in_by",
            "mdt_in_place",
            "out_of_hours_provider",
            "care_plans_recorded",
        ]
        labels = {
            "clinical_lead": "Named clinical lead",
            "check_in_day": "Day of the weekly check-in",
            "check_in_by": "Weekly check-in by",
            "mdt_in_place": "A multidisciplinary team (MDT) supports the home",
            "out_of_hours_provider": "Out-of-hours provider",
            "care_plans_recorded": "Personalised care plans are recorded for the residents",
        }
        help_texts = {
            "clinical_lead": "The clinician the network named as the home's lead.",
            "check_in_day": "The day priority residents are reviewed each week.",
            "check_in_by": "Who reviews the home's priority residents each week, for example "
            "the PCN's care-home team.",
            "out_of_hours_provider": "Who covers the home out of hours.",
            "care_plans_recorded": "Including end of life care plans and preferences.",
        }
        error_messages = {
            "check_in_day": {
                "invalid_choice": "Choose the day of the week of the weekly check-in.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["check_in_day"].choices = [("", "Not arranged"), *Coverage.Weekday.choices]
