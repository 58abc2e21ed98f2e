"""Reading the national registry files as they are published (ADR 0024): ODS's GP practice file
(``epraccur.csv``, no header, columns by position), ODS's PCN workbook (``ePCN.xlsx``, two named
sheets) and CQC's "HSCA Active Locations" (``.ods`` or ``.xlsx``, one sheet, a header found by its
names below rows of notes).

Spreadsheets are read with python-calamine (a Rust reader of .xlsx and .ods): the same size and
zip-bomb guards as the SPEC imports run first, and each row is cut to the header's width, so a
sheet that claims a million columns costs no more than its header. Rows are yielded one at a time
and the caller keeps only its commissioner's."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from core.tabular import (
    MAX_ROWS,
    MAX_ZIP_MEMBERS,
    UNCOMPRESSED_RATIO,
    UTF16_MARKS,
    ZIP_SIGNATURE,
    RowProblem,
    TableError,
    cell_text,
)

EPRACCUR_COLUMNS = 27
HEADER_SEARCH_ROWS = 30  # CQC's file has a few rows of notes above its header
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def header_key(name: str) -> str:
    """A header cell as matched: whitespace (line breaks too) collapsed, case ignored."""
    return " ".join(str(name).split()).lower()


def _file_error(reason: str) -> TableError:
    return TableError([RowProblem(None, "", reason)])


def check_size(content: bytes) -> None:
    limit = settings.NATIONAL_FILE_MAX_BYTES
    if len(content) > limit:
        raise _file_error(
            f"The file is {filesizeformat(len(content))}; the largest accepted is {filesizeformat(limit)}."
        )
    if not content:
        raise _file_error("The file is empty.")


def check_zip(content: bytes, what: str) -> None:
    """The zip-bomb guard of the SPEC imports (ADR 0005), scaled to the national files' limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _file_error(
            f"The file is not a valid {what} (it may be damaged): download it again."
        ) from None
    unpacked_limit = UNCOMPRESSED_RATIO * settings.NATIONAL_FILE_MAX_BYTES
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > unpacked_limit:
        raise _file_error(
            f"The {what} unpacks to more than {filesizeformat(unpacked_limit)}, far more than a "
            "national registry file holds."
        )


# -- epraccur.csv -------------------------------------------------------------------------------


def epraccur_rows(content: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, 27 cells)`` for each non-blank line of epraccur."""
    check_size(content)
    if PurePath(filename).suffix.lower() != ".csv":
        raise _file_error(f"{filename!r} is not a .csv file: the practices file is epraccur.csv.")
    if content.startswith(ZIP_SIGNATURE):
        raise _file_error(
            "The file is a zip archive: unzip epraccur.zip and upload the epraccur.csv inside."
        )
    if content.startswith(UTF16_MARKS):
        raise _file_error("The file is UTF-16 text: epraccur.csv is published as plain text.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # ODS files are ASCII; an older download may be Windows-1252 (an accented name).
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise _file_error("The file holds NUL characters: it is not the epraccur.csv text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            if reader.line_num > MAX_ROWS:
                raise _file_error(f"The file has more than {MAX_ROWS:,} lines.")
            cells = [cell.strip() for cell in record[:EPRACCUR_COLUMNS]]
            if not any(cells):
                continue
            if reader.line_num == 1 and cells[0].lower().replace(" ", "") in (
                "organisationcode",
                "code",
                "ods_code",
            ):
                raise _file_error(
                    "The first line is a header: epraccur.csv as published has none (27 columns "
                    "by position). Upload the file as downloaded from ODS."
                )
            if len(record) < 15:
                raise TableError(
                    [
                        RowProblem(
                            reader.line_num,
                            "",
                            f"has {len(record)} columns: epraccur has {EPRACCUR_COLUMNS}.",
                        )
                    ]
                )
            cells += [""] * (EPRACCUR_COLUMNS - len(cells))
            yield reader.line_num, cells
    except csv.Error as error:
        raise _file_error(f"The CSV cannot be read at line {reader.line_num}: {error}.") from None


# -- spreadsheets -------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A sheet's header (row number, column name → position) and its data rows."""

    header_row: int
    columns: dict[str, int]
    rows: Iterator[tuple[int, list]]
    height: int = 0  # rows in the sheet, the header and notes above it included

    def cell(self, record: list, column: str):
        index = self.columns.get(header_key(column))
        return record[index] if index is not None and index < len(record) else None


def workbook(content: bytes, filename: str, *, allowed: Sequence[str]):
    """The calamine workbook of an .xlsx or .ods upload, after the size and zip guards."""
    check_size(content)
    suffix = PurePath(filename).suffix.lower()
    if suffix not in allowed:
        raise _file_error(f"{filename!r} is not {' or '.join(allowed)}.")
    what = "OpenDocument spreadsheet (.ods)" if suffix == ".ods" else "Excel workbook (.xlsx)"
    check_zip(content, what)
    from python_calamine import CalamineWorkbook  # only the national files need it

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # noqa: BLE001 — any parse failure of an uploaded workbook is the file's fault
        raise _file_error(
            f"The file is not a valid {what} (it may be damaged): download it again."
        ) from None


def sheet_rows(book, sheet_name: str | None, required: Sequence[str]) -> Sheet:
    """The named sheet (or the first), its header found among the first rows by ``required``."""
    try:
        if sheet_name is None:
            sheet = book.get_sheet_by_index(0)
        else:
            names = {header_key(n): n for n in book.sheet_names}
            if header_key(sheet_name) not in names:
                raise _file_error(
                    f"The workbook has no sheet {sheet_name!r} (it has {', '.join(book.sheet_names)})."
                )
            sheet = book.get_sheet_by_name(names[header_key(sheet_name)])
        # calamine yields rows from the sheet's first row but cells from its first used column.
        first_row, first_column = 0, (sheet.start or (0, 0))[1]
        records = iter(sheet.iter_rows())
    except TableError:
        raise
    except Exception:  # noqa: BLE001
        raise _file_error("The sheet cannot be read (the file may be damaged).") from None
    wanted = {header_key(c) for c in required}
    number = first_row
    for number, record in enumerate(records, start=first_row + 1):
        if number - first_row > HEADER_SEARCH_ROWS:
            break
        keys = [header_key(cell_text(v)) for v in record]
        if wanted <= set(keys):
            columns = {}
            for i, key in enumerate(keys):
                if key and key not in columns:
                    columns[key] = i + first_column
            width = max(columns.values()) + 1
            end = getattr(sheet, "end", None)  # (last row, last column), 0-based
            height = end[0] + 1 if end else 0
            return Sheet(number, columns, _data(records, number, width, first_column), height)
    missing = ", ".join(sorted(required))
    raise _file_error(
        f"No header row with the columns {missing} in the first {HEADER_SEARCH_ROWS} rows"
        + (f" of sheet {sheet_name!r}" if sheet_name else "")
        + "."
    )


def _data(records, header_row: int, width: int, first_column: int) -> Iterator[tuple[int, list]]:
    pad = [None] * first_column
    for number, record in enumerate(records, start=header_row + 1):
        if number > MAX_ROWS:
            raise _file_error(f"The sheet has more than {MAX_ROWS:,} rows.")
        cells = (pad + list(record[: max(width - first_column, 0)])) if pad else record[:width]
        if any(c not in (None, "") for c in cells):
            yield number, cells


# -- cells --------------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's value cannot be read; the message is the reason, for the officer."""


def national_date(value) -> datetime.date | None:
    """A date as the national files hold it: an Excel date, ``YYYYMMDD`` or ``DD/MM/YYYY`` text
    (or a number that is one of them). Blank is ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            value = str(int(value))
        elif 1 <= value < 200_000:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = str(value).strip()
    try:
        if re.fullmatch(r"[0-9]{8}", text):
            return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        match = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return datetime.date(year, month, day)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise CellError(f"{text!r} is not a date (YYYYMMDD or DD/MM/YYYY, for example 20260401).")


def yes(value) -> bool:
    """``Y`` (or ``Yes``) is yes; anything else, blank included, is no."""
    return cell_text(value).strip().lower() in ("y", "yes")
