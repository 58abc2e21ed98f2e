from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from core.forms import DateField, NHSForm
from imports.sync import ROLES


def _file(label: str, help_text: str, suffixes: tuple[str, ...]) -> forms.FileField:
    field = forms.FileField(
        label=label,
        required=False,
        help_text=help_text,
        error_messages={"empty": "The file is empty."},
    )
    field.suffixes = suffixes
    return field


class SyncUploadForm(NHSForm):
    """One, two or three national files and the date they were published."""

    practices = _file(
        "GP practices file (epraccur.csv)",
        "ODS's epraccur.csv as downloaded (no header row, 27 columns).",
        (".csv",),
    )
    pcns = _file(
        "PCN file (ePCN.xlsx)",
        "ODS's ePCN.xlsx, with its PCNDetails and PCN Core Partner Details sheets.",
        (".xlsx",),
    )
    care_homes = _file(
        "CQC care homes file (HSCA Active Locations)",
        "CQC's monthly HSCA Active Locations, as .ods or .xlsx.",
        (".ods", ".xlsx"),
    )
    files_date = DateField(
        label="Date the files were published",
        help_text="The day ODS and the CQC published them. A care home missing from CQC's file is "
        "deregistered from this month.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("files_date", timezone.localdate())

    def _check(self, role: str):
        upload = self.cleaned_data.get(role)
        if upload is None:
            return None
        limit = settings.NATIONAL_FILE_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest accepted is "
                f"{filesizeformat(limit)}."
            )
        suffixes = self.fields[role].suffixes
        if PurePath(upload.name).suffix.lower() not in suffixes:
            raise forms.ValidationError(f"The file must be {' or '.join(suffixes)}.")
        return upload

    def clean_practices(self):
        return self._check("practices")

    def clean_pcns(self):
        return self._check("pcns")

    def clean_care_homes(self):
        return self._check("care_homes")

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(role) for role in ROLES) and not any(
            role in self.errors for role in ROLES
        ):
            self.add_error("practices", "Select at least one file to upload.")
        return cleaned
