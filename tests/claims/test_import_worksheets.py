"""import_worksheets (SPEC §10): the commissioner's bulk load of worksheets, submitted through the
same service as the web form, all or nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from carehomes.models import CareHome
from claims.models import Quarter, Tariff, Worksheet, WorksheetLine
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from imports.models import ImportBatch
from tests import factories as f
from tests.imports.conftest import csv_file, xlsx_file

pytestmark = pytest.mark.django_db
D = datetime.date
COLUMNS = (
    "practice_ods,quarter,cqc_location_id,opening,new_permanent,temporary,moved_out,died,"
    "in_other_home,submitted_at"
)


def line(
    ods="C87001",
    quarter="2019/20 Q1",
    cqc="1-101613254",
    opening="10",
    new="2",
    temporary="1",
    moved="1",
    died="1",
    other="0",
    at="2019-07-10T10:00:00",
) -> str:
    return ",".join([ods, quarter, cqc, opening, new, temporary, moved, died, other, at])


@pytest.fixture
def registry(db):
    """Two practices with agreements; Broom Lane looks after Oakwood Lodge, Clifton after
    Beechcroft House and Moorgate Court."""
    commissioner = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(code="U51663", commissioner=commissioner)
    broom = f.PracticeFactory(ods_code="C87001", name="Broom Lane Medical Centre", pcn=pcn)
    clifton = f.PracticeFactory(ods_code="C87002", name="Clifton Medical Centre", pcn=pcn)
    homes = {}
    for cqc, name, practice in [
        ("1-101613254", "Oakwood Lodge", broom),
        ("1-101613301", "Beechcroft House", clifton),
        ("1-102245871", "Moorgate Court", clifton),
    ]:
        homes[name] = f.CareHomeFactory(
            cqc_location_id=cqc, name=name, beds=40, commissioner=commissioner
        )
        f.AlignmentFactory(care_home=homes[name], practice=practice, start_date=D(2018, 4, 1))
    for practice in (broom, clifton):
        f.AgreementFactory(practice=practice)
    return {"broom": broom, "clifton": clifton, "commissioner": commissioner, **homes}


def run(tmp_path, content: bytes, *args, name="worksheets.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_worksheets", str(path), *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, content: bytes, name="worksheets.csv") -> str:
    with pytest.raises(CommandError) as error:
        run(tmp_path, content, name=name)
    return str(error.value)


def nothing_written():
    return not (
        Worksheet.objects.exists()
        or WorksheetLine.objects.exists()
        or Quarter.objects.exists()
        or ImportBatch.objects.exists()
        or AuditEvent.objects.exists()
    )


# Listed Q2 first: quarters are taken in date order, so Q2 still carries forward from Q1.
CHAIN = csv_file(
    COLUMNS,
    line(quarter="2019-20-Q2", opening="", new="1", moved="0", died="2", at="2019-10-11T09:00:00"),
    line(opening="10", new="2", temporary="1", moved="1", died="1"),
)


def test_import_worksheets_chain_in_one_file_carries_forward(tmp_path, registry):
    out = run(tmp_path, CHAIN)
    q1, q2 = Worksheet.objects.order_by("quarter__number")
    first, second = q1.lines.get(), q2.lines.get()
    assert (first.opening, first.opening_source, first.closing) == (10, "baseline", 10)
    assert (second.opening, second.opening_source, second.carried_from) == (
        10,
        "carried_forward",
        first,
    )
    assert second.closing == 9
    assert {w.status for w in (q1, q2)} == {Worksheet.Status.SUBMITTED}
    assert q1.gross_pence == 10 * 6000 + 2 * 10200 + 1 * 6000
    assert out.strip() == "Quarters: 2 created.\nWorksheets: 2 created."
    assert AuditEvent.objects.filter(action="worksheet_submit").count() == 2
    assert AuditEvent.objects.filter(action="import_worksheets").count() == 1


def test_import_worksheets_chain_from_xlsx_with_typed_cells(tmp_path, registry):
    content = xlsx_file(
        COLUMNS,
        ["C87001", "2019/20 Q1", "1-101613254", 10, 2, 1, 1, 1, 0, datetime.datetime(2019, 7, 10)],
        [
            "C87001",
            "2019/20 Q2",
            "1-101613254",
            None,
            1,
            0,
            0,
            2,
            3,
            datetime.datetime(2019, 10, 15, 0, 30),
        ],
    )
    run(tmp_path, content, name="worksheets.xlsx")
    q2 = Worksheet.objects.get(quarter__number=2)
    assert (q2.lines.get().opening, q2.lines.get().in_other_home) == (10, 3)
    assert q2.first_submitted_at == datetime.datetime(2019, 10, 15, 0, 30, tzinfo=LONDON)
    assert q2.days_late == 1
    q1 = Worksheet.objects.get(quarter__number=1)
    assert q1.first_submitted_at == datetime.datetime(2019, 7, 10, tzinfo=LONDON)


def test_import_worksheets_identical_file_changes_nothing_and_says_so(tmp_path, registry):
    run(tmp_path, CHAIN)
    before = list(Worksheet.objects.values_list("pk", "submitted_at", "net_pence"))
    assert run(tmp_path, CHAIN).strip() == "No changes: 2 worksheets already up to date."
    assert list(Worksheet.objects.values_list("pk", "submitted_at", "net_pence")) == before
    assert WorksheetLine.objects.count() == 2
    assert ImportBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="import_worksheets").count() == 1
    assert AuditEvent.objects.filter(action="worksheet_submit").count() == 2


def test_import_worksheets_identical_with_the_opening_written_out_is_no_change(tmp_path, registry):
    run(tmp_path, CHAIN)
    again = csv_file(
        COLUMNS,
        line(),
        line(
            quarter="2019/20 Q2",
            opening="10",
            new="1",
            moved="0",
            died="2",
            at="2019-10-11T08:00:00+00:00",  # the same moment, in UTC
        ),
    )
    assert run(tmp_path, again).startswith("No changes:")


def test_import_worksheets_new_quarter_on_an_imported_chain_carries_forward(tmp_path, registry):
    run(tmp_path, CHAIN)
    with_q3 = csv_file(
        COLUMNS,
        line(),
        line(quarter="2019/20 Q2", opening="", new="1", moved="0", died="2", at="2019-10-11"),
        line(quarter="2019/20 Q3", opening="9", new="0", at="2020-01-13T12:00:00"),
    )
    # Q2's submitted_at differs (midnight, not 09:00): an amendment, refused.
    assert "column submitted_at" in refused(tmp_path, with_q3)
    with_q3 = csv_file(
        COLUMNS,
        line(quarter="2019/20 Q3", opening="9", new="0", at="2020-01-13T12:00:00"),
    )
    out = run(tmp_path, with_q3)
    assert out.strip() == "Quarters: 1 created.\nWorksheets: 1 created."
    assert Worksheet.objects.get(quarter__number=3).lines.get().opening == 9


def test_import_worksheets_blank_opening_in_a_first_quarter_names_row_and_column(
    tmp_path, registry
):
    message = refused(tmp_path, csv_file(COLUMNS, line(opening="")))
    assert (
        "row 2, column opening: Oakwood Lodge: enter the number of patients at the start of the "
        "quarter"
    ) in message
    assert nothing_written()


def test_import_worksheets_opening_must_be_the_closing_carried_forward(tmp_path, registry):
    content = csv_file(
        COLUMNS,
        line(),  # closing 10 + 2 - 1 - 1 = 10
        line(quarter="2019/20 Q2", opening="12", at="2019-10-11T09:00:00"),
    )
    message = refused(tmp_path, content)
    assert (
        "row 3, column opening: Oakwood Lodge: must be 10, the closing figure carried forward "
        "from 2019/20 Q1."
    ) in message
    assert nothing_written()


def test_import_worksheets_missing_home_line_names_the_home(tmp_path, registry):
    content = csv_file(COLUMNS, line(ods="C87002", cqc="1-101613301"))
    message = refused(tmp_path, content)
    assert (
        "row 2, column cqc_location_id: the C87002 2019/20 Q1 worksheet has no row for Moorgate "
        "Court (1-102245871)"
    ) in message


def test_import_worksheets_home_not_aligned_with_the_practice(tmp_path, registry):
    content = csv_file(COLUMNS, line(), line(cqc="1-101613301"))
    message = refused(tmp_path, content)
    assert (
        "row 3, column cqc_location_id: Beechcroft House is not an elderly or EMI home aligned "
        "with the practice in this quarter."
    ) in message
    assert "row 2" not in message


def test_import_worksheets_learning_disability_home_is_not_claimable(tmp_path, registry):
    f.AlignmentFactory(
        practice=registry["broom"],
        care_home__cqc_location_id="1-105009876",
        care_home__category=CareHome.Category.LEARNING_DISABILITY,
    )
    message = refused(tmp_path, csv_file(COLUMNS, line(), line(cqc="1-105009876")))
    assert "row 3, column cqc_location_id:" in message
    assert "is not an elderly or EMI home aligned" in message


def test_import_worksheets_gap_names_the_missing_quarter(tmp_path, registry):
    content = csv_file(
        COLUMNS, line(), line(quarter="2019/20 Q3", opening="", at="2020-01-10T10:00:00")
    )
    message = refused(tmp_path, content)
    assert "row 3, column quarter: Submit the 2019/20 Q2 worksheet first" in message
    assert nothing_written()


@pytest.mark.parametrize(
    ("submitted_at", "days_late"),
    [
        ("2019-07-14T23:59:00", 0),  # BST, the due date
        ("2019-07-15T00:30:00", 1),  # BST: the day after, though still 14 July in UTC
        ("2019-07-14T22:59:00+00:00", 0),  # 23:59 BST
        ("2019-07-14T23:30:00+00:00", 1),  # 00:30 BST on 15 July
        ("2019-07-14T23:30:00Z", 1),
        ("2019-07-22T23:59:00", 8),
    ],
)
def test_import_worksheets_submitted_at_is_london_time_unless_offset(
    tmp_path, registry, submitted_at, days_late
):
    run(tmp_path, csv_file(COLUMNS, line(at=submitted_at)))
    worksheet = Worksheet.objects.get()
    assert worksheet.days_late == days_late
    assert worksheet.first_submitted_at == worksheet.submitted_at


def test_import_worksheets_naive_time_in_winter_is_gmt(tmp_path, registry):
    run(tmp_path, csv_file(COLUMNS, line(quarter="2019/20 Q3", at="2020-01-15T00:30:00")))
    worksheet = Worksheet.objects.get()
    assert worksheet.first_submitted_at == datetime.datetime(
        2020, 1, 15, 0, 30, tzinfo=datetime.UTC
    )
    assert worksheet.days_late == 1


def test_import_worksheets_creates_an_unknown_quarter_with_its_default_due_date(tmp_path, registry):
    run(tmp_path, csv_file(COLUMNS, line()))
    assert Quarter.objects.get().due_date == D(2019, 7, 14)


def test_import_worksheets_uses_a_known_quarters_own_due_date(tmp_path, registry):
    Quarter.objects.create(year=2019, number=1, due_date=D(2019, 7, 31))
    out = run(tmp_path, csv_file(COLUMNS, line(at="2019-07-20T10:00:00")))
    assert out.strip() == "Worksheets: 1 created."
    assert Worksheet.objects.get().days_late == 0


def test_import_worksheets_already_submitted_with_other_figures_is_refused(tmp_path, registry):
    run(tmp_path, csv_file(COLUMNS, line()))
    before = list(WorksheetLine.objects.values())
    message = refused(tmp_path, csv_file(COLUMNS, line(new="3")))
    assert (
        "row 2, column new_permanent: is 3, but the C87001 2019/20 Q1 worksheet already submitted "
        "has 2 for Oakwood Lodge: amendments go through the web app."
    ) in message
    assert list(WorksheetLine.objects.values()) == before
    assert ImportBatch.objects.count() == 1


def test_import_worksheets_already_submitted_at_another_time_is_refused(tmp_path, registry):
    run(tmp_path, csv_file(COLUMNS, line()))
    message = refused(tmp_path, csv_file(COLUMNS, line(at="2019-07-11T10:00:00")))
    assert "row 2, column submitted_at:" in message
    assert "amendments go through the web app" in message


def test_import_worksheets_dry_run_writes_nothing(tmp_path, registry):
    out = run(tmp_path, CHAIN, "--dry-run")
    assert out.startswith("Dry run: nothing was written.\nQuarters: 2 to create.\n")
    assert "Worksheets: 2 to create." in out
    assert (
        "create worksheet C87001 2019/20 Q1: Broom Lane Medical Centre: 1 home, gross £864.00, "
        "on time, net £864.00"
    ) in out
    assert nothing_written()


def test_import_worksheets_a_bad_row_anywhere_writes_nothing(tmp_path, registry):
    content = csv_file(
        COLUMNS,
        line(),
        line(quarter="2019/20 Q2", opening="", at="2019-10-11T09:00:00"),
        line(ods="C87002", cqc="1-101613301"),
        line(ods="C87002", cqc="1-102245871", died="-1"),
    )
    message = refused(tmp_path, content)
    assert message.startswith("worksheets.csv: 1 problem; nothing was imported.")
    assert "row 5, column died: -1 is too small: it must be at least 0." in message
    assert nothing_written()


def test_import_worksheets_a_value_beyond_the_header_writes_nothing(tmp_path, registry):
    # Found with the file, not the rows: the worksheets checked (and submitted) before it are undone.
    content = csv_file(COLUMNS, line() + ",stray")
    message = refused(tmp_path, content)
    assert message.startswith("worksheets.csv: 1 problem; nothing was imported.")
    assert "row 2: has a value in column K, beyond the 10 columns of the header." in message
    assert nothing_written()


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (line(ods="C99999"), "row 2, column practice_ods: no practice C99999 is registered"),
        (line(ods="X1"), "row 2, column practice_ods: 'X1' is not a valid practice ODS code"),
        (
            line(cqc="1-999999999"),
            "row 2, column cqc_location_id: no care home 1-999999999 is registered",
        ),
        (line(quarter="2019 Q1"), "row 2, column quarter: '2019 Q1' is not a quarter"),
        (line(quarter=""), "row 2, column quarter: is blank: it is required."),
        (line(new=""), "row 2, column new_permanent: is blank: it is required."),
        (line(temporary="1.5"), "row 2, column temporary: '1.5' is not a whole number."),
        (line(opening="-3"), "row 2, column opening: -3 is too small: it must be at least 0."),
        (line(other="two"), "row 2, column in_other_home: 'two' is not a whole number."),
        (line(at=""), "row 2, column submitted_at: is blank: it is required."),
        (line(at="10/07/2019 10:00"), "row 2, column submitted_at: '10/07/2019 10:00' is not"),
        (line(at="2019-07-32T10:00:00"), "row 2, column submitted_at: '2019-07-32T10:00:00'"),
        (line(at="2039-07-10T10:00:00"), "row 2, column submitted_at: 2039-07-10T10:00:00 is in"),
        (line(at="2019-03-31T10:00:00"), "is before 2019/20 Q1 began (1 April 2019)"),
        (
            line(moved="9", died="4"),
            "row 2, column moved_out: Oakwood Lodge: moved out (9) plus died (4) cannot be more",
        ),
    ],
)
def test_import_worksheets_row_problems(tmp_path, registry, bad, expected):
    assert expected in refused(tmp_path, csv_file(COLUMNS, bad))
    assert nothing_written()


def test_import_worksheets_a_home_twice_in_a_worksheet_is_a_problem(tmp_path, registry):
    message = refused(tmp_path, csv_file(COLUMNS, line(), line(new="3")))
    assert (
        "row 3, column cqc_location_id: 1-101613254 is already on row 2 for C87001 2019/20 Q1"
    ) in message


def test_import_worksheets_rows_of_a_worksheet_share_one_submission_time(tmp_path, registry):
    content = csv_file(
        COLUMNS,
        line(ods="C87002", cqc="1-101613301"),
        line(ods="C87002", cqc="1-102245871", at="2019-07-11T10:00:00"),
    )
    message = refused(tmp_path, content)
    assert "row 3, column submitted_at: 2019-07-11T10:00:00+01:00 differs from" in message


def test_import_worksheets_refused_quarter_is_the_cause_listed_not_its_knock_ons(
    tmp_path, registry
):
    content = csv_file(
        COLUMNS,
        line(opening=""),  # the cause: Q1 has no baseline
        line(quarter="2019/20 Q2", opening="", at="2019-10-11T09:00:00"),
    )
    message = refused(tmp_path, content)
    assert message.startswith("worksheets.csv: 1 problem; nothing was imported.")
    assert "row 2, column opening:" in message
    assert "row 3" not in message


def test_import_worksheets_bad_figure_is_the_cause_listed_not_a_missing_line(tmp_path, registry):
    message = refused(tmp_path, csv_file(COLUMNS, line(new="x")))
    assert message.startswith("worksheets.csv: 1 problem; nothing was imported.")
    assert "row 2, column new_permanent: 'x' is not a whole number." in message


def test_import_worksheets_no_agreement_in_force_is_on_the_practice(tmp_path, registry):
    registry["broom"].agreements.update(
        notice_given_on=D(2018, 9, 30), notice_given_by="practice", ends_on=D(2019, 3, 31)
    )
    message = refused(tmp_path, csv_file(COLUMNS, line()))
    assert "row 2, column practice_ods: Broom Lane Medical Centre has no LES agreement" in message


def test_import_worksheets_without_a_tariff_for_the_year_is_a_problem(tmp_path, registry):
    Tariff.objects.all().delete()
    content = csv_file(
        COLUMNS,
        line(),
        line(ods="C87002", cqc="1-101613301"),
        line(ods="C87002", cqc="1-102245871"),
    )
    message = refused(tmp_path, content)
    assert message.startswith("worksheets.csv: 1 problem; nothing was imported.")
    assert "row 2, column quarter: No tariff covers 2019/20: an officer must set one." in message
    assert not Worksheet.objects.exists()


def test_import_worksheets_takes_the_beds_warning_as_confirmed(tmp_path, registry):
    run(tmp_path, csv_file(COLUMNS, line(opening="45", new="0", moved="0", died="0")))
    assert WorksheetLine.objects.get().beds_warning_confirmed is True


def test_import_worksheets_export_equals_the_export_of_the_same_figures_submitted_directly(
    tmp_path, registry
):
    content = csv_file(
        COLUMNS,
        line(),
        line(quarter="2019/20 Q2", opening="", new="1", moved="0", died="2", at="2019-10-15"),
        line(ods="C87002", cqc="1-101613301", opening="7", at="2019-07-20T18:00:00"),
        line(ods="C87002", cqc="1-102245871", opening="30", new="3", at="2019-07-20T18:00:00"),
    )

    def exports():
        outputs = []
        for label in ("2019/20 Q1", "2019/20 Q2"):
            out = io.StringIO()
            call_command("export_claims", quarter=label, stdout=out)
            outputs.append(out.getvalue())
        return outputs

    with transaction.atomic():
        run(tmp_path, content)
        imported = exports()
        transaction.set_rollback(True)
    assert not Worksheet.objects.exists()

    def submit(practice, period, at, entries):
        worksheet_submit(
            practice=practice,
            quarter=quarter_for(period),
            entries=entries,
            by=None,
            submitted_at=at,
        )

    def entry(**figures):
        return LineEntry(
            **{"new_permanent": 2, "temporary": 1, "moved_out": 1, "died": 1, **figures}
        )

    q1, q2 = Period(2019, 1), Period(2019, 2)
    submit(
        registry["broom"],
        q1,
        datetime.datetime(2019, 7, 10, 10, tzinfo=LONDON),
        {registry["Oakwood Lodge"].pk: entry(opening=10)},
    )
    submit(
        registry["clifton"],
        q1,
        datetime.datetime(2019, 7, 20, 18, tzinfo=LONDON),
        {
            registry["Beechcroft House"].pk: entry(opening=7),
            registry["Moorgate Court"].pk: entry(opening=30, new_permanent=3),
        },
    )
    submit(
        registry["broom"],
        q2,
        datetime.datetime(2019, 10, 15, tzinfo=LONDON),
        {registry["Oakwood Lodge"].pk: entry(new_permanent=1, moved_out=0, died=2)},
    )
    assert exports() == imported
    assert "C87001,2019/20 Q2,submitted,10,1,1,9,762.00,1,5,38.10,723.90,no,no" in imported[1]
    assert "C87002,2019/20 Q1,submitted,37,5,2,38,2850.00,6,5,142.50,2707.50,no,no" in imported[0]


# -- through the web ------------------------------------------------------------------------------


def test_officer_uploads_worksheets_and_confirms(client, registry):
    officer = f.officer(registry["commissioner"])
    client.force_login(officer)
    upload = reverse("imports:upload")
    assert "Worksheets" in client.get(upload).content.decode()
    response = client.post(
        upload, {"kind": "worksheets", "file": SimpleUploadedFile("ws.csv", CHAIN)}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    html = client.get(reverse("imports:preview", kwargs={"pk": batch.pk})).content.decode()
    assert "Worksheets: 2 to create." in html
    assert not Worksheet.objects.exists() and not Quarter.objects.exists()
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert Worksheet.objects.count() == 2
    assert {w.submitted_by for w in Worksheet.objects.all()} == {officer}
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED


def test_officer_can_load_worksheets_only_for_practices_in_scope(client, registry):
    client.force_login(f.officer(f.CommissionerFactory(code="02P")))
    client.post(
        reverse("imports:upload"),
        {"kind": "worksheets", "file": SimpleUploadedFile("ws.csv", CHAIN)},
    )
    batch = ImportBatch.objects.get()
    response = client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert "no practice C87001 is in your commissioner&#x27;s registry" in response.content.decode()
    assert not Worksheet.objects.exists()
