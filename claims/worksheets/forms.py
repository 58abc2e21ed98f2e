"""The practice's worksheet form and the worksheet upload form.

The worksheet form has one row of fields per eligible home aligned with the practice in the quarter
(from :func:`claims.selectors.openings`), named ``home-<care home id>-<field>`` so every input is
unique and can be labelled with its home. The form only checks that each figure is a whole number;
the rules of SPEC §4 are :func:`claims.worksheets.services.worksheet_assemble`'s, so the form, the upload and
``import_worksheets`` refuse the same things with the same words."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from claims import selectors
from claims.rules import MAX_COUNT
from claims.worksheets.services import LineEntry
from core.forms import NHSForm, check_table_file

COUNTS = ("new_permanent", "temporary", "moved_out", "died", "in_other_home")
FIGURES = ("opening", *COUNTS)

# What each figure is, in words that finish "Oakwood Lodge: …" (labels, error messages).
FIELD_LABELS = {
    "opening": "patients at the start of the quarter",
    "new_permanent": "new permanent patients",
    "temporary": "temporary patients",
    "moved_out": "patients who moved out",
    "died": "patients who died",
    "in_other_home": "patients living in another care home",
}
# The table's column headings.
COLUMN_HEADINGS = {
    "opening": "Opening",
    "new_permanent": "New permanent",
    "temporary": "Temporary",
    "moved_out": "Moved out",
    "died": "Died",
    "in_other_home": "In another home",
}
# What "In another home" is (SPEC §4), shown above the form's table and in the spreadsheet; each
# "In another home" input points at it (aria-describedby).
IN_OTHER_HOME_HINT = (
    "The practice's care-home patients who live in another care home, one not on this worksheet. "
    "It is reported for information only: it is not paid and not carried forward. It starts at 0: "
    "change it only if you have such patients."
)
IN_OTHER_HOME_HINT_ID = "in-other-home-hint"


def field_name(care_home_id: int, figure: str) -> str:
    return f"home-{care_home_id}-{figure}"


def _figure_field(home_name: str, figure: str) -> forms.IntegerField:
    attrs = {
        "class": "nhsuk-input--width-3",
        "inputmode": "numeric",
        "autocomplete": "off",
        "spellcheck": "false",
    }
    if figure == "in_other_home":
        attrs["aria-describedby"] = IN_OTHER_HOME_HINT_ID
    return forms.IntegerField(
        label=f"{home_name}: {FIELD_LABELS[figure]}",
        min_value=0,
        max_value=MAX_COUNT,
        error_messages={
            "required": "Enter a number (0 if none)",
            "invalid": "Enter a whole number, 0 or more",
            "min_value": "Enter a whole number, 0 or more",
            "max_value": f"Enter a number no more than {MAX_COUNT:,}",
        },
        widget=forms.TextInput(attrs=attrs),
    )


class WorksheetForm(NHSForm):
    """The figures for every home. A carried-forward opening has no field: the practice cannot type
    it (SPEC §4). ``confirm_beds`` is the submitter confirming a closing above the home's beds."""

    def __init__(self, *args, openings: list[selectors.Opening], **kwargs):
        super().__init__(*args, **kwargs)
        self.openings = openings
        for opening in openings:
            home = opening.care_home
            figures = FIGURES if opening.is_baseline else COUNTS
            for figure in figures:
                self.fields[field_name(home.pk, figure)] = _figure_field(home.name, figure)
            self.fields[field_name(home.pk, "confirm_beds")] = forms.BooleanField(
                label=f"I confirm the figures for {home.name} are right", required=False
            )

    def entries(self) -> dict[int, LineEntry]:
        """The figures of every home whose fields are all valid, by care home id."""
        data = getattr(self, "cleaned_data", {})
        entries = {}
        for opening in self.openings:
            pk = opening.care_home.pk
            names = [field_name(pk, f) for f in (FIGURES if opening.is_baseline else COUNTS)]
            if any(data.get(name) is None for name in names):
                continue
            entries[pk] = LineEntry(
                opening=data.get(field_name(pk, "opening")),
                **{figure: data[field_name(pk, figure)] for figure in COUNTS},
                beds_warning_confirmed=bool(data.get(field_name(pk, "confirm_beds"))),
            )
        return entries


class WorksheetUploadForm(NHSForm):
    """The filled-in worksheet file. Its rows are read and checked on the preview page."""

    file = forms.FileField(
        label="Upload the filled-in worksheet",
        help_text=(
            "The .xlsx file you downloaded, filled in, or a CSV file (UTF-8) with the same columns, "
            f"up to {filesizeformat(settings.IMPORT_MAX_BYTES)}."
        ),
        error_messages={
            "required": "Select the filled-in worksheet file to upload",
            "empty": "The file is empty",
        },
    )

    def clean_file(self):
        upload = check_table_file(self.cleaned_data["file"])
        upload.seek(0)
        self.content = upload.read()
        return upload
