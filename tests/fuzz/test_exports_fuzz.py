"""Formula injection through every CSV and XLSX the service exports.

Formula-like text (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return, drawn by
Hypothesis) is put in every text field that reaches a file: practice, PCN and care home names, a
home's postcode, the waiver reason, the waiving officer's name, the home's clinical lead, check-in
and out-of-hours cover. Then each export is downloaded as the officer (or practice) who would, and
every cell is checked: text that a spreadsheet would run starts with an apostrophe (as
``core.text.safe_text`` makes it), no XLSX cell is a formula, and the numbers are still numbers.

The exports: the review queue CSV (claims/tables.py), the payment run's finance CSV, the
``export_claims`` CSV (claims/worksheets/exports.py), the worksheet XLSX download (claims/worksheets/xlsx.py), the
dashboard and accruals figures as CSV and XLSX (reports/figures.py) and the coverage sitrep CSV
(carehomes/coverage_views.py)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from carehomes.models import Coverage
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from claims.worksheets.xlsx import TEMPLATE
from core.periods import LONDON, Period
from reports.figures import Column, Figure
from tests import factories as f
from tests.fuzz.helpers import example_savepoint
from tests.fuzz.profiles import fuzz
from tests.fuzz.strategies import FORMULA_STARTS, formulas

pytestmark = pytest.mark.django_db

Q1 = Period(2019, 1)
FIELDS = (
    "pcn", "practice", "home", "postcode", "reason", "officer", "lead", "check_in_by", "out_of_hours",
)  # fmt: skip
# Formula-like text a database column holds (no NUL), of a length every field takes.
dangerous = formulas().filter(lambda text: "\x00" not in text and 0 < len(text) <= 60)


def is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def assert_csv_safe(rows: list[list[str]], numeric: tuple[str, ...]) -> None:
    """No cell starts as a formula would, unless it is a plain number; ``numeric`` columns hold
    numbers (or nothing)."""
    header, *body = rows
    assert body, "the export has no rows"
    columns = {name: i for i, name in enumerate(header)}
    for row in body:
        assert len(row) == len(header), f"a row with {len(row)} cells under {len(header)}: {row}"
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                assert is_number(cell), f"unneutralised cell {cell!r} in {row}"
        for name in numeric:
            cell = row[columns[name]]
            assert cell == "" or is_number(cell), f"{name} is not a number: {cell!r}"


def assert_xlsx_safe(
    content: bytes,
    numeric_columns: dict[str, tuple[int, ...]],
    formulas=lambda cell: None,
    numbers_from_row: int = 2,
) -> list:
    """No formula cells but the ones ``formulas(cell)`` names, no text starting as a formula; the
    given columns (1-based, by sheet title) hold numbers. Returns every text cell's value."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    assert cell.value == formulas(cell), (
                        f"a formula cell {cell.coordinate}: {cell.value!r}"
                    )
                    continue
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_STARTS), (
                        f"unneutralised {sheet.title}!{cell.coordinate}: {cell.value!r}"
                    )
                if (
                    cell.column in numeric_columns.get(sheet.title, ())
                    and cell.row >= numbers_from_row
                    and cell.value is not None
                ):
                    assert isinstance(cell.value, int | float), (
                        f"{sheet.title}!{cell.coordinate} is not a number: {cell.value!r}"
                    )
    return texts


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def in_xlsx(text: str, found: list) -> bool:
    """Whether ``text`` is among an XLSX's cells, neutralised. XML cannot hold most control
    characters (they are left out) and reads a carriage return back as a line feed."""
    expected = neutralised(ILLEGAL_CHARACTERS_RE.sub("", text)).replace("\r", "\n")
    return expected in [t.replace("\r", "\n") for t in found]


# -- the data: one practice's late, waived, approved and paid claim ----------------------------------


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return f.officer(commissioner, username="checker"), f.officer(commissioner, username="approver")


def build(commissioner, officers, text: dict[str, str]):
    """A practice whose every text field is ``text``'s, with a claim three days late, its deduction
    waived, approved, and paid in a closed run; and the home's coverage."""
    checker, approver = officers
    checker.first_name, checker.last_name = text["officer"], ""
    checker.save()
    pcn = f.PCNFactory(commissioner=commissioner, name=text["pcn"])
    practice = f.PracticeFactory(pcn=pcn, name=text["practice"], ods_code="C87001")
    f.AgreementFactory(practice=practice)
    home = f.CareHomeFactory(
        commissioner=commissioner,
        name=text["home"],
        postcode=text["postcode"][:8],
        cqc_location_id="1-101613254",
    )
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    Coverage.objects.create(
        care_home=home,
        clinical_lead=text["lead"],
        check_in_by=text["check_in_by"],
        out_of_hours_provider=text["out_of_hours"],
    )
    quarter = quarter_for(Q1)
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=12, new_permanent=2, temporary=1, moved_out=0, died=1)},
        by=None,
        submitted_at=datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=3), datetime.time(12), LONDON
        ),
    )
    claim = claim_waive(claim=claim, by=checker, reason=text["reason"])
    claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=None
    )
    run = payment_run_close(run=f.authorised(run), by=approver)
    return practice, home, run


# A waiver needs a reason, and a person's name is shown stripped: those have words in them.
texts = st.fixed_dictionaries(
    {
        name: dangerous.filter(str.strip) if name in ("reason", "officer") else dangerous
        for name in FIELDS
    }
)


@fuzz(15)
@given(text=texts)
def test_review_queue_csv_neutralises_every_text_cell(client, commissioner, officers, text):
    with example_savepoint():
        build(commissioner, officers, text)
        client.force_login(officers[1])
        response = client.get(reverse("review:queue_csv"), {"show": "all"})
        rows = csv_cells(response.content)
        numeric = (
            "days_late", "band_deduction_percent", "gross", "deduction_percent", "deduction", "net",
        )  # fmt: skip
        assert_csv_safe(rows, numeric)
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["practice_name"] == neutralised(text["practice"])
        assert row["pcn_name"] == neutralised(text["pcn"])
        assert row["waiver_reason"] == neutralised(text["reason"].strip())
        assert row["waived_by"] == neutralised(text["officer"].strip())


@fuzz(15)
@given(text=texts)
@example(text=dict.fromkeys(FIELDS, "=1+1") | {"practice": "Broom\rLane =HYPERLINK(1)"})
def test_finance_export_csv_neutralises_every_text_cell(client, commissioner, officers, text):
    with example_savepoint():
        practice, _home, run = build(commissioner, officers, text)
        client.force_login(officers[1])
        response = client.get(reverse("payment_runs:finance_export", kwargs={"pk": run.pk}))
        rows = csv_cells(response.content)
        assert_csv_safe(rows, ("amount",))
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["practice_ods"] == practice.ods_code
        assert row["practice_name"] == neutralised(text["practice"])


@fuzz(10)
@given(text=texts)
@example(text=dict.fromkeys(FIELDS, "=1+1") | {"practice": "-1+1"})
def test_payments_csv_and_xlsx_neutralise_every_text_cell(client, commissioner, officers, text):
    """The finance hand-off (docs/adr/0022): the practice's name is text, the amount a number."""
    with example_savepoint():
        practice, _home, run = build(commissioner, officers, text)
        client.force_login(officers[1])
        response = client.get(reverse("payment_runs:payments_csv", kwargs={"pk": run.pk}))
        rows = csv_cells(response.content)
        assert_csv_safe(rows, ("amount",))
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["practice_name"] == neutralised(text["practice"])
        response = client.get(reverse("payment_runs:payments_xlsx", kwargs={"pk": run.pk}))
        found = assert_xlsx_safe(response.content, {"Payments": (11,)})
        assert in_xlsx(text["practice"], found)


@fuzz(10)
@given(text=texts)
def test_export_claims_csv_has_only_safe_cells_and_numbers(commissioner, officers, text):
    with example_savepoint():
        build(commissioner, officers, text)
        out = io.StringIO()
        call_command("export_claims", "--quarter", Q1.label, stdout=out)
        rows = csv_cells(out.getvalue().encode())
        numeric = (
            "opening", "new_permanent", "temporary", "closing", "gross", "days_late",
            "deduction_percent", "deduction", "net",
        )  # fmt: skip
        assert_csv_safe(rows, numeric)


@fuzz(15)
@given(text=texts)
def test_coverage_sitrep_csv_neutralises_every_text_cell(client, commissioner, officers, text):
    with example_savepoint():
        build(commissioner, officers, text)
        client.force_login(officers[0])
        rows = csv_cells(client.get(reverse("carehomes:coverage_sitrep")).content)
        assert_csv_safe(rows, ("beds",))
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["name"] == neutralised(text["home"])
        assert row["postcode"] == neutralised(text["postcode"][:8])
        assert row["practice_names"] == neutralised(text["practice"])
        assert row["pcn_names"] == neutralised(text["pcn"])
        assert row["clinical_lead"] == neutralised(text["lead"])
        assert row["check_in_by"] == neutralised(text["check_in_by"])
        assert row["out_of_hours_provider"] == neutralised(text["out_of_hours"])


@fuzz(15)
@given(text=texts)
def test_worksheet_xlsx_download_neutralises_every_text_cell(client, commissioner, officers, text):
    with example_savepoint():
        practice, home, _run = build(commissioner, officers, text)
        client.force_login(f.practice_manager(practice))
        response = client.get(
            reverse(
                "claims:worksheet_download",
                kwargs={"ods_code": practice.ods_code, "quarter": Q1.slug},
            )
        )
        assert response.status_code == 200
        # The template: registered beds, opening and the counts (C–I); the one formula is each
        # home's closing (J), opening + new permanent - moved out - died.
        texts_found = assert_xlsx_safe(
            response.content,
            {"Worksheet": (3, 4, 5, 6, 7, 8, 9)},
            formulas=lambda c: f"=D{c.row}+E{c.row}-G{c.row}-H{c.row}" if c.column == 10 else None,
            numbers_from_row=TEMPLATE.first_row,
        )
        assert in_xlsx(text["home"], texts_found)


@pytest.mark.parametrize("slug", ["submissions", "spend-by-pcn", "deductions", "trends"])
@fuzz(10)
@given(text=texts)
def test_dashboard_figures_csv_and_xlsx_neutralise_every_text_cell(
    client, commissioner, officers, slug, text
):
    with example_savepoint():
        build(commissioner, officers, text)
        client.force_login(officers[0])
        csv_response = client.get(reverse("reports:dashboard_csv", args=[slug]), {"year": 2019})
        xlsx_response = client.get(reverse("reports:dashboard_xlsx", args=[slug]), {"year": 2019})
        assert csv_response.status_code == xlsx_response.status_code == 200
        rows = csv_cells(csv_response.content)
        assert_csv_safe(rows, tuple(rows[0][1:]))  # every column after the first is a number
        width = len(rows[0])
        book = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
        texts_found = assert_xlsx_safe(
            xlsx_response.content, {book.active.title: tuple(range(2, width + 1))}
        )
        if slug == "spend-by-pcn":
            assert rows[1][0] == neutralised(text["pcn"])
            assert in_xlsx(text["pcn"], texts_found)


# The accruals' text columns, by figure; every other column is a number (or empty, in a total row).
ACCRUAL_TEXT_COLUMNS = {
    "categories": 1,
    "by-pcn": 1,
    "by-practice": 2,
    "lines": None,  # Category, Practice, ODS code, PCN, Quarter, Status | Accrued | Basis
}


@pytest.mark.parametrize("slug", list(ACCRUAL_TEXT_COLUMNS))
@fuzz(10)
@given(text=texts)
def test_accruals_csv_and_xlsx_neutralise_every_text_cell(
    client, commissioner, officers, slug, text
):
    with example_savepoint():
        build(commissioner, officers, text)  # the claim is approved, in a run not yet paid
        client.force_login(officers[0])
        csv_response = client.get(reverse("reports:accruals_csv", args=[slug]))
        xlsx_response = client.get(reverse("reports:accruals_xlsx", args=[slug]))
        assert csv_response.status_code == xlsx_response.status_code == 200
        rows = csv_cells(csv_response.content)
        texts_found = assert_xlsx_safe(xlsx_response.content, {})
        if slug == "lines":
            assert_csv_safe(rows, ("Accrued",))
            assert rows[1][1] == neutralised(text["practice"])
            assert rows[1][3] == neutralised(text["pcn"])
            assert in_xlsx(text["practice"], texts_found)
        else:
            assert_csv_safe(rows, tuple(rows[0][ACCRUAL_TEXT_COLUMNS[slug] :]))
        if slug == "by-pcn":
            assert rows[1][0] == neutralised(text["pcn"])
            assert in_xlsx(text["pcn"], texts_found)


# -- the figure component itself, with any rows ----------------------------------------------------

cells = {
    "text": st.one_of(dangerous, st.text(max_size=20).filter(lambda t: "\x00" not in t)),
    "count": st.integers(-(10**6), 10**9),
    "money": st.integers(-(10**9), 10**11),
    "percent": st.decimals(-100, 100, places=2),
}


@st.composite
def figures(draw) -> Figure:
    kinds = ["text"] + draw(
        st.lists(st.sampled_from(["text", "count", "money", "percent"]), max_size=4)
    )
    columns = tuple(Column(f"Column {i}", kind) for i, kind in enumerate(kinds))
    rows = draw(
        st.lists(
            st.tuples(
                *(
                    st.one_of(st.none(), cells[kind]) if i else cells[kind]
                    for i, kind in enumerate(kinds)
                )
            ),
            min_size=1,
            max_size=6,
        )
    )
    return Figure(slug="fuzz", title="Fuzzed figure", summary="", columns=columns, rows=rows)


@fuzz(40)
@given(figure=figures())
def test_figure_files_neutralise_text_and_keep_numbers(figure):
    rows = csv_cells(figure.csv_bytes())
    numeric = tuple(c.label for c in figure.columns if c.numeric)
    assert_csv_safe(rows, numeric)
    numeric_columns = tuple(i for i, c in enumerate(figure.columns, start=1) if c.numeric)
    assert_xlsx_safe(figure.xlsx_bytes(), {"Fuzzed figure": numeric_columns})
    for row, source in zip(rows[1:], figure.rows, strict=True):
        for column, cell, value in zip(figure.columns, row, source, strict=True):
            if value is None:
                assert cell == ""
            elif column.kind == "text":
                assert cell == neutralised(str(value))
            elif column.kind == "money" and value is not None:
                assert Decimal(cell) * 100 == value  # pounds and pence, exactly
            elif value is not None:
                assert Decimal(cell) == value
