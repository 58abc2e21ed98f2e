"""Writing the national registry files in their published layouts, for tests and the benchmark:
ODS's ``epraccur.csv`` (27 columns, no header), ``ePCN.xlsx`` (two sheets, headers with line
breaks) and CQC's "HSCA Active Locations" as ``.xlsx`` or ``.ods`` (rows of notes above the header)."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl


def epraccur_csv(practices: list[dict]) -> bytes:
    """Each practice: ods, name, postcode, opened (YYYYMMDD text), closed, status, commissioner,
    setting (default 4)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for p in practices:
        row = [""] * 27
        row[0] = p["ods"]
        row[1] = p["name"].upper()
        row[2] = "Y56"
        row[3] = "Q72"
        row[4] = "1 HIGH STREET"
        row[7] = "BARNSLEY"
        row[8] = "SOUTH YORKSHIRE"
        row[9] = p.get("postcode", "S70 1AA")
        row[10] = p.get("opened", "19740401")
        row[11] = p.get("closed", "")
        row[12] = p.get("status", "A")
        row[13] = "B"
        row[14] = p.get("commissioner", "03L")
        row[15] = "20130401"
        row[17] = "01226 000000"
        row[21] = "0"
        row[23] = "4"
        row[25] = p.get("setting", "4")
        writer.writerow(row)
    return out.getvalue().encode("ascii")


PCN_DETAILS_HEADER = [
    "PCN Code",
    "PCN Name",
    "Current Sub ICB Loc Code",
    "Sub ICB Location",
    "Open Date",
    "Close Date",
    "Address Line 1",
    "Postcode",
]
PARTNER_HEADER = [
    "Partner\nOrganisation\nCode",
    "Partner Name",
    "Practice Parent\nSub ICB Loc Code",
    "Practice Parent Sub ICB Loc Name",
    "PCN Code",
    "PCN Name",
    "PCN Parent Sub ICB Loc Code",
    "PCN Parent Sub ICB Loc Name",
    "Practice to PCN\nRelationship Start Date",
    "Practice to PCN\nRelationship End Date",
]


def epcn_xlsx(pcns: list[dict], partners: list[dict]) -> bytes:
    """pcns: code, name, commissioner, opened, closed. partners: ods, name, commissioner, pcn,
    pcn_name, start, end (dates as ``datetime.date`` (Excel dates) or text)."""
    book = openpyxl.Workbook(write_only=True)
    details = book.create_sheet("PCNDetails")
    details.append(PCN_DETAILS_HEADER)
    for p in pcns:
        details.append(
            [
                p["code"],
                p["name"],
                p.get("commissioner", "03L"),
                "NHS SOUTH YORKSHIRE ICB - 03L",
                p.get("opened", datetime.date(2019, 7, 1)),
                p.get("closed"),
                "1 HIGH STREET",
                "S70 1AA",
            ]
        )
    sheet = book.create_sheet("PCN Core Partner Details")
    sheet.append(PARTNER_HEADER)
    for p in partners:
        sheet.append(
            [
                p["ods"],
                p.get("name", p["ods"]),
                p.get("commissioner", "03L"),
                "NHS SOUTH YORKSHIRE ICB - 03L",
                p["pcn"],
                p.get("pcn_name", ""),
                p.get("commissioner", "03L"),
                "NHS SOUTH YORKSHIRE ICB - 03L",
                p.get("start", datetime.date(2019, 7, 1)),
                p.get("end"),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CQC_HEADER = [
    "Location ID",
    "Location ODS Code",
    "Location Name",
    "Location Telephone Number",
    "Location Web Address",
    "Care home?",
    "Location Type/Sector",
    "Dormant (Y/N)",
    "Care homes beds",
    "Location HSCA start date",
    "Location Street Address",
    "Location City",
    "Location Postal Code",
    "Location Local Authority",
    "Location Region",
    "Location ONSPD CCG Code",
    "Location ONSPD CCG",
    "Regulated activity - Accommodation for persons who require nursing or personal care",
    "Service type - Care home service with nursing",
    "Service type - Care home service without nursing",
    "Service type - Domiciliary care service",
    "Service user band - Children 0-18 years",
    "Service user band - Dementia",
    "Service user band - Learning disabilities or autistic spectrum disorder",
    "Service user band - Older People",
    "Service user band - Younger Adults",
    "Provider ID",
    "Provider Name",
]
CQC_NOTES = [
    ["Care Quality Commission: HSCA Active Locations"],
    ["This file lists every location registered with the CQC on the date below."],
    [],
]


def cqc_record(loc: dict) -> list:
    """A location: id, name, postcode, beds, care_home (Y/N), dormant, ccg ("NHS … - 03L"),
    nursing, bands (a set of "older", "dementia", "ld"), started."""
    bands = loc.get("bands", {"older"})
    nursing = loc.get("nursing", False)
    y = "Y"
    return [
        loc["id"],
        "",
        loc["name"],
        "01226000000",
        "",
        loc.get("care_home", "Y"),
        "Social Care Org",
        loc.get("dormant", "N"),
        loc.get("beds", 30),
        loc.get("started", datetime.date(2012, 5, 1)),
        "2 Church Lane",
        "Barnsley",
        loc.get("postcode", "S70 2AB"),
        "Barnsley",
        "North East",
        "E38000006",
        loc.get("ccg", "NHS South Yorkshire ICB - 03L"),
        y,
        y if nursing else "",
        "" if nursing else y,
        "",
        "",
        y if "dementia" in bands else "",
        y if "ld" in bands else "",
        y if "older" in bands else "",
        "",
        "1-100000001",
        "Care Provider Ltd",
    ]


def cqc_xlsx(locations: list[dict], *, notes: bool = True) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("HSCA_Active_Locations")
    for row in CQC_NOTES if notes else []:
        sheet.append(row)
    sheet.append(CQC_HEADER)
    for loc in locations:
        sheet.append(cqc_record(loc))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cqc_ods(locations: list[dict], *, notes: bool = True) -> bytes:
    rows = (CQC_NOTES if notes else []) + [CQC_HEADER] + [cqc_record(loc) for loc in locations]
    return ods_bytes("HSCA_Active_Locations", rows)


# -- a minimal OpenDocument spreadsheet writer ---------------------------------------------------

_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
_CONTENT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)


def _ods_cell(value) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, datetime.date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    lines = "".join(f"<text:p>{escape(part)}</text:p>" for part in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string">{lines}</table:table-cell>'


def ods_chunks(sheet_name: str, rows):
    yield _CONTENT_HEAD + f'<table:table table:name="{escape(sheet_name)}">'
    for row in rows:
        yield "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
    yield "</table:table></office:spreadsheet></office:body></office:document-content>"


def ods_bytes(sheet_name: str, rows) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("content.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as content:
            for chunk in ods_chunks(sheet_name, rows):
                content.write(chunk.encode("utf-8"))
    return out.getvalue()
