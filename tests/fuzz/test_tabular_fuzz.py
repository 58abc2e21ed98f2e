"""``core.tabular.read_table``, the one reader every import and upload goes through, on its own:
many more examples than the page-level tests afford. Whatever the bytes, it returns a table or
raises ``TableError`` with a reason; nothing else escapes it."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from hypothesis import given
from hypothesis import strategies as st

from core.tabular import MAX_ROWS, TableError, read_table
from tests.fuzz.profiles import fuzz
from tests.fuzz.strategies import (
    broken_files,
    csv_bytes,
    hostile_cells,
    hostile_files,
    lying_zip_bomb,
    sparse_sheet_bomb,
    zip_bomb,
)

COLUMNS = ("cqc_location_id", "name", "postcode", "category", "nursing", "beds")
LIMIT = django_settings.IMPORT_MAX_BYTES
rows = st.lists(st.fixed_dictionaries({column: hostile_cells() for column in COLUMNS}), max_size=6)


def read(upload):
    """The table, or the reasons it was refused; any other exception fails the test."""
    try:
        return read_table(upload.content, upload.name, COLUMNS), []
    except TableError as error:
        reasons = [str(problem) for problem in error.problems]
        assert reasons and all(reasons), "a refused file must say why"
        return None, reasons


@fuzz(60)
@given(upload=hostile_files(COLUMNS, rows, LIMIT))
def test_read_table_returns_a_table_or_says_why(upload):
    table, _reasons = read(upload)
    if table is not None:
        for row in table.rows:
            assert row.number >= 2  # the header is row 1
            assert set(row.cells) == set(COLUMNS)
            assert all(isinstance(text, str) for text in row.cells.values())
            assert "\x00" not in "".join(row.cells.values())  # never reaches the database


@fuzz(40)
@given(content=st.binary(max_size=2000), name=st.sampled_from(["f.csv", "f.xlsx", "f.xls", "f"]))
def test_read_table_of_random_bytes_returns_a_table_or_says_why(content, name):
    class Raw:
        pass

    raw = Raw()
    raw.content, raw.name = content, name
    read(raw)


@fuzz(40)
@given(upload=broken_files(COLUMNS, LIMIT))
def test_files_that_are_not_tables_are_refused_or_empty(upload):
    table, reasons = read(upload)
    if upload.how == "header only":
        assert table is not None and table.rows == []
    elif upload.how.endswith("in docProps/app.xml"):
        # A part the reader never parses: the attack is inert, the sheet reads as written.
        assert table is not None
        cells = " ".join(text for row in table.rows for text in row.cells.values())
        assert "lol" not in cells and "root:" not in cells
    else:
        assert table is None and reasons, upload.how


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda: zip_bomb(LIMIT), "unpacks to more than"),
        (lying_zip_bomb, "not a valid .xlsx workbook"),
        (lambda: sparse_sheet_bomb("far row"), f"more than {MAX_ROWS:,} rows"),
        (lambda: sparse_sheet_bomb("wide rows"), "has a value in column XFD, far beyond"),
    ],
    ids=["zip bomb", "lying zip bomb", "a row a million rows down", "rows reaching column XFD"],
)
def test_workbooks_that_would_inflate_are_refused_before_they_take_the_memory(content, reason):
    with pytest.raises(TableError) as error:
        read_table(content(), "homes.xlsx", COLUMNS)
    assert reason in str(error.value)


def test_csv_of_blank_lines_past_the_row_limit_is_refused():
    content = csv_bytes([list(COLUMNS)]) + b"\r\n" * (MAX_ROWS + 1)
    with pytest.raises(TableError) as error:
        read_table(content, "homes.csv", COLUMNS)
    assert f"more than {MAX_ROWS:,} rows" in str(error.value)
