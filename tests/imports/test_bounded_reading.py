"""Spreadsheets bounded by their header (issue 19): cells beyond the header's width plus a margin
are never read, a row of too many cells is refused before it is parsed, and a read that runs out
of time ends with a message. No test is timed: the speed is measured by benchmarks/wide_row.py."""

import itertools

import pytest

from core import tabular
from core.tabular import COLUMN_MARGIN, READ_SECONDS, TableError, read_records, read_table
from tests.imports.conftest import HOME_COLUMNS, csv_file, home_line, xlsx_file
from tests.wide_workbook import wide_row_xlsx

COLUMNS = tuple(HOME_COLUMNS.split(","))


def reasons(error) -> str:
    return "\n".join(str(p) for p in error.value.problems)


def test_the_worst_case_workbook_is_refused_naming_the_row_and_the_column():
    content = wide_row_xlsx()  # one row of 1,500,000 inline cells
    assert len(content) < 200_000
    with pytest.raises(TableError) as error:
        read_table(content, "practices.xlsx", COLUMNS)
    width = len(COLUMNS)
    assert reasons(error) == (
        f"row 1: has a value in column {tabular._letter(width + COLUMN_MARGIN)}, far beyond the "
        f"{width} columns of the header; cells that far to the right are not read. Delete the "
        "columns to the right of the data, or save the data alone as a new workbook, or as CSV "
        "UTF-8."
    )


def test_a_wide_row_under_a_good_header_is_refused_on_its_row():
    with pytest.raises(TableError) as error:
        read_table(wide_row_xlsx(header=list(COLUMNS)), "homes.xlsx", COLUMNS)
    assert reasons(error).startswith("row 2: has a value in column")


def test_the_worksheet_upload_reader_refuses_it_too():
    with pytest.raises(TableError) as error:
        read_records(wide_row_xlsx(), "worksheet.xlsx")
    assert "row 1: has a value in column BM, far beyond the 64 columns a worksheet can have" in (
        reasons(error)
    )


def test_a_row_of_blank_cells_is_refused_for_its_number_of_cells():
    with pytest.raises(TableError) as error:
        read_table(wide_row_xlsx(header=list(COLUMNS), blank=True), "homes.xlsx", COLUMNS)
    assert reasons(error).startswith(
        f"row 2: has more than {tabular.MAX_ROW_CELLS:,} cells, far more than a registry file needs"
    )


def test_a_few_formatted_blank_cells_past_the_margin_are_no_problem():
    content = wide_row_xlsx(len(COLUMNS) + COLUMN_MARGIN + 50, header=list(COLUMNS), blank=True)
    assert read_table(content, "homes.xlsx", COLUMNS).rows == []


def test_a_value_just_past_the_header_is_still_reported_on_its_row():
    row = [*home_line().split(","), "stray"]
    table = read_table(xlsx_file(HOME_COLUMNS, row), "homes.xlsx", COLUMNS)
    assert [str(p) for p in table.problems] == [
        f"row 2: has a value in column {tabular._letter(len(COLUMNS))}, beyond the "
        f"{len(COLUMNS)} columns of the header."
    ]


def test_a_csv_row_far_wider_than_the_header_is_refused():
    content = csv_file(HOME_COLUMNS, home_line() + "," * (COLUMN_MARGIN + 3) + "far")
    with pytest.raises(TableError) as error:
        read_table(content, "homes.csv", COLUMNS)
    assert reasons(error).startswith("row 2: has a value in column")


def test_a_csv_row_of_too_many_cells_is_refused():
    content = csv_file(HOME_COLUMNS, "," * (tabular.MAX_ROW_CELLS + 1))
    with pytest.raises(TableError) as error:
        read_table(content, "homes.csv", COLUMNS)
    assert reasons(error).startswith(f"row 2: has more than {tabular.MAX_ROW_CELLS:,} cells")


def ticking(seconds_per_look: float):
    """A clock that moves on ``seconds_per_look`` each time it is read: no sleeping."""
    counter = itertools.count()
    return lambda: next(counter) * seconds_per_look


def thirty_homes(name: str) -> bytes:
    if name.endswith(".csv"):
        return csv_file(HOME_COLUMNS, *[home_line()] * 30)
    return xlsx_file(HOME_COLUMNS, *[home_line().split(",")] * 30)


@pytest.mark.parametrize("name", ["homes.csv", "homes.xlsx"])
def test_a_read_that_runs_out_of_time_is_stopped_with_a_message(name):
    content = thirty_homes(name)
    with pytest.raises(TableError) as error:
        read_table(content, name, COLUMNS, clock=ticking(READ_SECONDS / 10))
    assert reasons(error) == (
        f"Reading the file took longer than {READ_SECONDS} seconds, far longer than a registry "
        "file needs, so it was stopped: save the data alone as a new workbook, or as CSV UTF-8."
    )


@pytest.mark.parametrize("name", ["homes.csv", "homes.xlsx"])
def test_a_read_within_its_time_is_not_stopped(name):
    content = thirty_homes(name)
    table = read_table(content, name, COLUMNS, clock=ticking(READ_SECONDS / 1000))
    assert len(table.rows) == 30
