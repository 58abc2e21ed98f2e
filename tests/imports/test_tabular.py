"""Reading import files: CSV and .xlsx, headers, encodings and hostile files."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from core.tabular import RowProblem, TableError, cell_text, read_table
from tests.imports.conftest import HOME_COLUMNS, csv_file, home_line, xlsx_file

COLUMNS = tuple(HOME_COLUMNS.split(","))


def reasons(error: TableError) -> str:
    return "\n".join(str(p) for p in error.problems)


def test_csv_rows_are_numbered_as_in_the_spreadsheet():
    content = csv_file(HOME_COLUMNS, home_line(), home_line(cqc="1-101613255"))
    table = read_table(content, "homes.csv", COLUMNS)
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[1]["cqc_location_id"] == "1-101613255"


def test_csv_with_byte_order_mark_is_read():
    table = read_table(csv_file(HOME_COLUMNS, home_line(), bom=True), "homes.csv", COLUMNS)
    assert table.rows[0]["cqc_location_id"] == "1-101613254"


def test_csv_not_utf8_is_a_clear_error():
    content = csv_file(HOME_COLUMNS, home_line()).replace(b"Oakwood", "Ökwood".encode("latin-1"))
    with pytest.raises(TableError) as error:
        read_table(content, "homes.csv", COLUMNS)
    assert "not UTF-8" in reasons(error.value)
    assert "line 2" in reasons(error.value)


def test_file_over_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(TableError) as error:
        read_table(csv_file(HOME_COLUMNS, home_line(), home_line()), "homes.csv", COLUMNS)
    assert "the largest accepted is 100" in reasons(error.value)


def test_header_columns_may_come_in_any_order():
    table = read_table(
        csv_file(
            "beds,name,cqc_location_id,postcode,category,nursing",
            "12,Oak,1-101613254,S60 2UB,emi,no",
        ),
        "h.csv",
        COLUMNS,
    )
    assert table.rows[0].cells == {
        "beds": "12",
        "name": "Oak",
        "cqc_location_id": "1-101613254",
        "postcode": "S60 2UB",
        "category": "emi",
        "nursing": "no",
    }


def test_header_missing_columns_are_named():
    with pytest.raises(TableError) as error:
        read_table(csv_file("cqc_location_id,name,postcode,category", "x"), "h.csv", COLUMNS)
    assert error.value.problems == [
        RowProblem(
            1,
            "",
            "missing columns nursing, beds (the header must be: cqc_location_id, name, postcode, category, nursing, beds).",
        )
    ]


def test_header_unexpected_columns_are_named():
    with pytest.raises(TableError) as error:
        read_table(csv_file(HOME_COLUMNS + ",manager,notes"), "h.csv", COLUMNS)
    assert "unexpected columns manager, notes" in reasons(error.value)


def test_header_repeated_column_is_refused():
    with pytest.raises(TableError) as error:
        read_table(csv_file(HOME_COLUMNS + ",beds"), "h.csv", COLUMNS)
    assert "row 1, column beds: appears twice in the header." in reasons(error.value)


def test_header_case_and_spaces_are_tolerated():
    table = read_table(
        csv_file(" CQC_Location_ID ,Name,Postcode,Category,Nursing,Beds", home_line()),
        "h.csv",
        COLUMNS,
    )
    assert table.rows[0]["beds"] == "40"


def test_empty_file_asks_for_the_header():
    with pytest.raises(TableError) as error:
        read_table(b"", "h.csv", COLUMNS)
    assert "The file is empty" in reasons(error.value)


def test_blank_trailing_rows_are_ignored():
    content = csv_file(HOME_COLUMNS, home_line(), ",,,,,", "", " , ,,,,")
    assert len(read_table(content, "h.csv", COLUMNS).rows) == 1


def test_value_beyond_the_header_is_a_problem_of_its_row():
    table = read_table(csv_file(HOME_COLUMNS, home_line() + ",surprise"), "h.csv", COLUMNS)
    assert table.problems == [
        RowProblem(2, "", "has a value in column G, beyond the 6 columns of the header.")
    ]


def test_unknown_file_type_is_refused():
    with pytest.raises(TableError) as error:
        read_table(b"whatever", "homes.ods", COLUMNS)
    assert "not a .csv or .xlsx file" in reasons(error.value)


def test_old_excel_file_is_refused_with_the_fix():
    with pytest.raises(TableError) as error:
        read_table(b"\xd0\xcf\x11\xe0", "homes.xls", COLUMNS)
    assert "save it as .xlsx" in reasons(error.value)


def test_xlsx_first_sheet_is_read():
    content = xlsx_file(
        HOME_COLUMNS, ["1-101613254", "Oakwood Lodge", "S60 2UB", "elderly", "no", 40]
    )
    table = read_table(content, "homes.xlsx", COLUMNS)
    assert table.rows[0].cells["beds"] == "40"
    assert table.rows[0].number == 2


def test_xlsx_reads_only_the_first_sheet():
    workbook = openpyxl.Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append(["1-101613254", "Oak", "S60 2UB", "emi", "no", 3])
    other = workbook.create_sheet("Notes")
    other.append(["not", "a", "registry"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(read_table(buffer.getvalue(), "homes.xlsx", COLUMNS).rows) == 1


def test_xlsx_blank_trailing_rows_are_ignored():
    content = xlsx_file(
        HOME_COLUMNS,
        ["1-101613254", "Oak", "S60 2UB", "emi", "no", 3],
        [None] * 6,
        [None, "", None],
    )
    assert len(read_table(content, "homes.xlsx", COLUMNS).rows) == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (datetime.datetime(2019, 4, 1), "2019-04-01"),
        (datetime.date(2019, 4, 1), "2019-04-01"),
        (datetime.datetime(2019, 4, 1, 9, 30), "2019-04-01T09:30:00"),
        (True, "yes"),
        (False, "no"),
        (None, ""),
        ("  Oakwood Lodge \u00a0", "Oakwood Lodge"),
    ],
)
def test_cell_text_normalises_spreadsheet_values(value, text):
    assert cell_text(value) == text


def test_xlsx_typed_cells_arrive_as_text():
    content = xlsx_file("a,b,c", [12.0, datetime.datetime(2019, 4, 1), 12.5])
    row = read_table(content, "x.xlsx", ("a", "b", "c")).rows[0]
    assert row.cells == {"a": "12", "b": "2019-04-01", "c": "12.5"}


def test_corrupt_xlsx_is_a_clear_error():
    with pytest.raises(TableError) as error:
        read_table(b"PK\x03\x04 this is not really a zip", "homes.xlsx", COLUMNS)
    assert "not a valid .xlsx workbook" in reasons(error.value)


def test_zip_that_is_not_a_workbook_is_a_clear_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(TableError) as error:
        read_table(buffer.getvalue(), "homes.xlsx", COLUMNS)
    assert "not a valid .xlsx workbook" in reasons(error.value)


def test_xlsx_zip_bomb_is_refused_before_it_is_opened(settings):
    settings.IMPORT_MAX_BYTES = 64 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024 * 1024))  # 2 MB of zeros
    assert len(buffer.getvalue()) < settings.IMPORT_MAX_BYTES
    with pytest.raises(TableError) as error:
        read_table(buffer.getvalue(), "homes.xlsx", COLUMNS)
    assert "unpacks to more than" in reasons(error.value)


def test_xlsx_with_entity_expansion_is_refused():
    """openpyxl parses through defusedxml: an XML bomb in a sheet is a refused file, not a hang."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    source = io.BytesIO(xlsx_file(HOME_COLUMNS))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(rebuilt, "w") as copy:
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            copy.writestr(member, data)
    with pytest.raises(TableError) as error:
        read_table(rebuilt.getvalue(), "homes.xlsx", COLUMNS)
    assert "not a valid .xlsx workbook" in reasons(error.value)


def test_csv_named_file_holding_a_workbook_is_refused():
    with pytest.raises(TableError) as error:
        read_table(xlsx_file(HOME_COLUMNS), "homes.csv", COLUMNS)
    assert "name it .xlsx" in reasons(error.value)


def test_row_problem_reads_as_row_column_reason():
    assert str(RowProblem(4, "ods_code", "is blank.")) == "row 4, column ods_code: is blank."
    assert str(RowProblem(1, "", "missing column x.")) == "row 1: missing column x."
    assert str(RowProblem(None, "", "The file is empty.")) == "The file is empty."
