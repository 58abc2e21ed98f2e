"""import_alignments: homes aligned with practices over dates, never overlapping per pair."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from carehomes.models import Alignment
from history.models import AuditEvent
from tests import factories as f
from tests.imports.conftest import ALIGNMENT_COLUMNS, alignment_line, csv_file, xlsx_file

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def registry(rotherham):
    """Two practices and two homes, as the practices and care homes files would leave them."""
    pcn = f.PCNFactory(code="U51663", commissioner=rotherham)
    return {
        "broom": f.PracticeFactory(ods_code="C87001", name="Broom Lane Medical Centre", pcn=pcn),
        "clifton": f.PracticeFactory(ods_code="C87002", name="Clifton Medical Centre", pcn=pcn),
        "oakwood": f.CareHomeFactory(
            cqc_location_id="1-101613254", name="Oakwood Lodge", commissioner=rotherham
        ),
        "beechcroft": f.CareHomeFactory(
            cqc_location_id="1-101613301", name="Beechcroft House", commissioner=rotherham
        ),
    }


def run(tmp_path, content: bytes, *args, name="alignments.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_alignments", str(path), *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, content: bytes, name="alignments.csv") -> str:
    with pytest.raises(CommandError) as error:
        run(tmp_path, content, name=name)
    return str(error.value)


ALIGNMENTS = csv_file(
    ALIGNMENT_COLUMNS,
    alignment_line(),
    alignment_line(cqc="1-101613301", ods="C87002", end="2019-09-30", lead_gp="Dr M Ahmed"),
    alignment_line(cqc="1-101613301", ods="C87001", start="2019-10-01", lead_gp="Dr A Gunasekera"),
)


def test_import_alignments_creates_alignments(tmp_path, registry):
    out = run(tmp_path, ALIGNMENTS)
    ended = Alignment.objects.get(practice=registry["clifton"])
    assert (ended.care_home, ended.start_date, ended.end_date, ended.lead_gp) == (
        registry["beechcroft"],
        D(2018, 4, 1),
        D(2019, 9, 30),
        "Dr M Ahmed",
    )
    assert (
        Alignment.objects.get(practice=registry["broom"], care_home=registry["oakwood"]).end_date
        is None
    )
    assert out.strip() == "Alignments: 3 created."


def test_import_alignments_from_xlsx_with_date_cells(tmp_path, registry):
    content = xlsx_file(
        ALIGNMENT_COLUMNS,
        [
            "1-101613254",
            "C87001",
            datetime.datetime(2018, 4, 1),
            datetime.datetime(2019, 3, 31),
            "Dr A Gunasekera",
        ],
        ["1-101613301", "C87002", datetime.datetime(2018, 4, 1), None, "Dr M Ahmed"],
    )
    run(tmp_path, content, name="alignments.xlsx")
    assert Alignment.objects.get(practice=registry["broom"]).end_date == D(2019, 3, 31)
    assert Alignment.objects.get(practice=registry["clifton"]).end_date is None


def test_import_alignments_identical_file_changes_nothing_and_says_so(tmp_path, registry):
    run(tmp_path, ALIGNMENTS)
    assert run(tmp_path, ALIGNMENTS).strip() == "No changes: 3 alignments already up to date."
    assert AuditEvent.objects.filter(action="import_alignments").count() == 1


def test_import_alignments_changed_end_date_and_lead_gp_are_updates(tmp_path, registry):
    run(tmp_path, ALIGNMENTS)
    changed = csv_file(ALIGNMENT_COLUMNS, alignment_line(end="2020-03-31", lead_gp="Dr K Brown"))
    out = run(tmp_path, changed)
    alignment = Alignment.objects.get(practice=registry["broom"], care_home=registry["oakwood"])
    assert (alignment.end_date, alignment.lead_gp) == (D(2020, 3, 31), "Dr K Brown")
    assert out.strip() == "Alignments: 1 updated."
    assert Alignment.objects.count() == 3


def test_import_alignments_unknown_practice_and_home_name_the_row_and_column(tmp_path, registry):
    content = csv_file(ALIGNMENT_COLUMNS, alignment_line(cqc="1-999999999", ods="C99999"))
    message = refused(tmp_path, content)
    assert "row 2, column cqc_location_id: no care home 1-999999999 is registered" in message
    assert "row 2, column practice_ods: no practice C99999 is registered" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            alignment_line(end="2018-03-31"),
            "row 2, column end_date: 2018-03-31 is before the start date 2018-04-01.",
        ),
        (alignment_line(lead_gp=""), "row 2, column lead_gp: is blank: it is required."),
        (alignment_line(start=""), "row 2, column start_date: is blank: it is required."),
        (
            alignment_line(start="01/04/2018"),
            "row 2, column start_date: '01/04/2018' is not a date in the form YYYY-MM-DD",
        ),
        (
            alignment_line(start="2018-02-30"),
            "row 2, column start_date: '2018-02-30' is not a date",
        ),
        (alignment_line(end="20190331"), "row 2, column end_date: '20190331' is not a date"),
        (
            alignment_line(ods="C8700"),
            "row 2, column practice_ods: 'C8700' is not a valid practice ODS code",
        ),
        (
            alignment_line(cqc="101613254"),
            "row 2, column cqc_location_id: '101613254' is not a valid CQC location ID",
        ),
    ],
)
def test_import_alignments_cell_rules(tmp_path, registry, line, expected):
    assert expected in refused(tmp_path, csv_file(ALIGNMENT_COLUMNS, line))
    assert not Alignment.objects.exists()


def test_import_alignments_ending_on_its_start_day_is_allowed(tmp_path, registry):
    run(tmp_path, csv_file(ALIGNMENT_COLUMNS, alignment_line(end="2018-04-01")))
    assert Alignment.objects.get().end_date == D(2018, 4, 1)


def test_import_alignments_duplicate_identity_in_file_is_a_problem(tmp_path, registry):
    content = csv_file(ALIGNMENT_COLUMNS, alignment_line(), alignment_line(lead_gp="Dr K Brown"))
    message = refused(tmp_path, content)
    assert (
        "row 3, column start_date: the alignment of 1-101613254 with C87001 from 2018-04-01 is already on row 2"
        in message
    )


def test_import_alignments_overlapping_rows_in_the_file_are_a_problem(tmp_path, registry):
    content = csv_file(
        ALIGNMENT_COLUMNS,
        alignment_line(end="2019-03-31"),
        alignment_line(start="2019-03-31"),  # shares 31 March 2019
    )
    message = refused(tmp_path, content)
    assert (
        "row 3, column start_date: overlaps the alignment of 1-101613254 with C87001 from 2018-04-01 "
        "to 2019-03-31 (row 2): alignments of the same home and practice cannot overlap."
    ) in message


def test_import_alignments_consecutive_rows_in_the_file_are_allowed(tmp_path, registry):
    content = csv_file(
        ALIGNMENT_COLUMNS,
        alignment_line(end="2019-03-31"),
        alignment_line(start="2019-04-01", lead_gp="Dr K Brown"),
    )
    run(tmp_path, content)
    assert Alignment.objects.count() == 2


def test_import_alignments_overlap_with_a_recorded_alignment_is_a_problem(tmp_path, registry):
    f.AlignmentFactory(
        care_home=registry["oakwood"],
        practice=registry["broom"],
        start_date=D(2018, 4, 1),
        end_date=None,
    )
    message = refused(tmp_path, csv_file(ALIGNMENT_COLUMNS, alignment_line(start="2020-01-01")))
    assert (
        "row 2, column start_date: overlaps the alignment of 1-101613254 with C87001 from 2018-04-01 (already recorded)"
        in message
    )
    assert Alignment.objects.count() == 1


def test_import_alignments_ending_a_recorded_alignment_makes_room_for_the_next(tmp_path, registry):
    f.AlignmentFactory(
        care_home=registry["oakwood"],
        practice=registry["broom"],
        start_date=D(2018, 4, 1),
        end_date=None,
    )
    content = csv_file(
        ALIGNMENT_COLUMNS,
        alignment_line(end="2019-12-31"),
        alignment_line(start="2020-01-01", lead_gp="Dr K Brown"),
    )
    out = run(tmp_path, content)
    assert "Alignments: 1 created, 1 updated." in out
    assert Alignment.objects.count() == 2


def test_import_alignments_same_home_with_two_practices_at_once_is_allowed(tmp_path, registry):
    content = csv_file(
        ALIGNMENT_COLUMNS, alignment_line(), alignment_line(ods="C87002", lead_gp="Dr M Ahmed")
    )
    run(tmp_path, content)
    assert registry["oakwood"].alignments.count() == 2


def test_import_alignments_one_bad_row_writes_nothing(tmp_path, registry):
    content = csv_file(
        ALIGNMENT_COLUMNS, alignment_line(), alignment_line(ods="C87002", lead_gp="")
    )
    refused(tmp_path, content)
    assert not Alignment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_import_alignments_dry_run_writes_nothing(tmp_path, registry):
    out = run(tmp_path, ALIGNMENTS, "--dry-run")
    assert "Alignments: 3 to create." in out
    assert not Alignment.objects.exists()


def test_import_alignments_writes_one_audit_event(tmp_path, registry):
    run(tmp_path, ALIGNMENTS)
    event = AuditEvent.objects.get()
    assert event.action == "import_alignments"
    assert "Alignments: 3 created." in event.summary
