"""Reading the practice's filled-in worksheet file for one quarter, in either layout:

- **the template** it downloaded (:data:`claims.worksheets.xlsx.TEMPLATE`), recognised by its heading row
  ("Care home", "CQC location ID", …) on the first sheet, as ``.xlsx`` or saved as CSV; the
  practice and quarter are read once from the cells above the headings;
- **the SPEC §10 machine layout** of ``import_worksheets``
  (``practice_ods,quarter,cqc_location_id,opening,…,in_other_home,submitted_at``), one row per
  home; its ``submitted_at`` is ignored: the moment of upload is the submission.

Either way each problem names the spreadsheet row, the column (the template's letter and heading,
or the machine column's name) and the home. Reading goes through :mod:`core.tabular` (size and
zip-bomb guards, row numbers as the spreadsheet shows them); nothing here writes to the database.
The SPEC §4 rules are checked afterwards by the service (:func:`map_problems` puts its problems on
the file's rows)."""

from __future__ import annotations

from dataclasses import dataclass, field

from carehomes.models import CareHome
from claims import selectors
from claims.rules import MAX_COUNT
from claims.worksheets.importers import WorksheetsImporter
from claims.worksheets.services import LineEntry, Problem
from claims.worksheets.xlsx import HEADINGS, LABELS, TEMPLATE
from core.identifiers import validate_cqc_location_id, validate_practice_ods
from core.periods import Period
from core.tabular import Row, RowProblem, TableError, cell_text, read_records, table_from_records
from importing.base import Cells
from practices.models import Practice

COLUMNS = WorksheetsImporter.columns  # the machine layout
COUNTS = ("new_permanent", "temporary", "moved_out", "died", "in_other_home")
# How many rows from the top the template's heading row may have moved (a row inserted above it).
HEADING_SEARCH_ROWS = 30


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
    template: bool = False  # the downloaded template (else the machine layout)
    # How problems name each worksheet field's column, in the file's left-to-right order.
    columns: dict[str, str] = field(default_factory=lambda: {c: c for c in COLUMNS})

    @property
    def ok(self) -> bool:
        return not self.problems

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def sort_problems(self, problems: list[FileProblem]) -> list[FileProblem]:
        """Whole-worksheet problems first, then by row and by column left to right."""
        order = {label: i for i, label in enumerate(self.columns.values())}
        return sorted(
            problems, key=lambda p: (p.row is not None, p.row or 0, order.get(p.column, -1))
        )


def read_worksheet_file(
    content: bytes,
    name: str,
    *,
    practice: Practice,
    period: Period,
    openings: list[selectors.Opening],
) -> UploadedWorksheet:
    """Read the practice's filled-in worksheet for ``period``. Rows must be for this practice and
    quarter and an eligible home aligned with it; every figure a whole number."""
    result = UploadedWorksheet()
    try:
        records = read_records(content, name)
        heading = _template_heading(records)
        if heading is None:
            table = table_from_records(records, COLUMNS)
            rows, file_problems = table.rows, table.problems
        else:
            result.template = True
            result.columns = {
                "practice_ods": f"B ({LABELS['ods']})",
                "quarter": f"B ({LABELS['quarter']})",
                **{n: TEMPLATE.column_label(n) for n in TEMPLATE.columns},
            }
            rows, file_problems = _template_rows(records, heading, practice, period)
    except TableError as error:
        result.problems = [
            FileProblem(p.row, result.column(p.column), "", p.reason) for p in error.problems
        ]
        result.readable = False
        return result
    result.problems += [
        FileProblem(p.row, result.column(p.column), "", p.reason) for p in file_problems
    ]
    homes = {o.care_home.cqc_location_id: o.care_home for o in openings}
    for row in rows:
        problems: list[RowProblem] = []
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
        # The machine layout's submitted_at is ignored: the moment of upload is the submission.
        if home is not None:
            result.rows[home.pk] = row.number
        result.problems += [
            FileProblem(
                p.row, result.column(p.column), named.name if named else "", _reason(p.reason)
            )
            for p in problems
        ]
        if home is None:
            continue
        if problems:
            result.broken.add(home.pk)
            continue
        result.entries[home.pk] = LineEntry(opening=opening, **counts)
    return result


def _reason(reason: str) -> str:
    if reason == "is blank: it is required.":
        return "is blank: enter a number (0 if none)."
    return reason


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


# -- the template ------------------------------------------------------------------------------


def _texts(record) -> list[str]:
    return [cell_text(value) for value in record]


def _template_heading(records: list[list]) -> int | None:
    """The 0-based index of the template's heading row: the first whose first two cells are the
    template's first two headings. ``None``: the file is in the machine layout (or neither)."""
    wanted = [HEADINGS[n].lower() for n in TEMPLATE.columns[:2]]
    for index, record in enumerate(records[:HEADING_SEARCH_ROWS]):
        if [t.lower() for t in _texts(record)[:2]] == wanted:
            return index
    return None


def _template_rows(
    records: list[list], heading: int, practice: Practice, period: Period
) -> tuple[list[Row], list[RowProblem]]:
    """The template's home rows as rows of the machine layout (practice and quarter from the cells
    above the headings), with the problems of the sheet as a whole. Raises :class:`TableError` when
    a heading was changed: the figures could be in the wrong columns."""
    problems = []
    texts = _texts(records[heading])
    changed = []
    for i, name in enumerate(TEMPLATE.columns):
        found = texts[i] if i < len(texts) else ""
        if name == "closing" or found.lower() == HEADINGS[name].lower():
            continue
        changed.append(
            RowProblem(
                heading + 1,
                TEMPLATE.column_label(name),
                (f"the heading is {found!r}" if found else "the heading is blank")
                + f": it must be {HEADINGS[name]!r}. Download the worksheet again and copy your "
                "figures into it.",
            )
        )
    if changed:
        raise TableError(changed)
    above = {
        _texts(record)[0].lower(): (number, _texts(record)[1:2])
        for number, record in enumerate(records[:heading], start=1)
        if record and _texts(record)[0]
    }
    given = {}
    for key in ("practice_ods", "quarter"):
        label = LABELS["ods" if key == "practice_ods" else "quarter"]
        number, value = above.get(label.lower(), (None, []))
        if number is None:
            raise TableError(
                [
                    RowProblem(
                        None,
                        label,
                        f"the {label} row above the headings is missing: download the worksheet "
                        "again and copy your figures into it.",
                    )
                ]
            )
        given[key] = (number, value[0] if value else "")
    # The practice and quarter are checked once, on their own cells, and each home row then
    # carries the expected ones (a home row cannot name another practice).
    sheet = Row(given["practice_ods"][0], {"practice_ods": given["practice_ods"][1]})
    cells = Cells(sheet, problems)
    ods = cells.identifier("practice_ods", validate_practice_ods)
    if not cells.failed and ods != practice.ods_code:
        cells.problem(
            "practice_ods",
            f"is {ods}: this worksheet is for {practice.ods_code} ({practice.name}) only. "
            "Download this practice's worksheet.",
        )
    quarter = Cells(Row(given["quarter"][0], {"quarter": given["quarter"][1]}), problems)
    _check_quarter(quarter, period)
    problems = [RowProblem(p.row, p.column, p.reason) for p in problems]
    if problems:
        raise TableError(problems)
    rows = []
    names = [n for n in TEMPLATE.columns if n in ("cqc_location_id", *COUNTS, "opening")]
    for number, record in enumerate(records[heading + 1 :], start=heading + 2):
        texts = _texts(record)
        cells = {
            name: texts[i] if i < len(texts) else "" for i, name in enumerate(TEMPLATE.columns)
        }
        if not any(cells[n] for n in ("care_home", *names)):
            continue  # a blank row (the closing formula alone is not a home)
        rows.append(
            Row(
                number,
                {
                    "practice_ods": practice.ods_code,
                    "quarter": period.label,
                    **{n: cells[n] for n in names},
                },
            )
        )
    return rows, []


# -- the service's problems, on the file's rows -------------------------------------------------


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
            mapped.append(FileProblem(None, uploaded.column(column), "", reason))
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
                    uploaded.column("cqc_location_id"),
                    name,
                    f"the file has no row for {name}{identifier}: every eligible care home aligned "
                    "with the practice in the quarter needs one.",
                )
            )
            continue
        mapped.append(
            FileProblem(row, uploaded.column(problem.field or "cqc_location_id"), name, reason)
        )
    return mapped
