"""Reading an import file (SPEC section 10): CSV or the first sheet of an ``.xlsx``, into rows of
text cells numbered as the officer sees them in a spreadsheet (the header is row 1).

Everything that can go wrong with the file as a whole (too big, not UTF-8, not a real workbook, a
wrong header) is a :class:`TableError` holding :class:`RowProblem` s, never a traceback."""

import csv
import datetime
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat

ZIP_SIGNATURE = b"PK\x03\x04"
# An .xlsx is a zip of XML. Its members' declared sizes bound what openpyxl can inflate (Python's
# zipfile never returns more than the declared size), so checking them before opening the workbook
# stops a zip bomb. Registry sheets compress about 10:1; 20× the upload limit leaves room.
UNCOMPRESSED_RATIO = 20
MAX_ZIP_MEMBERS = 1000
# Rows and cells (trailing blanks not counted) a file may spread into. A sheet's XML can claim rows
# and columns it does not hold (a declared dimension of A1:XFD1048576, a row numbered 1,048,576
# after row 1), which openpyxl fills with blanks: a few kilobytes would become billions of cells.
# A national file has a few thousand rows; these bounds are far above that and far below what would exhaust a worker's memory.
MAX_ROWS = 200_000
MAX_CELLS = 1_000_000
# Columns (issue 19). A row is bounded by its header: values are read up to the header's width
# plus COLUMN_MARGIN (so a stray value just past the header is reported on its row), never beyond;
# a value further right refuses the file. A reader that finds its own header (the worksheet
# template) is bounded by MAX_COLUMNS. Blank cells (a formatted range) are skipped, but a row of
# more than MAX_ROW_CELLS cell elements of any kind is refused before it is parsed: one row of
# 1,500,000 inline cells (171 KB zipped) took 24 s of CPU to read before this bound.
COLUMN_MARGIN = 10
MAX_COLUMNS = 64
MAX_ROW_CELLS = 1_000
# Reading a file stops after this many seconds on the clock given (time.monotonic by default).
READ_SECONDS = 20
CLOCK_EVERY = 1_000  # sheet XML elements between two looks at the clock
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, order=True)
class RowProblem:
    """Something wrong with a file: its spreadsheet row (1 is the header; ``None`` for the file as a
    whole), the column (blank when no single column is at fault) and the reason, in words an
    officer can act on."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = ([f"row {self.row}"] if self.row is not None else []) + (
            [f"column {self.column}"] if self.column else []
        )
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class TableError(Exception):
    """The file cannot be read as a table with the expected header."""

    def __init__(self, problems: Iterable[RowProblem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Row:
    """One non-blank data row: its spreadsheet row number and its cells as stripped text."""

    number: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    problems: list[RowProblem]  # rows with values beyond the header's columns


Clock = Callable[[], float]


def read_table(
    content: bytes,
    filename: str,
    columns: Sequence[str],
    optional: Sequence[str] = (),
    *,
    clock: Clock = time.monotonic,
) -> Table:
    """The data rows of ``content``, whose header must name exactly ``columns`` (in any order),
    and may also name any of the ``optional`` columns (a row's cells then hold them; an optional
    column the file lacks is not in its cells at all, so "absent" and "blank" differ).

    Entirely blank rows are skipped (spreadsheets often end with some); row numbers still count
    them, so a reported row is the row the officer sees. No cell further right than the header's
    width plus ``COLUMN_MARGIN`` is read."""
    width = len(columns) + len(optional)
    records = _records(content, filename, _Limits(width + COLUMN_MARGIN, width, clock))
    return table_from_records(records, columns, optional)


def read_records(content: bytes, filename: str, *, clock: Clock = time.monotonic) -> list[list]:
    """The raw records of a CSV or of an ``.xlsx``'s first sheet (typed cells, trailing blanks
    dropped), with every guard of :func:`read_table`: for a reader that finds its own header
    (the practice's worksheet template, say), so bounded by ``MAX_COLUMNS``. Raises
    :class:`TableError`."""
    return _records(content, filename, _Limits(MAX_COLUMNS, None, clock))


class _Limits:
    """How far a read may go: ``columns`` wide (``header`` is the expected header's width, for
    the message; ``None`` when the reader finds its own header), for at most ``READ_SECONDS``
    on ``clock`` from when it is made."""

    def __init__(self, columns: int, header: int | None, clock: Clock):
        self.columns, self.header, self.clock = columns, header, clock
        self.deadline = clock() + READ_SECONDS

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            raise _file_error(
                f"Reading the file took longer than {READ_SECONDS} seconds, far longer than a "
                "registry file needs, so it was stopped: save the data alone as a new workbook, "
                "or as CSV UTF-8."
            )

    def too_wide(self, row: int, column: int) -> TableError:
        """The file refused for a value in ``column`` (0-based) of ``row``."""
        width = (
            f"the {self.header} columns of the header"
            if self.header is not None
            else f"the {self.columns} columns a worksheet can have"
        )
        return TableError(
            [
                RowProblem(
                    row,
                    "",
                    f"has a value in column {_letter(column)}, far beyond {width}; cells that "
                    "far to the right are not read. Delete the columns to the right of the data, "
                    "or save the data alone as a new workbook, or as CSV UTF-8.",
                )
            ]
        )

    def too_many_cells(self, row: int) -> TableError:
        return TableError(
            [
                RowProblem(
                    row,
                    "",
                    f"has more than {MAX_ROW_CELLS:,} cells, far more than a registry file "
                    "needs: delete the columns to the right of the data, or save the data alone "
                    "as a new workbook, or as CSV UTF-8.",
                )
            ]
        )


def table_from_records(
    records: list[list], columns: Sequence[str], optional: Sequence[str] = ()
) -> Table:
    """:func:`read_table` on records already read."""
    header_index = _header(records[0] if records else None, columns, optional)
    rows, problems = [], []
    for number, record in enumerate(records[1:], start=2):
        cells = [cell_text(value) for value in record]
        if not any(cells):
            continue
        beyond = [i for i, text in enumerate(cells) if text and i >= len(header_index)]
        if beyond:
            problems.append(
                RowProblem(
                    number,
                    "",
                    f"has a value in column {_letter(beyond[0])}, beyond the {len(header_index)} "
                    "columns of the header.",
                )
            )
        rows.append(
            Row(
                number,
                {name: cells[i] if i < len(cells) else "" for i, name in header_index.items()},
            )
        )
    return Table(rows, problems)


def cell_text(value) -> str:
    """A cell as text. Spreadsheet cells arrive typed: a whole float is a whole number (``12.0`` →
    ``12``; ``12.5`` stays ``12.5`` for the column to refuse), a date at midnight is an ISO date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).replace("\ufeff", "").strip()


# -- the header ---------------------------------------------------------------------------------


def _header(record: list | None, columns: Sequence[str], optional=()) -> dict[int, str]:
    """Position → column name, after checking the header names exactly ``columns`` (and perhaps
    some of ``optional``)."""
    expected = ", ".join(columns)
    if record is None:
        raise TableError(
            [
                RowProblem(
                    None, "", f"The file is empty: the first row must be the header {expected}."
                )
            ]
        )
    names = [cell_text(value).lower() for value in record]
    while names and not names[-1]:
        names.pop()
    problems = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            problems.append(RowProblem(1, "", f"column {_letter(i)} of the header is blank."))
        elif name in seen:
            problems.append(RowProblem(1, name, "appears twice in the header."))
        else:
            seen[name] = i
    missing = [c for c in columns if c not in seen]
    unexpected = [n for n in seen if n not in columns and n not in optional]
    if missing:
        problems.append(
            RowProblem(
                1,
                "",
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header must be: {expected}).",
            )
        )
    if unexpected:
        problems.append(
            RowProblem(
                1,
                "",
                f"unexpected column{'s' if len(unexpected) > 1 else ''} {', '.join(unexpected)} (the header must be: {expected}).",
            )
        )
    if problems:
        raise TableError(problems)
    return {i: name for name, i in seen.items()}


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# -- the formats --------------------------------------------------------------------------------


def _records(content: bytes, filename: str, limits: _Limits) -> list[list]:
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise _file_error(
            f"The file is {filesizeformat(len(content))}; the largest accepted is {filesizeformat(limit)}."
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_records(content, limits)
    if suffix == ".csv":
        if content.startswith(ZIP_SIGNATURE):
            raise _file_error(
                "The file is named .csv but is a spreadsheet: save it as CSV, or name it .xlsx."
            )
        return _csv_records(content, limits)
    if suffix == ".xls":
        raise _file_error(
            "Old Excel files (.xls) cannot be read: save it as .xlsx or as CSV UTF-8."
        )
    raise _file_error(f"{filename!r} is not a .csv or .xlsx file.")


def _csv_records(content: bytes, limits: _Limits) -> list[list]:
    save_as = "In Excel, save it as 'CSV UTF-8 (comma delimited)'."
    if content.startswith(UTF16_MARKS):
        raise _file_error(f"The file is UTF-16 text ('Unicode Text'), not UTF-8. {save_as}")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _file_error(
            f"The file is not UTF-8 text (line {line} has the byte {content[error.start]:#04x}). "
            "In Excel, save it as 'CSV UTF-8 (comma delimited)'."
        ) from None
    nul = text.find("\x00")
    if nul != -1:
        # No text file holds a NUL (nor can the database store one): most likely UTF-16 without
        # its byte order mark, or not a text file at all.
        line = text.count("\n", 0, nul) + 1
        raise _file_error(
            f"Line {line} of the file holds a NUL character, which a CSV file never does: it may "
            f"be UTF-16 text or not text at all. {save_as}"
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _bounded(reader, limits)
    except csv.Error as error:
        raise _file_error(f"The CSV cannot be read at line {reader.line_num}: {error}.") from None


def _xlsx_records(content: bytes, limits: _Limits) -> list[list]:
    not_a_workbook = "The file is not a valid .xlsx workbook (it may be damaged): save it again from Excel, or as CSV UTF-8."
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _file_error(not_a_workbook) from None
    unpacked_limit = UNCOMPRESSED_RATIO * settings.IMPORT_MAX_BYTES
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > unpacked_limit:
        raise _file_error(
            f"The .xlsx file unpacks to more than {filesizeformat(unpacked_limit)}, far more than a "
            "registry sheet needs: save the data alone as a new workbook, or as CSV UTF-8."
        )
    workbook = None
    try:
        workbook = _load_bounded(io.BytesIO(content), limits)
        if not workbook.worksheets:
            raise _file_error("The workbook has no worksheet.")
        sheet = workbook.worksheets[0]
        # The declared dimension is the file's claim, not its content: without it openpyxl sizes
        # each row by its own last cell (see MAX_ROWS).
        sheet.reset_dimensions()
        return _bounded(sheet.iter_rows(max_col=limits.columns, values_only=True), limits)
    except TableError:
        raise
    except Exception:  # noqa: BLE001 — any parse failure of an uploaded workbook is the file's fault
        raise _file_error(not_a_workbook) from None
    finally:
        if workbook is not None:
            workbook.close()


SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CELL_TAG, ROW_TAG = f"{SHEET_NS}c", f"{SHEET_NS}row"
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]+)$")


def _load_bounded(source, limits: _Limits):
    """``openpyxl.load_workbook(source, read_only=True, data_only=True)``, after scanning its first
    worksheet with :func:`_scan_sheet`: openpyxl reads a sheet once (for its dimensions) while it
    loads the workbook, in time that grows faster than the longest row, so a row too long must
    be refused before then."""
    from openpyxl.reader.excel import ExcelReader

    class BoundedReader(ExcelReader):
        def read_worksheets(self):
            for _, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    with self.archive.open(rel.target) as sheet:
                        _scan_sheet(sheet, limits)
                    break
            super().read_worksheets()

    reader = BoundedReader(source, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _scan_sheet(source, limits: _Limits) -> None:
    """Refuse a sheet (its XML streamed from ``source``) with a row of more than ``MAX_ROW_CELLS``
    cells, a value beyond ``limits.columns``, more than ``MAX_CELLS`` cells in all, or that takes
    too long, looking at each cell as it is parsed: never the whole of a long row at once."""
    from openpyxl.xml.functions import iterparse  # defusedxml's, as openpyxl itself uses

    row, in_row, cells, events = 1, 0, 0, 0
    for _, element in iterparse(source):
        events += 1
        if events % CLOCK_EVERY == 0:
            limits.check_time()
        tag = element.tag
        if tag == CELL_TAG:
            in_row += 1
            cells += 1
            reference = CELL_REFERENCE.match(element.get("r") or "")
            if reference:
                row = int(reference[2])
            if in_row > MAX_ROW_CELLS:
                raise limits.too_many_cells(row)
            if cells > MAX_CELLS:
                raise _too_big(f"{MAX_CELLS:,} cells")
            if len(element):  # a value (<v>, <is> or <f>), not just a formatted blank
                column = _index(reference[1]) if reference else in_row - 1
                if column >= limits.columns:
                    raise limits.too_wide(row, column)
            element.clear()
        elif tag == ROW_TAG:
            row = int(element.get("r") or row) + 1
            in_row = 0
            element.clear()


def _index(letters: str) -> int:
    """The 0-based column index of spreadsheet letters: A → 0, AA → 26."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _too_big(size: str) -> TableError:
    return _file_error(
        f"The file has more than {size}, far more than a registry file needs (a sheet may "
        "reach far beyond its data): save the data alone as a new workbook, or as CSV UTF-8."
    )


def _bounded(records: Iterable[Sequence], limits: _Limits) -> list[list]:
    """The records as lists without their trailing blank cells, refusing a file that spreads into
    more than ``MAX_ROWS`` rows or ``MAX_CELLS`` cells before it has taken the memory to hold them,
    a row with a value beyond ``limits.columns``, or a read that takes too long."""
    rows: list[list] = []
    cells = 0
    for record in records:
        limits.check_time()
        if len(record) > MAX_ROW_CELLS:
            raise limits.too_many_cells(len(rows) + 1)
        if len(rows) >= MAX_ROWS or cells > MAX_CELLS:
            raise _too_big(
                f"{MAX_ROWS:,} rows" if len(rows) >= MAX_ROWS else f"{MAX_CELLS:,} cells"
            )
        row = list(record)
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        if len(row) > limits.columns:
            raise limits.too_wide(len(rows) + 1, len(row) - 1)
        cells += len(row)
        rows.append(row)
    return rows


def _file_error(reason: str) -> TableError:
    return TableError([RowProblem(None, "", reason)])
