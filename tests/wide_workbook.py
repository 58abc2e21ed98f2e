"""The worst-case spreadsheet of issue 19: one row of 1,500,000 inline cells, about 171 KB as an
.xlsx, which took a web worker 24 s of CPU to read before rows were bounded by their header. Used
by ``tests/imports/test_bounded_reading.py`` and ``benchmarks/wide_row.py``."""

import io
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORST_CELLS = 1_500_000


def wide_row_xlsx(
    cells: int = WORST_CELLS, *, header: list[str] | None = None, blank: bool = False
) -> bytes:
    """An .xlsx whose first sheet holds ``header`` (if given) in row 1 and then one row of
    ``cells`` inline-string cells (``blank``: empty ``<c/>`` elements instead), without cell
    references, as a hand-made file can be written."""
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    base = io.BytesIO()
    book.save(base)
    rows = []
    if header is not None:
        rows.append(
            '<row r="1">'
            + "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in header)
            + "</row>"
        )
    cell = "<c/>" if blank else '<c t="inlineStr"><is><t>x</t></is></c>'
    rows.append(f'<row r="{len(rows) + 1}">' + cell * cells + "</row>")
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>'
        + "".join(rows)
        + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            data = xml.encode() if member.filename == SHEET else source.read(member)
            target.writestr(member.filename, data)
    return out.getvalue()
