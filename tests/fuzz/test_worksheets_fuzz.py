"""Hostile worksheet files: the officers' bulk import (``import_worksheets``, and the worksheets
file through the registry upload) and the practice manager's upload of a filled-in worksheet.

The bulk import submits every worksheet through the same service as the web form, inside the
import's transaction; a refused file must leave no quarter, worksheet, line or history row behind.
The practice's upload never writes anything: it shows the problems, or the preview to submit."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from claims.models import Worksheet
from claims.worksheets.importers import WorksheetsImporter
from core.periods import LONDON, Period
from practices.models import Practice
from tests import factories as f
from tests.fuzz.drivers import command_import, web_import
from tests.fuzz.helpers import (
    assert_refusal_is_explained,
    changed,
    example_savepoint,
    problem_table,
    row_counts,
)
from tests.fuzz.profiles import fuzz
from tests.fuzz.strategies import (
    FORMULAS,
    Upload,
    csv_bytes,
    expected_records,
    hostile_files,
    huge_numbers,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

LIMIT = django_settings.IMPORT_MAX_BYTES
COLUMNS = WorksheetsImporter.columns
COUNTS = ("new_permanent", "temporary", "moved_out", "died", "in_other_home")
Q1, Q2 = "2019/20 Q1", "2019/20 Q2"
SUBMITTED = {Q1: "2019-07-10T12:00:00", Q2: "2019-10-11T09:00:00"}
# Practice → its homes (CQC location ID, beds); C99001 is another commissioner's.
HOMES = {
    "C87001": (("1-101613254", 40), ("1-102000001", 30)),
    "C87002": (("1-103000003", 25),),
}
OTHER_PRACTICE, UNALIGNED_HOME = "C99001", "1-109000009"


@pytest.fixture
def registry(db):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(code="U51663", commissioner=rotherham)
    for ods, homes in HOMES.items():
        practice = f.PracticeFactory(ods_code=ods, name=f"Practice {ods}", pcn=pcn)
        f.AgreementFactory(practice=practice)
        for cqc, beds in homes:
            f.AlignmentFactory(
                practice=practice,
                care_home__cqc_location_id=cqc,
                care_home__name=f"Home {cqc}",
                care_home__beds=beds,
                care_home__commissioner=rotherham,
                start_date=datetime.date(2019, 4, 1),
            )
    other = f.PracticeFactory(ods_code=OTHER_PRACTICE, pcn__commissioner__code="02P")
    f.AgreementFactory(practice=other)
    f.CareHomeFactory(cqc_location_id=UNALIGNED_HOME, commissioner=rotherham)
    return rotherham


@pytest.fixture
def officer_client(client, registry):
    client.force_login(f.officer(registry))
    return client


@st.composite
def figures(draw, *, opening: int | None = None) -> dict[str, str]:
    """One home's figures that the rules accept: moved out plus died within opening plus new.
    ``opening`` is the carried-forward figure (left blank in the file), else a baseline is drawn."""
    start = draw(st.integers(0, 30)) if opening is None else opening
    new = draw(st.integers(0, 5))
    moved = draw(st.integers(0, start + new))
    died = draw(st.integers(0, start + new - moved))
    return {
        "opening": str(start) if opening is None else "",
        "new_permanent": str(new),
        "temporary": str(draw(st.integers(0, 5))),
        "moved_out": str(moved),
        "died": str(died),
        "in_other_home": str(draw(st.integers(0, 3))),
    }


@st.composite
def worksheet_rows(draw, practices=tuple(HOMES), quarters=(Q1, Q2)):
    """Whole worksheets: a row for every home of each drawn practice and quarter. A Q2 worksheet
    carries its openings forward from Q1's closings (blank in the file); drawn without Q1 in the
    file it is refused (Q1 first), as it should be."""
    rows = []
    for ods in draw(st.lists(st.sampled_from(practices), unique=True, min_size=1)):
        chosen = draw(st.sampled_from([[q] for q in quarters] + [list(quarters)] * 2))
        closing: dict[str, int] = {}
        for quarter in chosen:
            for cqc, _beds in HOMES[ods]:
                values = draw(figures(opening=closing.get(cqc)))
                opening = int(values["opening"] or closing.get(cqc, 0))
                closing[cqc] = (
                    opening
                    + int(values["new_permanent"])
                    - int(values["moved_out"])
                    - int(values["died"])
                )
                rows.append(
                    {
                        "practice_ods": ods,
                        "quarter": quarter,
                        "cqc_location_id": cqc,
                        **values,
                        "submitted_at": SUBMITTED[quarter],
                    }
                )
    return sorted(rows, key=lambda r: (r["quarter"], r["practice_ods"]))


def assert_worksheets_written(upload: Upload, changes: dict):
    records = expected_records(upload)
    sheets = {(r["practice_ods"].upper(), Period.parse(r["quarter"])) for r in records}
    for record in records:
        period = Period.parse(record["quarter"])
        worksheet = Worksheet.objects.get(
            practice__ods_code=record["practice_ods"].upper(),
            quarter__year=period.year,
            quarter__number=period.quarter,
        )
        line = worksheet.lines.get(care_home__cqc_location_id=record["cqc_location_id"])
        for name in COUNTS:
            assert getattr(line, name) == int(record[name])
        if record["opening"]:
            assert line.opening == int(record["opening"])
    assert changes.get("claims.Worksheet", 0) == len(sheets)
    assert changes.get("claims.WorksheetLine", 0) == len(records)


# -- the officers' bulk import ------------------------------------------------------------------


@fuzz(25)
@given(upload=hostile_files(COLUMNS, worksheet_rows(), LIMIT))
def test_worksheets_upload_never_errors_and_is_all_or_nothing(officer_client, upload):
    with example_savepoint():
        outcome = web_import(officer_client, "worksheets", upload)
        if outcome.applied:
            assert_worksheets_written(upload, outcome.changes)


@fuzz(25)
@given(upload=hostile_files(COLUMNS, worksheet_rows(), LIMIT))
def test_import_worksheets_command_never_errors_and_is_all_or_nothing(registry, tmp_path, upload):
    with example_savepoint():
        outcome = command_import("import_worksheets", upload, tmp_path)
        if outcome.applied:
            assert_worksheets_written(upload, outcome.changes)


bad_identifiers = st.one_of(st.sampled_from(FORMULAS), huge_numbers(), st.sampled_from(["", "1.5"]))
bad_figures = st.one_of(
    st.sampled_from(FORMULAS),
    huge_numbers(),
    st.sampled_from(["1000", "-1", "1.5", "1e3", "0x1F", "1,000", "١٢", "１２", "½", "NaN"]),
)
BAD_CELLS = {
    "practice_ods": st.one_of(bad_identifiers, st.sampled_from(["Z99999", OTHER_PRACTICE])),
    "quarter": st.one_of(
        st.sampled_from(FORMULAS),
        st.sampled_from(
            ["", "9999/00 Q4", "0000/01 Q1", "2019/21 Q1", "2019/20 Q5", "FY19 Q1", "2019"]
        ),
    ),
    "cqc_location_id": st.one_of(bad_identifiers, st.sampled_from(["1-999999999", UNALIGNED_HOME])),
    "opening": st.one_of(bad_figures, st.just("")),  # a Q1 opening is a baseline: required
    **{name: st.one_of(bad_figures, st.just("")) for name in COUNTS},
    "submitted_at": st.one_of(
        st.sampled_from(FORMULAS),
        st.sampled_from(
            [
                "",
                "2019-03-31T10:00:00",
                "2999-01-01T00:00:00",
                "0001-01-01T00:00:00+14:00",
                "2019-02-30T10:00:00",
                "10/07/2019",
                "9999-12-31T23:59:59-14:00",
            ]
        ),  # fmt: skip
    ),
}


@st.composite
def one_bad_cell(draw, columns=COLUMNS, bad=BAD_CELLS, practices=tuple(HOMES)):
    """A file of Q1 worksheets with one cell made bad: ``(upload, row, column)``."""
    records = draw(worksheet_rows(practices=practices, quarters=(Q1,)))
    index = draw(st.integers(0, len(records) - 1))
    column = draw(st.sampled_from(sorted(bad)))
    records[index] = {**records[index], column: draw(bad[column])}
    table = [list(COLUMNS)] + [[record[c] for c in COLUMNS] for record in records]
    if draw(st.booleans()):
        upload = Upload("file.csv", csv_bytes(table), "csv", COLUMNS, tuple(table[1:]), "csv")
    else:
        upload = Upload("file.xlsx", xlsx_bytes([table]), "xlsx", COLUMNS, tuple(table[1:]), "xlsx")
    return upload, index + 2, column


@pytest.mark.parametrize("entry", ["web", "command"])
@fuzz(25)
@given(case=one_bad_cell())
def test_worksheets_file_with_one_bad_cell_names_its_row_and_column(
    officer_client, tmp_path, entry, case
):
    upload, row, column = case
    with example_savepoint():
        if entry == "web":
            outcome = web_import(officer_client, "worksheets", upload)
        else:
            outcome = command_import("import_worksheets", upload, tmp_path)
        assert outcome.result == "refused"
        assert [str(row), column] in [p[:2] for p in outcome.problems], outcome.problems


# -- the practice manager's upload of the filled-in worksheet -------------------------------------

UPLOAD_URL = reverse(
    "claims:worksheet_upload", kwargs={"ods_code": "C87001", "quarter": "2019-20-Q1"}
)


@pytest.fixture
def manager_client(client, registry, monkeypatch):
    moment = datetime.datetime(2019, 7, 10, 12, tzinfo=LONDON)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    client.force_login(f.practice_manager(Practice.objects.get(ods_code="C87001")))
    return client


def practice_upload(client, upload: Upload) -> tuple[str, list[list[str]]]:
    """Post the file to the practice's upload page: ``("refused", problems)`` or
    ``("preview", [])``. Either way, nothing is written."""
    before = row_counts()
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile(upload.name, upload.content)})
    assert response.status_code == 200, f"the upload answered {response.status_code}"
    assert changed(before, row_counts()) == {}, "the upload wrote something"
    page = response.content.decode()
    if "<title>Error: " in page:
        assert_refusal_is_explained(page)
        return "refused", problem_table(page)
    assert "Check the uploaded 2019/20 Q1 worksheet" in page, "no problems and no preview"
    return "preview", []


@fuzz(30)
@given(upload=hostile_files(COLUMNS, worksheet_rows(practices=("C87001",), quarters=(Q1,)), LIMIT))
def test_practice_worksheet_upload_never_errors_and_never_writes(manager_client, upload):
    with example_savepoint():
        result, _problems = practice_upload(manager_client, upload)
        if result == "preview":  # then the file was exactly the practice's Q1 worksheet
            records = expected_records(upload)
            assert sorted(r["cqc_location_id"] for r in records) == sorted(
                cqc for cqc, _ in HOMES["C87001"]
            )


UPLOAD_BAD_CELLS = {
    column: strategy for column, strategy in BAD_CELLS.items() if column != "submitted_at"
} | {
    "practice_ods": st.one_of(bad_identifiers, st.just("C87002")),  # another practice
    "quarter": st.one_of(BAD_CELLS["quarter"], st.just("2019/20 Q2")),  # another quarter
}


@fuzz(25)
@given(case=one_bad_cell(bad=UPLOAD_BAD_CELLS, practices=("C87001",)))
def test_practice_worksheet_upload_with_one_bad_cell_names_its_row_and_column(manager_client, case):
    upload, row, column = case
    with example_savepoint():
        result, problems = practice_upload(manager_client, upload)
        assert result == "refused"
        assert [str(row), column] in [p[:2] for p in problems], problems


def test_practice_worksheet_upload_ignores_submitted_at(manager_client):
    """``submitted_at`` in the practice's file is ignored (the moment of upload is the
    submission), so even a hostile one is no problem there."""
    rows = [list(COLUMNS)] + [
        ["C87001", Q1, cqc, "3", "0", "0", "0", "0", "0", "=cmd|' /C calc'!A0"]
        for cqc, _beds in HOMES["C87001"]
    ]
    assert practice_upload(manager_client, Upload("w.csv", csv_bytes(rows), "example"))[0] == (
        "preview"
    )
