"""The worksheet as a file (SPEC §10 layout): the ``.xlsx`` a practice downloads pre-filled with its
homes and carried-forward openings, and the filled-in file (``.xlsx`` or CSV) it uploads back.

The first sheet has exactly the columns of ``import_worksheets``
(``practice_ods,quarter,cqc_location_id,opening,new_permanent,temporary,moved_out,died,in_other_home,
submitted_at``), so the same file also loads through the officers' bulk import. On upload
``submitted_at`` is ignored: the moment of upload is the submission. Reading goes through
:func:`imports.tabular.read_table` (size and zip-bomb guards, row numbers as the spreadsheet shows
them); nothing here writes to the database."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from carehomes.models import CareHome
from carehomes_les.identifiers import validate_cqc_location_id, validate_practice_ods
from claims import selectors
from claims.forms import MAX_COUNT
from claims.importers import WorksheetsImporter
from claims.models import Quarter, Worksheet
from claims.periods import Period
from claims.rules import LONDON
from claims.services import LineEntry, Problem
from imports.base import Cells
from imports.tabular import TableError, read_table
from practices.models import Practice

COLUMNS = WorksheetsImporter.columns
COUNTS = ("new_permanent", "temporary", "moved_out", "died", "in_other_home")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A text cell starting with one of these is run as a formula by spreadsheet programs (CSV/formula
# injection). Home names come from the registry, so every text cell is neutralised.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value):
    """Text a spreadsheet shows as text: a leading apostrophe before a formula-like start."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_text(value):
    """A cell an ``.xlsx`` file can hold, shown as text: without the control characters XML cannot
    carry (openpyxl refuses them; a name imported from a CSV may have one), then neutralised. In
    that order, so ``"\x01=1+1"`` cannot lose its first character and become a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def filename(practice: Practice, quarter: Quarter) -> str:
    """``worksheet-C87001-2019-20-Q2.xlsx``: the ODS code and quarter are validated identifiers."""
    return f"worksheet-{practice.ods_code}-{quarter.slug}.xlsx"


# -- download ---------------------------------------------------------------------------------


def worksheet_workbook(
    *,
    practice: Practice,
    quarter: Quarter,
    openings: list[selectors.Opening],
    worksheet: Worksheet | None = None,
) -> bytes:
    """The worksheet as ``.xlsx``: one row per eligible aligned home with its carried-forward opening
    (blank for a baseline, for the practice to enter); a submitted worksheet has its figures and first
    submission moment. A second sheet names the homes."""
    import openpyxl  # only the download needs it
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Worksheet"
    sheet.append(list(COLUMNS))
    lines = {}
    submitted_at = None
    if worksheet is not None:
        lines = {line.care_home_id: line for line in worksheet.lines.all()}
        submitted_at = worksheet.first_submitted_at.astimezone(LONDON).isoformat()
        homes = [line.care_home for line in lines.values()]
        rows = [
            (line.care_home, line.opening, [getattr(line, c) for c in COUNTS])
            for line in sorted(lines.values(), key=lambda line: line.care_home.name)
        ]
    else:
        homes = [o.care_home for o in openings]
        rows = [(o.care_home, o.value, [None] * len(COUNTS)) for o in openings]
    for home, opening, counts in rows:
        sheet.append(
            [
                xlsx_text(practice.ods_code),
                xlsx_text(quarter.label),
                xlsx_text(home.cqc_location_id),
                opening,
                *counts,
                xlsx_text(submitted_at),
            ]
        )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (13, 11, 16, 9, 14, 11, 10, 7, 14, 27), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    if rows:
        whole = DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(MAX_COUNT),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Whole numbers only",
            error="Enter a whole number, 0 or more.",
        )
        whole.add(f"D2:I{len(rows) + 1}")
        sheet.add_data_validation(whole)

    names = book.create_sheet("Care homes")
    names.append(["cqc_location_id", "name", "postcode", "registered_beds", "opening"])
    if worksheet is not None:
        notes = {pk: line.get_opening_source_display() for pk, line in lines.items()}
    else:
        notes = {o.care_home.pk: _opening_note(o) for o in openings}
    for home in sorted(homes, key=lambda h: h.name):
        names.append(
            [
                xlsx_text(home.cqc_location_id),
                xlsx_text(home.name),
                xlsx_text(home.postcode),
                home.beds,
                xlsx_text(notes.get(home.pk, "")),
            ]
        )
    for cell in names[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (16, 40, 11, 16, 60), strict=True):
        names.column_dimensions[letter].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _opening_note(opening: selectors.Opening) -> str:
    if opening.is_baseline:
        return (
            "First quarter for this home: enter the number of patients at the start of the quarter"
        )
    return (
        f"Carried forward from {opening.carried_from.worksheet.quarter.label}: "
        f"{opening.value} (cannot be changed)"
    )


# -- upload -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class FileProblem:
    """Something wrong in the uploaded file: the spreadsheet row (``None``: the worksheet as a whole),
    the column, the home it concerns (if known) and the reason."""

    row: int | None
    column: str
    home: str
    reason: str

    def __str__(self):
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
                self.home,
            )
            if part
        )
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class UploadedWorksheet:
    """The figures read from an uploaded file, by care home id, and the file's problems."""

    entries: dict[int, LineEntry] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)  # care home id → spreadsheet row
    broken: set[int] = field(default_factory=set)  # homes whose row has a problem
    problems: list[FileProblem] = field(default_factory=list)
    readable: bool = True  # False when the file as a whole could not be read as the worksheet

    @property
    def ok(self) -> bool:
        return not self.problems


def read_worksheet_file(
    content: bytes,
    name: str,
    *,
    practice: Practice,
    period: Period,
    openings: list[selectors.Opening],
) -> UploadedWorksheet:
    """Read the practice's filled-in worksheet for ``period``. Rows must be for this practice and
    quarter and an eligible home aligned with it; every figure a whole number. Problems name the row,
    the column and the home. The SPEC §4 rules are checked afterwards by the service
    (:func:`map_problems` puts its problems on the file's rows)."""
    result = UploadedWorksheet()
    try:
        table = read_table(content, name, COLUMNS)
    except TableError as error:
        result.problems = [FileProblem(p.row, p.column, "", p.reason) for p in error.problems]
        result.readable = False
        return result
    result.problems += [FileProblem(p.row, p.column, "", p.reason) for p in table.problems]
    homes = {o.care_home.cqc_location_id: o.care_home for o in openings}
    for row in table.rows:
        problems = []
        cells = Cells(row, problems)
        ods = cells.identifier("practice_ods", validate_practice_ods)
        if "practice_ods" not in cells.failed and ods != practice.ods_code:
            cells.problem(
                "practice_ods",
                f"is {ods}: this worksheet is for {practice.ods_code} ({practice.name}) only.",
            )
        _check_quarter(cells, period)
        cqc = cells.identifier("cqc_location_id", validate_cqc_location_id)
        home = named = homes.get(cqc) if "cqc_location_id" not in cells.failed else None
        if "cqc_location_id" not in cells.failed and home is None:
            cells.problem(
                "cqc_location_id",
                f"{cqc} is not an elderly or EMI care home aligned with {practice.name} in "
                f"{period.label}.",
            )
        elif home is not None and home.pk in result.rows:
            cells.problem(
                "cqc_location_id",
                f"{cqc} is already on row {result.rows[home.pk]}: a worksheet has one line per home.",
            )
            home = None  # the first row stands for the home
        opening = _figure(cells, "opening") if row["opening"] else None
        counts = {c: _figure(cells, c) for c in COUNTS}
        # submitted_at is ignored: the moment of upload is the submission.
        if home is not None:
            result.rows[home.pk] = row.number
        result.problems += [
            FileProblem(p.row, p.column, named.name if named else "", p.reason) for p in problems
        ]
        if home is None:
            continue
        if problems:
            result.broken.add(home.pk)
            continue
        result.entries[home.pk] = LineEntry(opening=opening, **counts)
    return result


def _figure(cells: Cells, column: str) -> int | None:
    return cells.whole_number(column, minimum=0, maximum=MAX_COUNT)


def _check_quarter(cells: Cells, period: Period) -> None:
    value = cells.row["quarter"]
    if not value:
        cells.problem("quarter", "is blank: it is required.")
        return
    try:
        given = Period.parse(value)
    except ValueError as error:
        cells.problem("quarter", str(error))
        return
    if given != period:
        cells.problem("quarter", f"is {given.label}: this worksheet is for {period.label} only.")


def map_problems(
    problems: list[Problem], uploaded: UploadedWorksheet, homes: dict[int, CareHome]
) -> list[FileProblem]:
    """The service's problems on the file's rows and columns. A home whose row already has a problem
    has no line, so the service's "no figures given" for it is left out."""
    mapped = []
    for problem in problems:
        reason = problem.message if problem.message.endswith(".") else f"{problem.message}."
        if problem.care_home_id is None:
            column = "quarter" if problem.message.startswith("Submit the ") else "practice_ods"
            mapped.append(FileProblem(None, column, "", reason))
            continue
        if problem.care_home_id in uploaded.broken:
            continue
        home = homes.get(problem.care_home_id)
        name = home.name if home else problem.home
        row = uploaded.rows.get(problem.care_home_id)
        if row is None:
            identifier = f" ({home.cqc_location_id})" if home else ""
            mapped.append(
                FileProblem(
                    None,
                    "cqc_location_id",
                    name,
                    f"the file has no row for {name}{identifier}: every eligible care home aligned "
                    "with the practice in the quarter needs one.",
                )
            )
            continue
        mapped.append(FileProblem(row, problem.field or "cqc_location_id", name, reason))
    return mapped
