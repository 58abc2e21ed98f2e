from django import forms

from carehomes.models import Alignment, CareHome
from carehomes_les.identifiers import normalise_postcode


class CareHomeForm(forms.ModelForm):
    class Meta:
        model = CareHome
        fields = ["cqc_location_id", "name", "postcode", "category", "nursing", "beds"]
        help_texts = {
            "cqc_location_id": "1- and 8 to 11 digits, for example 1-101613254.",
            "category": "Learning disability homes are outside this LES and cannot be claimed for.",
        }

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])


class AlignmentForm(forms.ModelForm):
    class Meta:
        model = Alignment
        fields = ["practice", "start_date", "end_date", "lead_gp"]
        help_texts = {
            "end_date": "Leave blank while the alignment continues. The end date is inclusive.",
            "lead_gp": "The practice's lead GP for this home.",
        }
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        if self.instance.pk:
            # An alignment belongs to one practice; to move a home, end this one and add another.
            self.fields["practice"].disabled = True
