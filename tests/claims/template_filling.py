"""Filling in the downloaded worksheet template as a person would in a spreadsheet program: find
the home's row by its name, type figures into its cells, save. Like Excel with the sheet
protected, typing into a locked cell is refused (here: an AssertionError), so a test that fills the
template proves the cells it needs are open."""

from __future__ import annotations

import io

import openpyxl

from claims.worksheets.xlsx import HEADINGS, TEMPLATE


def open_template(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def home_rows(sheet) -> dict[str, int]:
    """Care home name → its row number on the worksheet sheet."""
    rows = {}
    for row in sheet.iter_rows(min_row=TEMPLATE.first_row, max_col=1):
        if row[0].value:
            rows[row[0].value] = row[0].row
    return rows


def column_of(heading: str) -> int:
    """The 1-based column whose heading is ``heading`` (as a person reads the sheet)."""
    names = [name for name, text in HEADINGS.items() if text == heading]
    assert names, f"no column is headed {heading!r}"
    return TEMPLATE.columns.index(names[0]) + 1


def type_figures(content: bytes, figures: dict[str, dict[str, object]], *, force=False) -> bytes:
    """``figures``: home name → {heading: value}. Refuses locked cells unless ``force`` (a person
    who unprotected the sheet)."""
    book = open_template(content)
    sheet = book[TEMPLATE.sheet]
    rows = home_rows(sheet)
    for home, values in figures.items():
        for heading, value in values.items():
            cell = sheet.cell(row=rows[home], column=column_of(heading))
            if not force:
                assert sheet.protection.sheet and not cell.protection.locked, (
                    f"{cell.coordinate} ({home}: {heading}) is locked"
                )
            cell.value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
