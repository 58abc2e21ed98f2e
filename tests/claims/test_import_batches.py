"""import_worksheets writes in batches (issue 18, ADR 0046): every worksheet is still checked by
``worksheet_submit``'s rules one by one, but the worksheets, lines and history rows of a quarter of
the file go to the database together. The rows must be the ones the one-by-one path writes, a
problem anywhere must still write nothing, and the number of queries must not grow with the
number of worksheets."""

import datetime
import gc
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from carehomes.models import CareHome
from claims.models import Worksheet, WorksheetLine
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from imports import command
from imports.models import ImportBatch
from practices.models import Practice
from tests import factories as f
from tests.imports.conftest import csv_file

pytestmark = pytest.mark.django_db
D = datetime.date
COLUMNS = (
    "practice_ods,quarter,cqc_location_id,opening,new_permanent,temporary,moved_out,died,"
    "in_other_home,submitted_at"
)
Q1, Q2, Q3 = Period(2019, 1), Period(2019, 2), Period(2019, 3)
SUBMITTED = {  # Q1 on time, Q2 late (due 14 January 2020), Q3 on time
    Q1: datetime.datetime(2019, 7, 10, 10, 0, tzinfo=LONDON),
    Q2: datetime.datetime(2020, 1, 20, 9, 30, tzinfo=LONDON),
    Q3: datetime.datetime(2020, 4, 3, 16, 45, tzinfo=LONDON),
}


def make_registry(practices: int) -> list[tuple[str, list[CareHome]]]:
    """``practices`` practices with agreements, each aligned with two homes, one of them small
    (so a closing above its beds needs the warning confirmed)."""
    commissioner = f.CommissionerFactory(code="03L")
    pcn = f.PCNFactory(code="U51663", commissioner=commissioner)
    registry = []
    for n in range(practices):
        practice = f.PracticeFactory(ods_code=f"C8{n:04d}", pcn=pcn)
        f.AgreementFactory(practice=practice)
        homes = [
            f.CareHomeFactory(
                cqc_location_id=f"1-1{n:04d}{k:04d}",
                name=f"Home {n}-{k}",
                beds=beds,
                commissioner=commissioner,
            )
            for k, beds in enumerate((40, 12))
        ]
        for home in homes:
            f.AlignmentFactory(care_home=home, practice=practice, start_date=D(2018, 4, 1))
        registry.append((practice.ods_code, homes))
    return registry


def figures(n: int, k: int, period: Period) -> dict:
    """Varied, valid figures; the small home (k == 1) ends above its 12 beds in Q2."""
    base = 10 + n % 3
    return {
        "opening": (base if k == 0 else 11) if period == Q1 else None,
        "new_permanent": (n + k + period.quarter) % 4 + (3 if (k, period) == (1, Q2) else 0),
        "temporary": (n + period.quarter) % 3,
        "moved_out": k,
        "died": (n + k) % 2,
        "in_other_home": (n + period.quarter) % 2,
    }


def file_rows(registry, periods) -> list[str]:
    rows = []
    for period in periods:
        for n, (ods, homes) in enumerate(registry):
            for k, home in enumerate(homes):
                v = figures(n, k, period)
                cells = [
                    ods,
                    period.label,
                    home.cqc_location_id,
                    "" if v["opening"] is None else str(v["opening"]),
                    *(str(v[name]) for name in ("new_permanent", "temporary", "moved_out", "died")),
                    str(v["in_other_home"]),
                    SUBMITTED[period].isoformat(),
                ]
                rows.append(",".join(cells))
    return rows


def run(tmp_path, content: bytes) -> str:
    path = tmp_path / "worksheets.csv"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_worksheets", str(path), stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every worksheet, line and worksheet history row, by natural keys rather than ids."""

    def sheet_key(worksheet: Worksheet):
        return (worksheet.practice.ods_code, worksheet.quarter.label)

    worksheets = {}
    keys_by_id = {}
    for w in Worksheet.objects.select_related("practice", "quarter"):
        keys_by_id[w.pk] = sheet_key(w)
        worksheets[sheet_key(w)] = {
            field.attname: getattr(w, field.attname)
            for field in Worksheet._meta.concrete_fields
            if field.attname not in ("id", "practice_id", "quarter_id")
        }
    lines = {}
    for line in WorksheetLine.objects.select_related(
        "worksheet__practice", "worksheet__quarter", "care_home", "carried_from__worksheet"
    ):
        carried = line.carried_from
        lines[(*sheet_key(line.worksheet), line.care_home.cqc_location_id)] = {
            **{
                field.attname: getattr(line, field.attname)
                for field in WorksheetLine._meta.concrete_fields
                if field.attname not in ("id", "worksheet_id", "care_home_id", "carried_from_id")
            },
            "carried_from": None
            if carried is None
            else (keys_by_id[carried.worksheet_id], carried.care_home_id),
        }
    history = [
        (
            e.actor_id,
            e.action,
            e.object_type,
            keys_by_id[int(e.object_id)],
            e.summary,
            e.before,
            e.after,
            e.reason,
        )
        for e in AuditEvent.objects.filter(action="worksheet_submit").order_by("pk")
    ]
    return {"worksheets": worksheets, "lines": lines, "history": history}


def submit_one_by_one(registry, periods) -> None:
    """The per-worksheet path: each worksheet through ``worksheet_submit`` on its own, as the web
    form submits it (its own facts, its own writes), in the order the import submits them."""
    for period in periods:
        quarter = quarter_for(period)
        for n, (ods, homes) in enumerate(registry):  # in ODS code order, as the import goes
            entries = {
                home.pk: LineEntry(**figures(n, k, period), beds_warning_confirmed=True)
                for k, home in enumerate(homes)
            }
            worksheet_submit(
                practice=Practice.objects.get(ods_code=ods),
                quarter=quarter,
                entries=entries,
                by=None,
                submitted_at=SUBMITTED[period],
            )


def test_batched_import_writes_the_rows_and_history_of_the_one_by_one_path(tmp_path):
    registry = make_registry(4)
    periods = (Q1, Q2, Q3)
    with transaction.atomic():
        submit_one_by_one(registry, periods)
        expected = snapshot()
        transaction.set_rollback(True)
    assert not Worksheet.objects.exists()  # the one-by-one rows are gone again
    assert len(expected["worksheets"]) == 12
    assert len(expected["lines"]) == 24
    assert len(expected["history"]) == 12
    # The file exercises what differs between lines: baselines, carried forward, a late quarter,
    # the beds warning confirmed.
    sources = {line["opening_source"] for line in expected["lines"].values()}
    assert sources == {"baseline", "carried_forward"}
    assert any(line["beds_warning_confirmed"] for line in expected["lines"].values())
    assert any(w["days_late"] for w in expected["worksheets"].values())

    out = run(tmp_path, csv_file(COLUMNS, *file_rows(registry, periods)))

    assert "Worksheets: 12 created." in out
    assert snapshot() == expected


def test_batched_import_returns_worksheets_with_their_ids(tmp_path):
    registry = make_registry(2)
    run(tmp_path, csv_file(COLUMNS, *file_rows(registry, (Q1, Q2))))
    batch = ImportBatch.objects.get()
    event = AuditEvent.objects.get(action="import_worksheets")
    assert batch.status == ImportBatch.Status.APPLIED
    assert event.object_id == str(batch.pk)
    submitted = AuditEvent.objects.filter(action="worksheet_submit")
    assert {int(e.object_id) for e in submitted} == set(
        Worksheet.objects.values_list("pk", flat=True)
    )


def nothing_written() -> bool:
    return not (
        Worksheet.objects.exists()
        or WorksheetLine.objects.exists()
        or AuditEvent.objects.filter(action__in=("worksheet_submit", "import_worksheets")).exists()
        or ImportBatch.objects.filter(status=ImportBatch.Status.APPLIED).exists()
    )


def test_a_refused_worksheet_in_the_last_quarter_undoes_the_quarters_already_written(tmp_path):
    # Q1 and Q2 are flushed to the database before Q3 is checked; Q3's last worksheet gives an
    # opening that is not the closing carried forward, so the service refuses it.
    registry = make_registry(3)
    rows = file_rows(registry, (Q1, Q2, Q3))
    ods, homes = registry[-1]
    last = rows[-1].split(",")
    assert last[:3] == [ods, Q3.label, homes[1].cqc_location_id]
    last[3] = "99"
    rows[-1] = ",".join(last)
    with pytest.raises(CommandError) as error:
        run(tmp_path, csv_file(COLUMNS, *rows))
    assert "nothing was imported" in str(error.value)
    assert "opening" in str(error.value) and "must be" in str(error.value)
    assert nothing_written()


def test_a_bad_cell_in_the_first_quarter_writes_nothing_of_any_quarter(tmp_path):
    registry = make_registry(3)
    rows = file_rows(registry, (Q1, Q2))
    first = rows[0].split(",")
    first[5] = "-3"  # temporary
    rows[0] = ",".join(first)
    with pytest.raises(CommandError) as error:
        run(tmp_path, csv_file(COLUMNS, *rows))
    assert "row 2, column temporary: -3 is too small" in str(error.value)
    assert nothing_written()


def queries_to_import(tmp_path, practices: int) -> int:
    registry = make_registry(practices)
    content = csv_file(COLUMNS, *file_rows(registry, (Q1, Q2)))
    with CaptureQueriesContext(connection) as captured:
        run(tmp_path, content)
    assert Worksheet.objects.count() == practices * 2
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_the_number_of_worksheets(tmp_path):
    with transaction.atomic():
        few = queries_to_import(tmp_path, 2)
        transaction.set_rollback(True)
    many = queries_to_import(tmp_path, 8)
    assert many == few, f"{few} queries for 4 worksheets, {many} for 16"


def test_a_bad_quarter_or_moment_repeated_on_many_rows_is_reported_on_each(tmp_path):
    # Each distinct quarter and submitted_at text is read once for the whole file (issue 18); its
    # problem must still be named on every row that has it.
    registry = make_registry(2)
    rows = [row.split(",") for row in file_rows(registry, (Q1,))]
    for row in rows[:2]:
        row[1] = "2019/20 Q5"
    for row in rows[2:]:
        row[9] = "2019-07-32T10:00:00"
    with pytest.raises(CommandError) as error:
        run(tmp_path, csv_file(COLUMNS, *(",".join(row) for row in rows)))
    report = str(error.value)
    for number in (2, 3):
        assert f"row {number}, column quarter: " in report
    for number in (4, 5):
        assert f"row {number}, column submitted_at: '2019-07-32T10:00:00' is not a date" in report
    assert nothing_written()


def test_the_command_pauses_the_cycle_collector_and_turns_it_back_on(tmp_path, monkeypatch):
    seen = []
    import_file = command.import_file

    def watched(**kwargs):
        seen.append(gc.isenabled())
        return import_file(**kwargs)

    monkeypatch.setattr(command, "import_file", watched)
    registry = make_registry(1)
    run(tmp_path, csv_file(COLUMNS, *file_rows(registry, (Q1,))))
    assert seen == [False] and gc.isenabled()
    with pytest.raises(CommandError):  # a file refused: on again all the same
        run(
            tmp_path, csv_file(COLUMNS, *file_rows(registry, (Q1,))).replace(b"2019/20", b"2019/21")
        )
    assert seen == [False, False] and gc.isenabled()
