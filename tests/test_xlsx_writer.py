"""core.xlsx writes a table as a workbook by hand (issue 18): openpyxl must read back what it would
have written itself, cell for cell (value, type, number format, bold header), and no text cell may
become a formula."""

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.styles import Font

from core.text import xlsx_text
from core.xlsx import table_xlsx

HEADER = ("name", "note", "amount", "count")
ROWS = [
    ["Practice & <Sons>", "=HYPERLINK(1)", 600.0, 3],
    ["  spaced  ", "\x01=1+1", -12.5, 0],
    ["line\nbreak", "", Decimal("1.10"), None],
    ["quote \" and ' apostrophe", "+44 1234", 1e-7, 10**12],
    ["£ é 漢字 😀", "@SUM(A1)", 0.1 + 0.2, -1],
]


def by_openpyxl(title, header, rows, formats):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([float(c) if isinstance(c, Decimal) else xlsx_text(c) for c in row])
        for column, code in formats.items():
            sheet.cell(row=sheet.max_row, column=column + 1).number_format = code
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cells(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        (
            sheet.title,
            [
                [(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
                for row in sheet.iter_rows()
            ],
        )
        for sheet in book.worksheets
    ]


def test_the_workbook_reads_back_as_openpyxls_own():
    formats = {2: "0.00", 3: "#,##0"}
    ours = table_xlsx("Payments", HEADER, ROWS, formats)
    theirs = by_openpyxl("Payments", HEADER, ROWS, formats)
    assert cells(ours) == cells(theirs)


def test_text_is_never_a_formula_and_numbers_stay_numbers():
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx("T", HEADER, ROWS, {2: "0.00"})))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == HEADER
    assert values[1][:3] == ("Practice & <Sons>", "'=HYPERLINK(1)", 600)
    assert values[2][1] == "'=1+1"  # the control character goes first, then it is neutralised
    assert values[3][2] == 1.1 and values[3][3] is None
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_package_is_a_well_formed_workbook_read_only_too():
    content = table_xlsx("Payments", HEADER, [], {2: "0.00"})
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert "xl/worksheets/sheet1.xml" in package.namelist()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert list(book.active.iter_rows(values_only=True)) == [HEADER]


@pytest.mark.parametrize("title", ["", "a" * 32, "a/b", "[x]"])
def test_a_title_excel_refuses_is_refused(title):
    with pytest.raises(ValueError):
        table_xlsx(title, HEADER, [])


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_a_cell_that_is_neither_text_nor_a_finite_number_is_refused(value):
    with pytest.raises((TypeError, ValueError)):
        table_xlsx("T", HEADER, [["a", "b", value, 1]])
