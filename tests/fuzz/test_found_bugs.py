"""The failing examples the fuzz tests found, kept as plain tests a person can read (docs/fuzzing.md
says what each was and how it was fixed). Each failed before its fix."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from carehomes.models import CareHome
from claims.models import Quarter, Worksheet
from claims.worksheets.xlsx import TEMPLATE
from core.periods import Period
from core.tabular import TableError, read_table
from core.text import xlsx_text
from importing.base import ImportContext
from imports.services import import_file
from reports.figures import Column, Figure
from tests import factories as f
from tests.fuzz.drivers import web_import
from tests.fuzz.strategies import Upload, csv_bytes, sparse_sheet_bomb

pytestmark = pytest.mark.django_db

HOMES = ("cqc_location_id", "name", "postcode", "category", "nursing", "beds")
WORKSHEETS = (
    "practice_ods", "quarter", "cqc_location_id", "opening", "new_permanent", "temporary",
    "moved_out", "died", "in_other_home", "submitted_at",
)  # fmt: skip


@pytest.fixture
def officer_client(client):
    commissioner = f.CommissionerFactory(code="03L")
    client.force_login(f.officer(commissioner))
    return client


def problems_of(kind, rows, **context):
    content = csv_bytes([list(HOMES if kind == "care_homes" else WORKSHEETS), *rows])
    plan = import_file(
        kind=kind, content=content, filename="f.csv", context=ImportContext(**context)
    )
    assert not plan.ok
    return [str(p) for p in plan.problems]


def test_beds_too_large_for_the_database_is_a_problem_not_an_error_page(officer_client):
    """Was: the preview passed, then confirming raised DataError (integer out of range): a 500."""
    content = csv_bytes(
        [list(HOMES), ["1-101613254", "Oakwood Lodge", "S60 2UB", "elderly", "no", "99999999999"]]
    )
    outcome = web_import(officer_client, "care_homes", Upload("h.csv", content, "example"))
    assert outcome.result == "refused"
    assert outcome.problems == [
        ["2", "beds", "99999999999 is too large: it must be at most 2147483647."]
    ]
    assert not CareHome.objects.exists()


def test_a_number_of_5000_digits_is_a_problem_not_a_traceback():
    """Was: ValueError (Python refuses to convert more than 4,300 digits) out of the preview."""
    commissioner = f.CommissionerFactory(code="03L")
    row = ["1-101613254", "Oakwood Lodge", "S60 2UB", "elderly", "no", "9" * 5000]
    assert problems_of("care_homes", [row], commissioner=commissioner) == [
        "row 2, column beds: A 5000-digit number is too large: it must be at most 2147483647."
    ]


def test_nul_in_a_csv_is_refused_with_its_line(officer_client):
    """Was: the preview queried the database with the text, and PostgreSQL refuses NUL: a 500."""
    content = csv_bytes(
        [list(HOMES), ["1-101613254", "Oak\x00wood", "S60 2UB", "elderly", "no", "4"]]
    )
    outcome = web_import(officer_client, "care_homes", Upload("h.csv", content, "example"))
    assert outcome.result == "refused"
    assert "Line 2 of the file holds a NUL character" in " ".join(outcome.messages)


def test_utf16_csv_is_named_as_utf16():
    """Excel's "Unicode Text" is UTF-16: with its byte order mark the file was "not UTF-8 (line 1
    has the byte 0xff)"; without it, every other byte is a NUL (the test above). Both now say so."""
    text = ",".join(HOMES) + "\r\n"
    for content in (text.encode("utf-16"), text.encode("utf-16-le")):
        with pytest.raises(TableError) as error:
            read_table(content, "homes.csv", HOMES)
        assert "UTF-16" in str(error.value)


@pytest.fixture
def worksheet_registry(db):
    practice = f.PracticeFactory(ods_code="C87001")
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(
        practice=practice,
        care_home__cqc_location_id="1-101613254",
        start_date=datetime.date(2019, 4, 1),
    )


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (  # was: ValueError, "year 10000 is out of range"
            {"quarter": "9999/00 Q4"},
            "row 2, column quarter: '9999/00 Q4' is not a quarter of the LES: its dates do not exist.",
        ),
        (  # was: ValueError, "year 0 is out of range"
            {"quarter": "0000/01 Q1"},
            "row 2, column quarter: '0000/01 Q1' is not a quarter of the LES: its dates do not exist.",
        ),
        (  # was: OverflowError, "date value out of range"
            {"submitted_at": "0001-01-01T00:00:00+01:00"},
            "row 2, column submitted_at: 0001-01-01T00:00:00+01:00 is before 2019/20 Q1 began",
        ),
        (  # was: DataError (integer out of range) inside the checking savepoint
            {"new_permanent": "99999999999999999999"},
            "row 2, column new_permanent: 99999999999999999999 is too large: it must be at most 999.",
        ),
        (  # was: DataError, the payment too large to store; now the web form's limit
            {"new_permanent": "999999999"},
            "row 2, column new_permanent: 999999999 is too large: it must be at most 999.",
        ),
    ],
)
def test_worksheets_file_out_of_range_cells_are_problems(worksheet_registry, cells, problem):
    row = dict(
        zip(
            WORKSHEETS,
            [
                "C87001",
                "2019/20 Q1",
                "1-101613254",
                "1",
                "0",
                "0",
                "0",
                "0",
                "0",
                "2019-07-10T10:00",
            ],
            strict=True,
        )
    )
    row.update(cells)
    problems = problems_of("worksheets", [[row[c] for c in WORKSHEETS]])
    assert any(p.startswith(problem) for p in problems), problems
    assert not Worksheet.objects.exists() and not Quarter.objects.exists()


def test_sheet_claiming_a_million_rows_is_refused_at_once(officer_client):
    """Was: openpyxl filled the gap between row 1 and row 1,048,576 with rows of 16,384 blank
    cells (from the declared dimension): a 4.7 KB file took 20 s and gigabytes before failing."""
    upload = Upload("h.xlsx", sparse_sheet_bomb("far row"), "example")
    outcome = web_import(officer_client, "care_homes", upload)
    assert outcome.result == "refused"
    assert "more than 200,000 rows" in " ".join(outcome.messages)


def test_worksheet_download_with_a_control_character_in_a_home_name(client):
    """Was: openpyxl's IllegalCharacterError (XML holds no control characters): a 500. A CSV
    import keeps one inside a name."""
    practice = f.PracticeFactory(ods_code="C87001")
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(
        practice=practice, care_home__name="=\x1fHome", start_date=datetime.date(2019, 4, 1)
    )
    client.force_login(f.practice_manager(practice))
    response = client.get(
        reverse(
            "claims:worksheet_download",
            kwargs={"ods_code": "C87001", "quarter": Period(2019, 1).slug},
        )
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Worksheet"]
    name = sheet.cell(row=TEMPLATE.first_row, column=1)
    assert name.value == "'=Home" and name.data_type == "s"


def test_xlsx_text_removes_control_characters_before_neutralising():
    assert xlsx_text("\x01=1+1") == "'=1+1"  # not "=1+1", which openpyxl would write as a formula
    assert xlsx_text("Oakwood\x0bLodge") == "OakwoodLodge"
    assert xlsx_text(12) == 12


def test_figure_xlsx_with_a_control_character_in_a_pcn_name():
    figure = Figure(
        slug="spend",
        title="Spend",
        summary="",
        columns=(Column("PCN", "text"), Column("Year", "money")),
        rows=[("\x02=SUM(A1)", 120000)],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(figure.xlsx_bytes())).active
    assert sheet["A2"].value == "'=SUM(A1)" and sheet["B2"].value == 1200


def test_finance_export_with_a_carriage_return_in_a_practice_name(client):
    """Was: the export was written with "\\n" line ends, so a name holding "\\r" was not quoted and
    reading it back to neutralise it failed (csv.Error): a 500."""
    from claims.payments.runs import payment_run_close, payment_run_create
    from claims.review.services import claim_approve, claim_check
    from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
    from core.periods import LONDON

    commissioner = f.CommissionerFactory(code="03L")
    checker, approver = f.officer(commissioner), f.officer(commissioner)
    practice = f.PracticeFactory(pcn__commissioner=commissioner, name="Broom\rLane")
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(practice=practice, start_date=datetime.date(2019, 4, 1)).care_home
    quarter = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime(2019, 7, 10, 12, tzinfo=LONDON),
    )
    claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True,
                commissioner=commissioner,
                run_date=datetime.date(2019, 8, 1),
                by=None,
            )
        ),
        by=approver,
    )
    client.force_login(approver)
    response = client.get(reverse("payment_runs:finance_export", kwargs={"pk": run.pk}))
    assert response.status_code == 200
    assert '"Broom\rLane"' in response.content.decode()
