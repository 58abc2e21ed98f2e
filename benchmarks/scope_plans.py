"""Scope first (issue 18): ``EXPLAIN ANALYZE`` of the reads that used to grow with the nation, and
the time of an officer's "check now" (not a test).

Run against an already-seeded national database (``benchmarks/national_scale.py``; emails to the
practices added by hand, see docs/performance.md), read-only apart from the reminders, which run in
a transaction that is rolled back:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench_h18b \\
        .venv/bin/python benchmarks/scope_plans.py [--plans] [--only=WORDS] | --reminders [--one-commissioner]

For each read it captures the SQL the code sends (as a commissioner's officer, or a practice
manager of one practice), runs ``EXPLAIN (ANALYZE, BUFFERS)`` on each statement five times, and
prints the median execution time summed over the statements, the shared buffers touched and every
sequential scan of a table. ``--plans`` prints each statement's plan too. The same script runs
against the code before and after the change (it uses only what both have), which is how the
"before" column of docs/performance.md was measured.
"""

from __future__ import annotations

import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.access import Scope  # noqa: E402
from accounts.models import Role, User  # noqa: E402
from carehomes.models import Alignment, CareHome  # noqa: E402
from claims.models import Quarter  # noqa: E402
from claims.worksheets.exports import claim_rows  # noqa: E402
from notices.models import Notice  # noqa: E402
from practices.models import Practice  # noqa: E402
from reports import accruals, comparison, dashboard, outstanding  # noqa: E402

ROUNDS = 5
COMMISSIONER = 1
YEAR = 2019


def officer_scope() -> Scope:
    return Scope(User(role=Role.CONTRACTING_OFFICER, commissioner_id=COMMISSIONER))


def manager_scope(practice_id: int) -> Scope:
    scope = Scope(User(role=Role.PRACTICE_MANAGER))
    scope.__dict__["practice_ids"] = frozenset({practice_id})  # as if read from memberships
    return scope


def care_homes_page(scope: Scope, today: datetime.date) -> None:
    visible = Alignment.objects.visible_to(scope).current(today).values("pk")
    homes = (
        CareHome.objects.visible_to(scope)
        .annotate(
            practice_count=Count("alignments", filter=Q(alignments__in=visible), distinct=True)
        )
        .order_by("name")
    )
    list(homes[:25])
    homes.count()


def explain(sql: str) -> tuple[float, int, list[str], list[str]]:
    times, plan = [], []
    for _ in range(ROUNDS):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        times.append(float(re.search(r"Execution Time: ([\d.]+)", "\n".join(plan)).group(1)))
    buffers = 0
    top = next((line for line in plan if "Buffers:" in line), "")
    for count in re.findall(r"(?:hit|read)=(\d+)", top):
        buffers += int(count)
    scans = sorted({m for line in plan for m in re.findall(r"Seq Scan on (\w+)", line)})
    return statistics.median(times), buffers, scans, plan


def measure(label: str, fn, show_plans: bool) -> None:
    if not any(a.startswith("--only=") and a[7:] in label for a in sys.argv) and any(
        a.startswith("--only=") for a in sys.argv
    ):
        return
    with CaptureQueriesContext(connection) as ctx:
        fn()
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    total_ms, total_buffers, scans = 0.0, 0, set()
    for sql in statements:
        ms, buffers, seq, plan = explain(sql)
        total_ms += ms
        total_buffers += buffers
        scans.update(seq)
        if show_plans:
            print(f"\n-- {label}: {ms:.2f} ms\n{sql}\n" + "\n".join(plan))
    print(
        f"| {label} | {len(statements)} | {total_ms:.1f} | {total_buffers:,} | "
        f"{', '.join(sorted(scans)) or 'none'} |"
    )


def reads(show_plans: bool) -> None:
    officer = officer_scope()
    practice = Practice.objects.filter(pcn__commissioner_id=COMMISSIONER).order_by("pk").first()
    manager = manager_scope(practice.pk)
    quarter = Quarter.objects.get(year=YEAR, number=4)
    today = quarter.due_date + datetime.timedelta(days=30)
    print("| read | statements | SQL ms (median of 5, summed) | buffers | sequential scans |")
    print("|---|---|---|---|---|")
    measure(
        "care homes: the page's 25 homes and their count (as CareHomeListView)",
        lambda: care_homes_page(officer, today),
        show_plans,
    )
    measure(
        "scheme comparison: a practice manager's practice",
        lambda: comparison.compare(manager, Practice.objects.filter(pk=practice.pk), YEAR),
        show_plans,
    )
    measure(
        "scheme comparison: the officer's commissioner",
        lambda: comparison.compare(officer, Practice.objects.visible_to(officer), YEAR),
        show_plans,
    )
    measure(
        "outstanding: worksheets overdue in scope",
        lambda: list(
            outstanding.overdue_in_scope(
                officer, outstanding.Owed(outstanding.WORKSHEETS, quarter), today
            )
        ),
        show_plans,
    )
    measure(
        "dashboard: submissions (with not submitted)",
        lambda: dashboard.submissions(officer, YEAR, today=today),
        show_plans,
    )
    measure(
        "accruals at a close",
        lambda: accruals.accruals_at(officer, quarter.due_date + datetime.timedelta(days=3)),
        show_plans,
    )
    measure(
        "claims export of a quarter, the officer's practices",
        lambda: list(claim_rows(quarter, Practice.objects.visible_to(officer))),
        show_plans,
    )
    measure(
        "emails page: the newest 25 and the count",
        lambda: (
            list(Notice.objects.visible_to(officer).order_by("-created_at", "-pk")[:25]),
            Notice.objects.visible_to(officer).count(),
        ),
        show_plans,
    )


class Rollback(Exception):
    pass


def reminders() -> None:
    """The day after a quarter's due date nobody has submitted for: every practice owes a late
    notice. Every commissioner (the daily schedule, and "check now" before), then one."""
    from outcomes.reminders import reminders_run

    quarter = Quarter.objects.get(year=YEAR, number=4)
    # The next quarter, which the national seed has no worksheets for, one day late.
    today = quarter.due_date + datetime.timedelta(days=92)
    runs = [] if "--one-commissioner" in sys.argv else [("every commissioner", {})]
    if "commissioner_id" in reminders_run.__code__.co_varnames:
        runs.append(("one commissioner", {"commissioner_id": COMMISSIONER}))
    for label, kwargs in runs:
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(1)
            return execute(sql, params, many, context)

        start = time.perf_counter()
        try:
            with transaction.atomic(), connection.execute_wrapper(count):
                created = reminders_run(today, **kwargs)
                raise Rollback
        except Rollback:
            pass
        seconds = time.perf_counter() - start
        print(
            f"| reminders_run, {label} | {seconds:.1f} s | {len(queries):,} "
            f"queries | {sum(created.values()):,} emails written (rolled back) |"
        )


if __name__ == "__main__":
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at the seeded national PostgreSQL database.")
    if "--reminders" in sys.argv:
        reminders()
    else:
        reads("--plans" in sys.argv)
