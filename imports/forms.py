from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from core.forms import NHSForm, check_table_file
from core.tabular import TableError, read_table
from imports.registry import IMPORTERS, kind_choices


class UploadForm(NHSForm):
    """The kind of registry file and the file itself. The file's rows are checked on the preview
    page; here only what makes it unreadable as a whole (size, format, header)."""

    kind = forms.ChoiceField(
        label="What does the file list?",
        choices=kind_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the file lists."},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"A CSV file (UTF-8) or an Excel workbook (.xlsx, first sheet), up to "
            f"{filesizeformat(settings.IMPORT_MAX_BYTES)}. The first row must name the columns."
        ),
        error_messages={
            "required": "Select a CSV or Excel file to upload.",
            "empty": "The file is empty.",
        },
    )

    def clean_file(self):
        return check_table_file(self.cleaned_data["file"])

    def clean(self):
        cleaned = super().clean()
        upload, kind = cleaned.get("file"), cleaned.get("kind")
        if upload is None or kind is None:
            return cleaned
        upload.seek(0)
        cleaned["content"] = upload.read()
        try:
            read_table(
                cleaned["content"],
                upload.name,
                IMPORTERS[kind].columns,
                IMPORTERS[kind].optional_columns,
            )
        except TableError as error:
            messages = [
                f"The header row: {p.reason}" if p.row == 1 and not p.column else str(p)
                for p in error.problems
            ]
            other = _kind_with_header(cleaned["content"], upload.name, besides=kind)
            if other:
                messages.append(
                    f"The file looks like a {other.label.lower()} file: select {other.label}."
                )
            self.add_error("file", messages)
        return cleaned


def _kind_with_header(content: bytes, filename: str, *, besides: str):
    """The other kind of file whose header this file has, if any: the officer picked the wrong one."""
    for kind, importer in IMPORTERS.items():
        if kind == besides:
            continue
        try:
            read_table(content, filename, importer.columns, importer.optional_columns)
        except TableError:
            continue
        return importer
    return None
