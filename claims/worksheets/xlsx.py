"""The worksheet as a spreadsheet a person fills in: the ``.xlsx`` a practice downloads, one row
per care home with its name and CQC ID, the figures pre-filled exactly as the web form pre-fills
them (:func:`claims.worksheets.prefill.worksheet_prefill`), the closing as a formula, the cells the practice
may not change locked (sheet protection without a password: it guards against slips, not people;
every figure is checked again on upload), whole-number validation on the cells it fills in, and
an instructions sheet. The layout is :data:`TEMPLATE`; :mod:`claims.worksheets.file` reads it back
(and the SPEC §10 machine layout of ``import_worksheets``, which is unchanged)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.utils.text import capfirst

from claims import selectors, wording
from claims.models import Quarter, Worksheet
from claims.rules import MAX_COUNT
from claims.worksheets.forms import FIELD_LABELS, IN_OTHER_HOME_HINT
from claims.worksheets.prefill import Prefill
from core.periods import LONDON
from core.text import xlsx_text
from practices.models import Practice

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(practice: Practice, quarter: Quarter) -> str:
    """``worksheet-C87001-2019-20-Q2.xlsx``: the ODS code and quarter are validated identifiers."""
    return f"worksheet-{practice.ods_code}-{quarter.slug}.xlsx"


# -- the template's layout ---------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where things are on the worksheet sheet. Rows and columns are as a spreadsheet numbers them
    (1-based), so a problem names the cell the practice sees."""

    sheet: str = "Worksheet"
    ods_row: int = 3  # B3: the practice's ODS code
    quarter_row: int = 4  # B4: the quarter's label
    heading_row: int = 8
    # The columns, left to right: what each holds (a worksheet figure, or a fixed part).
    columns: tuple[str, ...] = (
        "care_home",
        "cqc_location_id",
        "beds",
        "opening",
        "new_permanent",
        "temporary",
        "moved_out",
        "died",
        "in_other_home",
        "closing",
    )

    @property
    def first_row(self) -> int:
        return self.heading_row + 1

    def letter(self, name: str) -> str:
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[self.columns.index(name)]

    def column_label(self, name: str) -> str:
        """``E (New permanent patients)``: how a problem names the column."""
        return f"{self.letter(name)} ({HEADINGS[name]})"


TEMPLATE = Layout()
FIGURE_NAMES = ("opening", "new_permanent", "temporary", "moved_out", "died", "in_other_home")
# The headings, in the form's own words (its labels read "Oakwood Lodge: temporary patients").
HEADINGS = {
    "care_home": "Care home",
    "cqc_location_id": "CQC location ID",
    "beds": "Registered beds",
    **{name: capfirst(FIELD_LABELS[name]) for name in FIGURE_NAMES},
    "closing": "Patients at the end of the quarter (closing)",
}
HEADINGS["in_other_home"] += " (not paid)"
LABELS = {"ods": "ODS code", "quarter": "Quarter"}  # the labels in column A of those rows
WIDTHS = (34, 16, 11, 16, 14, 12, 13, 11, 18, 18)
INSTRUCTIONS_SHEET = "Instructions"


def _instructions(
    practice: Practice, quarter: Quarter, worksheet: Worksheet | None, due: str
) -> list[str]:
    figures = [
        f"{HEADINGS['opening']}: the practice's patients in the home on "
        f"{quarter.first_day:%-d %B %Y}. Carried forward from the previous quarter's closing "
        "figure and locked; if it is wrong, ask your contracting team to correct it. A home's "
        "first quarter has no figure to carry forward: enter it.",
        f"{HEADINGS['new_permanent']}: patients who became permanent residents in the quarter "
        "(not temporary registrations).",
        f"{HEADINGS['temporary']}: temporary patients in the quarter, including spot-purchase "
        "beds outside the patient's usual GP area.",
        f"{HEADINGS['moved_out']}: patients who moved from the home (not those who died).",
        f"{HEADINGS['died']}: patients who died in the quarter.",
        f"{HEADINGS['in_other_home']}: {IN_OTHER_HOME_HINT}",
        f"{HEADINGS['closing']}: worked out for you (opening + new permanent - moved out - "
        "died). It is next quarter's opening.",
    ]
    if worksheet is not None:
        when = worksheet.first_submitted_at.astimezone(LONDON)
        return [
            f"Care Home LES worksheet: {practice.name} ({practice.ods_code}), {quarter.label}",
            "",
            f"This worksheet was submitted on {when:%-d %B %Y at %H:%M} (UK time). This copy is "
            "a record of its figures: it cannot be uploaded again. To change a figure, answer "
            "a query from your contracting team in the web app.",
            "",
            "The columns:",
            *figures,
        ]
    return [
        f"Care Home LES worksheet: {practice.name} ({practice.ods_code}), {quarter.label}",
        "",
        "How to fill it in",
        f"1. On the {TEMPLATE.sheet} sheet, type the figures for each care home in the white "
        "cells: whole numbers, 0 where there are none. Grey cells cannot be changed.",
        "2. Save the file (keep it as .xlsx).",
        "3. In the Care Home LES web app, open this quarter's worksheet, choose \"Upload a "
        'filled-in worksheet" and upload the file.',
        "4. Check the figures and the payment on screen, then submit. Nothing is submitted until "
        'you select "Submit worksheet".',
        "",
        f"The {quarter.label} worksheet is due by {due}. It can be "
        f"submitted from {_day_after(quarter)}, once the "
        "quarter has ended. A late worksheet has a deduction.",
        "",
        "The columns:",
        *figures,
        "",
        "The sheet is protected without a password to stop slips; every figure is checked again "
        "when you upload the file, and the web app tells you the row and column of any problem.",
    ]


def _day_after(quarter: Quarter) -> str:
    return f"{quarter.last_day + datetime.timedelta(days=1):%-d %B %Y}"


# -- download ---------------------------------------------------------------------------------


def worksheet_workbook(
    *,
    practice: Practice,
    quarter: Quarter,
    openings: list[selectors.Opening],
    prefill: Prefill | None = None,
    worksheet: Worksheet | None = None,
) -> bytes:
    """The worksheet as ``.xlsx``: one row per eligible aligned home, pre-filled with ``prefill``
    (the web form's starting figures) and the carried-forward openings; or, once submitted, with
    the worksheet's figures, every cell locked."""
    import openpyxl  # only the download needs it
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    layout = TEMPLATE
    # The practice's due date: its commissioner's extension (ADR 0043), or the quarter's default.
    due_date = selectors.effective_due_dates(quarter, [practice.pk]).get(
        practice.pk, quarter.due_date
    )
    due = wording.due_day(due_date, quarter.due_date)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = layout.sheet
    grey = PatternFill("solid", fgColor="E8EDEE")  # NHS pale grey: not for the practice to change
    thin = Side(style="thin", color="768692")
    boxed = Border(left=thin, right=thin, top=thin, bottom=thin)
    unlocked = Protection(locked=False)

    sheet["A1"] = "Care Home LES quarterly worksheet"
    sheet["A1"].font = Font(bold=True, size=14)
    meta = [
        ("Practice", xlsx_text(practice.name)),
        (LABELS["ods"], xlsx_text(practice.ods_code)),
        (LABELS["quarter"], xlsx_text(quarter.label)),
        (
            "Due by",
            f"{due_date:%-d %B %Y} ({quarter.first_day:%-d %B %Y} to "
            f"{quarter.last_day:%-d %B %Y})"
            + (
                f"; extended by your commissioner from {quarter.due_date:%-d %B %Y}"
                if due_date != quarter.due_date
                else ""
            ),
        ),
    ]
    for offset, (label, value) in enumerate(meta):
        sheet.cell(row=2 + offset, column=1, value=label).font = Font(bold=True)
        sheet.cell(row=2 + offset, column=2, value=value)
    sheet.cell(
        row=6,
        column=1,
        value=(
            "Submitted: this copy is a record of the figures and cannot be uploaded again."
            if worksheet is not None
            else "Type the figures in the white cells (whole numbers, 0 where there are none); "
            f"grey cells cannot be changed. See the {INSTRUCTIONS_SHEET} sheet."
        ),
    ).font = Font(italic=True)

    for index, name in enumerate(layout.columns, start=1):
        cell = sheet.cell(row=layout.heading_row, column=index, value=HEADINGS[name])
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill, cell.border = grey, boxed
    sheet.row_dimensions[layout.heading_row].height = 48

    if worksheet is not None:
        lines = sorted(worksheet.lines.all(), key=lambda line: (line.care_home.name, line.pk))
        rows = [
            (line.care_home, {name: getattr(line, name) for name in FIGURE_NAMES}, set())
            for line in lines
        ]
    else:
        prefill = prefill or Prefill()
        rows = []
        for opening in openings:
            pk = opening.care_home.pk
            values = {name: prefill.value(pk, name) for name in FIGURE_NAMES}
            editable = set(FIGURE_NAMES) - {"opening"}
            if opening.is_baseline:
                editable.add("opening")
            else:
                values["opening"] = opening.value
            rows.append((opening.care_home, values, editable))

    whole = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2=str(MAX_COUNT),
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Whole numbers only",
        error=f"Enter a whole number from 0 to {MAX_COUNT:,} (0 if there are none).",
        promptTitle="A whole number",
        prompt="0 if there are none",
    )
    letter = layout.letter
    for number, (home, values, editable) in enumerate(rows, start=layout.first_row):
        fixed = {
            "care_home": xlsx_text(home.name),
            "cqc_location_id": xlsx_text(home.cqc_location_id),
            "beds": home.beds,
            "closing": (
                f"={letter('opening')}{number}+{letter('new_permanent')}{number}"
                f"-{letter('moved_out')}{number}-{letter('died')}{number}"
            ),
        }
        for index, name in enumerate(layout.columns, start=1):
            cell = sheet.cell(row=number, column=index, value=fixed.get(name, values.get(name)))
            cell.border = boxed
            if name in editable:
                cell.protection = unlocked
                whole.add(cell.coordinate)
            else:
                cell.fill = grey
    if whole.sqref:
        sheet.add_data_validation(whole)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions["ABCDEFGHIJ"[index - 1]].width = width
    sheet.freeze_panes = f"C{layout.first_row}"
    # Protected without a password: the practice can still select, widen columns and copy.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False

    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    for text in _instructions(practice, quarter, worksheet, due):
        notes.append([xlsx_text(text)])
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 120
    for row in notes.iter_rows():
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    notes.protection.sheet = True

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
