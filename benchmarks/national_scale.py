"""National-scale benchmark of the worksheet import and the claims export (not a test).

Generates, into the database named by DATABASE_URL (PostgreSQL), England-sized data: 6,300 practices,
15,000 care homes and 20,000 alignments, with three quarters of worksheets loaded directly, then times

1. ``import_worksheets`` of the fourth quarter (one worksheet per practice, ~20,000 lines): ``--rounds``
   interleaved rounds (default 3) of the batched import as it is (writes batched per quarter of the
   file, ADR 0046) and of the same import writing each worksheet as it is checked (three inserts a
   worksheet, as before), each rolled back; then the batched import once more, kept;
2. ``export_claims`` of that quarter;
3. the same quarter's figures from one hand-written SQL aggregate (the floor).

Usage (from the project root; the database is dropped and re-created by pytest-style naming, so point
it at a scratch database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench .venv/bin/python benchmarks/national_scale.py \
        [--rounds 3] [--batched-only] [--profile import.prof]

Results are written up in docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import datetime
import importlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DEBUG", "false")  # no query logging: measure what production runs

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from carehomes.models import Alignment, CareHome  # noqa: E402
from claims.models import Worksheet, WorksheetLine  # noqa: E402
from claims.rules import DEFAULT_RATES, Line, calculate_payment  # noqa: E402
from claims.worksheets import importers  # noqa: E402
from claims.worksheets.services import SubmissionBatch, payment_fields, quarter_for  # noqa: E402
from core.periods import LONDON, Period  # noqa: E402
from history.services import audit_record  # noqa: E402
from practices.models import PCN, Agreement, Commissioner, Practice  # noqa: E402

PRACTICES, HOMES, ALIGNMENTS = 6_300, 15_000, 20_000
COMMISSIONERS, PCNS = 42, 1_250
YEAR = 2019
SEED = 20191


def flush_scratch_database():
    """Empty every table of this scratch database. History tables refuse TRUNCATE unless the
    session says otherwise (audit/migrations/0003, ADR 0020): a benchmark's scratch database is,
    like the test harness's, a place where emptying history is the point."""
    with connection.cursor() as cursor:
        cursor.execute("SET les.allow_history_truncate = 'on'")
    try:
        call_command("flush", "--noinput", verbosity=0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET les.allow_history_truncate")


def reset():
    call_command("migrate", verbosity=0)
    flush_scratch_database()
    # flush empties the tables a migration seeded: seed the tariff and bands again the same way.
    seed = importlib.import_module("claims.migrations.0002_seed_tariff_and_bands")
    seed.seed(apps, None)


@transaction.atomic
def generate(rng: random.Random):
    commissioners = Commissioner.objects.bulk_create(
        [Commissioner(code=f"{i:02d}X", name=f"Benchmark ICB {i}") for i in range(COMMISSIONERS)]
    )
    pcns = PCN.objects.bulk_create(
        [
            PCN(code=f"U{i:05d}", name=f"PCN {i}", commissioner=commissioners[i % COMMISSIONERS])
            for i in range(PCNS)
        ]
    )
    practices = Practice.objects.bulk_create(
        [
            Practice(ods_code=f"B{i:05d}", name=f"Practice {i}", pcn=pcns[i % PCNS])
            for i in range(PRACTICES)
        ]
    )
    Agreement.objects.bulk_create([Agreement(practice=p) for p in practices])
    homes = CareHome.objects.bulk_create(
        [
            CareHome(
                cqc_location_id=f"1-{100000000 + i}",
                name=f"Home {i}",
                postcode="S60 2UB",
                category="elderly" if i % 3 else "emi",
                beds=rng.randint(10, 80),
                commissioner=commissioners[i % COMMISSIONERS],
            )
            for i in range(HOMES)
        ]
    )
    # Every home aligned with one practice; 5,000 also with a second (large homes across two areas).
    pairs = [(homes[i], practices[i % PRACTICES]) for i in range(HOMES)]
    pairs += [(homes[i], practices[(i + 1) % PRACTICES]) for i in range(ALIGNMENTS - HOMES)]
    Alignment.objects.bulk_create(
        [
            Alignment(care_home=h, practice=p, start_date=datetime.date(2018, 4, 1), lead_gp="Dr B")
            for h, p in pairs
        ]
    )
    return practices, pairs


def load_quarters(rng, pairs, periods):
    """Worksheets for the given quarters, priced by the rules, bulk-inserted (the history to carry from)."""
    by_practice: dict[int, list] = {}
    for home, practice in pairs:
        by_practice.setdefault(practice.pk, []).append(home)
    closing: dict[tuple[int, int], int] = {}
    for period in periods:
        quarter = quarter_for(period)
        worksheets, pending_lines = [], []
        for practice_id, homes in by_practice.items():
            lines = []
            for home in homes:
                opening = closing.get((practice_id, home.pk), rng.randint(0, home.beds // 2))
                new = rng.randint(0, 3)
                moved, died = rng.randint(0, min(1, opening + new)), 0
                died = rng.randint(0, min(2, opening + new - moved))
                line = Line(opening, new, rng.randint(0, 2), moved, died, 0)
                closing[(practice_id, home.pk)] = line.closing
                lines.append((home, line))
            at = datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON)
            payment = calculate_payment(
                [line for _, line in lines],
                rates=DEFAULT_RATES,
                due_date=quarter.due_date,
                first_submitted_at=at,
            )
            worksheets.append(
                Worksheet(
                    practice_id=practice_id,
                    quarter=quarter,
                    first_submitted_at=at,
                    submitted_at=at,
                    **payment_fields(payment),
                )
            )
            pending_lines.append(lines)
        Worksheet.objects.bulk_create(worksheets, batch_size=2000)
        WorksheetLine.objects.bulk_create(
            [
                WorksheetLine(
                    worksheet=w,
                    care_home=home,
                    opening=line.opening,
                    new_permanent=line.new_permanent,
                    temporary=line.temporary,
                    moved_out=line.moved_out,
                    died=line.died,
                    opening_source="carried_forward",
                )
                for w, lines in zip(worksheets, pending_lines, strict=True)
                for home, line in lines
            ],
            batch_size=5000,
        )
    return by_practice, closing


def quarter_file(rng, by_practice, closing, period) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["practice_ods", "quarter", "cqc_location_id", "opening", "new_permanent", "temporary",
         "moved_out", "died", "in_other_home", "submitted_at"]
    )  # fmt: skip
    ods = dict(Practice.objects.values_list("pk", "ods_code"))
    for practice_id, homes in by_practice.items():
        for home in homes:
            opening = closing[(practice_id, home.pk)]
            writer.writerow(
                [ods[practice_id], period.label, home.cqc_location_id, "", rng.randint(0, 2), 0,
                 min(1, opening), 0, 0, f"{period.default_due_date}T09:00:00"]
            )  # fmt: skip
    return out.getvalue()


# The floor: the export's rows (every practice that owed a worksheet, with its line sums and
# payment, or nothing when missing) from one hand-written query, written out as CSV.
FLOOR_SQL = """
WITH expected AS (
    SELECT DISTINCT p.id, p.ods_code
    FROM practices_practice p
    JOIN carehomes_alignment a ON a.practice_id = p.id
    JOIN carehomes_carehome h ON h.id = a.care_home_id
    JOIN practices_agreement ag ON ag.practice_id = p.id
    WHERE h.category <> 'learning_disability'
      AND a.start_date <= %(last)s AND (a.end_date IS NULL OR a.end_date >= %(first)s)
      AND (ag.starts_on IS NULL OR ag.starts_on <= %(last)s)
      AND (ag.ends_on IS NULL OR ag.ends_on >= %(first)s)
), sums AS (
    SELECT w.practice_id, w.status, SUM(l.opening) o, SUM(l.new_permanent) n, SUM(l.temporary) t,
           SUM(l.opening + l.new_permanent - l.moved_out - l.died) c, w.gross_pence, w.days_late,
           w.deduction_percent, w.deduction_pence, w.net_pence, w.release, w.waived
    FROM claims_worksheet w
    JOIN claims_quarter q ON q.id = w.quarter_id
    JOIN claims_worksheetline l ON l.worksheet_id = w.id
    WHERE q.year = %(year)s AND q.number = %(number)s
    GROUP BY w.id
)
SELECT e.ods_code, COALESCE(s.status, 'missing'), s.o, s.n, s.t, s.c, s.gross_pence, s.days_late,
       s.deduction_percent, s.deduction_pence, s.net_pence, s.release, s.waived
FROM expected e LEFT JOIN sums s ON s.practice_id = e.id
ORDER BY e.ods_code
"""


class OneByOne(SubmissionBatch):
    """The import as it was before ADR 0046, for comparison in the same run: each worksheet, its
    lines and its history row written as soon as it is checked (three inserts a worksheet)."""

    def add(self, worksheet, lines, history):
        worksheet.save(force_insert=True)
        WorksheetLine.objects.bulk_create(lines)
        audit_record(obj=worksheet, **history)


@contextlib.contextmanager
def writes(batch_class):
    saved = importers.SubmissionBatch
    importers.SubmissionBatch = batch_class
    try:
        yield
    finally:
        importers.SubmissionBatch = saved


def cpu_seconds() -> float:
    """CPU used so far by this process and by its PostgreSQL backend (same machine): on a machine
    busy with other work, steadier than the time on the clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return time.process_time() + backend


def import_seconds(path: str, *, batch_class=SubmissionBatch, keep=False) -> tuple[float, float]:
    """One ``import_worksheets`` of the file, rolled back unless ``keep``: (clock, CPU) seconds."""
    with writes(batch_class), transaction.atomic():
        cpu = cpu_seconds()
        start = time.perf_counter()
        call_command("import_worksheets", path, verbosity=0, stdout=io.StringIO())
        seconds = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
        if not keep:
            transaction.set_rollback(True)
    return seconds, cpu


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3, help="interleaved import rounds")
    parser.add_argument(
        "--batched-only", action="store_true", help="skip the one-by-one comparison"
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="also run one batched import (rolled back) under cProfile and write its stats to FILE",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a scratch PostgreSQL database.")
    rng = random.Random(SEED)
    reset()
    t0 = time.perf_counter()
    _practices, pairs = generate(rng)
    periods = [Period(YEAR, q) for q in (1, 2, 3)]
    by_practice, closing = load_quarters(rng, pairs, periods)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would have by the time a quarter is imported
    print(f"generated registry and 3 quarters in {time.perf_counter() - t0:.1f} s", flush=True)

    q4 = Period(YEAR, 4)
    content = quarter_file(rng, by_practice, closing, q4)
    lines = content.count("\n") - 1
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write(content)
    what = f"import_worksheets {q4.label} ({lines} lines, {len(by_practice)} worksheets)"
    batched, one_by_one = [], []
    for round_ in range(args.rounds):  # interleaved, each rolled back
        batched.append(import_seconds(handle.name))
        if not args.batched_only:
            one_by_one.append(import_seconds(handle.name, batch_class=OneByOne))
        print(
            f"  round {round_ + 1}: batched {batched[-1][0]:.1f} s ({batched[-1][1]:.1f} s CPU)"
            + (
                f", one by one {one_by_one[-1][0]:.1f} s ({one_by_one[-1][1]:.1f} s CPU)"
                if one_by_one
                else ""
            ),
            flush=True,
        )
    for name, runs in (("batched", batched), ("one by one", one_by_one)):
        if runs:
            print(
                f"{what}, {name}: median {statistics.median(r[0] for r in runs):.1f} s, "
                f"{statistics.median(r[1] for r in runs):.1f} s CPU (Python + PostgreSQL)"
            )
    if args.profile:
        profiler, statements = cProfile.Profile(), []

        def timing(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - start, " ".join(sql.split())[:90]))

        with writes(SubmissionBatch), transaction.atomic(), connection.execute_wrapper(timing):
            profiler.runcall(
                call_command, "import_worksheets", handle.name, verbosity=0, stdout=io.StringIO()
            )
            transaction.set_rollback(True)
        profiler.dump_stats(args.profile)
        print(f"profile of one batched import written to {args.profile}; its slowest statements:")
        for seconds, sql in sorted(statements, reverse=True)[:8]:
            print(f"  {seconds * 1000:7.0f} ms  {sql}")
        print(f"  {sum(s for s, _ in statements) * 1000:7.0f} ms  all {len(statements)} statements")
    kept, kept_cpu = import_seconds(handle.name, keep=True)
    print(f"{what}, batched, kept: {kept:.1f} s ({kept_cpu:.1f} s CPU)")

    def export():
        call_command("export_claims", quarter=q4.label, stdout=io.StringIO())

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                FLOOR_SQL,
                {"year": q4.year, "number": q4.quarter, "first": q4.first_day, "last": q4.last_day},
            )
            rows = cursor.fetchall()
            out = io.StringIO()
            csv.writer(out).writerows(rows)

    export_median, export_runs = timed(export)
    floor_median, floor_runs = timed(floor)
    print(
        f"export_claims {q4.label}: median {export_median * 1000:.0f} ms over {len(export_runs)} runs"
    )
    print(f"SQL floor:          median {floor_median * 1000:.0f} ms over {len(floor_runs)} runs")
    print(f"ratio export / floor: {export_median / floor_median:.2f}")


if __name__ == "__main__":
    main()
