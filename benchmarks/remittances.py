"""Benchmark of the remittance advice (issue 5; not a test).

Into the scratch PostgreSQL database named by DATABASE_URL (default ``les_bench_remit``, created if
missing, migrated and emptied), it generates practices with claims submitted, checked and approved
through the services, then measures

1. one remittance: ``remittance_build`` (context, HTML, render, store, email queued) against two
   bare WeasyPrint renders of the same HTML with WeasyPrint's defaults (its own fetcher, no PDF/UA,
   nothing kept between documents): of the document as it is printed (the HTML with ``pdf.css``
   and its fonts, the floor docs/performance.md holds the target to) and of the HTML alone
   (unstyled); median of several remittances each, with ``render_pdf`` alone for attribution;
2. a 30-practice payment run: wall time from ``payment_run_close`` until all 30 remittances are
   built and emailed, by one and then two real Celery worker processes
   (``celery -A carehomes_les worker -Q celery,pdf --concurrency=1 --pool=prefork``) consuming from
   Redis database 14 (``BENCH_BROKER_URL``), which is emptied first. Emails go to files in a
   temporary folder (the file backend: no EMAIL_HOST).

Usage (from the project root):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench_remit .venv/bin/python benchmarks/remittances.py

Results are written up in docs/performance.md.
"""

from __future__ import annotations

import datetime
import importlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_bench_remit")
os.environ.setdefault("DEBUG", "false")  # no query logging: measure what production runs
# Closing a run must queue its builds on Redis (a memory:// broker would run them here, eagerly).
os.environ["CELERY_BROKER_URL"] = BENCH_BROKER_URL
os.environ.pop("EMAIL_HOST", None)
EMAIL_DIR = Path(tempfile.mkdtemp(prefix="les-bench-remit-mail-"))
os.environ["EMAIL_FILE_PATH"] = str(EMAIL_DIR)

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
import redis  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from carehomes.models import Alignment, CareHome  # noqa: E402
from carehomes_les.celery import app  # noqa: E402
from claims.models import PaymentRun, Remittance  # noqa: E402
from claims.payments.remittances import remittance_build, remittance_html, remittances_progress  # noqa: E402
from claims.payments.runs import payment_run_authorise, payment_run_close, payment_run_create  # noqa: E402
from claims.review.services import claim_approve, claim_check  # noqa: E402
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit  # noqa: E402
from core.periods import LONDON, Period  # noqa: E402
from documents.pdf import STYLESHEET, render_pdf, static_file  # noqa: E402
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact  # noqa: E402

SEED = 20195
SINGLE_SAMPLES = 15  # remittances timed one by one (after one warm-up)
RUN_PRACTICES = 30
WORKER_COUNTS = (1, 2)
DONE_WITHIN = 600  # seconds: a run not finished by then is reported as a failure
RUN_DATE = datetime.date(2019, 11, 1)


def ensure_database():
    """Create the scratch database if it is missing (connecting to the server's ``postgres``)."""
    db = settings.DATABASES["default"]
    if "bench" not in db["NAME"]:
        sys.exit(
            f"Refusing to empty {db['NAME']!r}: point DATABASE_URL at a scratch *bench* database."
        )
    server = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"] or 5432,
    )
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
    server.close()


def reset():
    call_command("migrate", verbosity=0)
    # History refuses TRUNCATE unless the session allows it (ADR 0020): this is a scratch database.
    with connection.cursor() as cursor:
        cursor.execute("SET les.allow_history_truncate = 'on'")
    call_command("flush", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("RESET les.allow_history_truncate")
    # flush empties the tables a migration seeded: seed the tariff and bands again the same way.
    importlib.import_module("claims.migrations.0002_seed_tariff_and_bands").seed(apps, None)


def purge_broker():
    redis.Redis.from_url(BENCH_BROKER_URL).flushdb()  # our own Redis database only


def commissioner_with_claims(
    index: int, code: str, practices: int, homes_per_practice, rng: random.Random
):
    """A commissioner with ``practices`` practices, each with its homes and two approved claims:
    2019/20 Q1 on time and Q2 three days late (5% deducted). Returns the commissioner and an
    officer."""
    commissioner = Commissioner.objects.create(code=code, name=f"Benchmark ICB {code}")
    checker, approver = (
        User.objects.create(
            username=f"{name}-{code}", role=Role.CONTRACTING_OFFICER, commissioner=commissioner
        )
        for name in ("checker", "approver")
    )
    pcn = PCN.objects.create(
        code=f"U{index}0000", name=f"Benchmark PCN {code}", commissioner=commissioner
    )
    for p in range(practices):
        practice = Practice.objects.create(
            ods_code=f"B{index}{p:04d}", name=f"Benchmark Practice {code} {p}", pcn=pcn
        )
        Agreement.objects.create(practice=practice)
        PracticeContact.objects.create(practice=practice, email=f"manager{p}@{code}.nhs.example")
        homes = []
        for h in range(homes_per_practice(rng)):
            home = CareHome.objects.create(
                cqc_location_id=f"1-{index}{p:04d}{h:03d}",
                name=f"Benchmark Care Home {code} {p}-{h}",
                postcode="S60 2UB",
                category=CareHome.Category.ELDERLY,
                beds=60,
                commissioner=commissioner,
            )
            Alignment.objects.create(
                care_home=home,
                practice=practice,
                start_date=datetime.date(2018, 4, 1),
                lead_gp="Dr B",
            )
            homes.append(home)
        for period, days_late in ((Period(2019, 1), 0), (Period(2019, 2), 3)):
            quarter = quarter_for(period)
            entries = {
                home.pk: LineEntry(
                    opening=rng.randint(4, 12) if period.quarter == 1 else None,
                    new_permanent=rng.randint(0, 2),
                    temporary=rng.randint(0, 1),
                    moved_out=0,
                    died=rng.randint(0, 1),
                )
                for home in homes
            }
            at = datetime.datetime.combine(
                quarter.due_date + datetime.timedelta(days=days_late), datetime.time(10), LONDON
            )
            claim = worksheet_submit(
                practice=practice, quarter=quarter, entries=entries, by=None, submitted_at=at
            )
            claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    return commissioner, checker


def close_run(commissioner, officer) -> PaymentRun:
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=officer
    )
    # The second person: a finance approver authorises the run before it is closed.
    director = User.objects.create(
        username=f"bench-director-{run.pk}", role=Role.CONTRACTING_OFFICER,
        commissioner=commissioner, is_finance_approver=True,
    )  # fmt: skip
    return payment_run_close(run=payment_run_authorise(run=run, by=director), by=officer)


# -- 1. one remittance ---------------------------------------------------------------------------


def bare(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def styled(html: str) -> bytes:
    """The same HTML with the stylesheet and its bundled fonts parsed for this document (as
    render_pdf did before it kept them), WeasyPrint's default fetcher and no PDF/UA."""
    stylesheet = static_file(STYLESHEET)
    fonts = FontConfiguration()
    return HTML(string=html, base_url=stylesheet.parent.as_uri() + "/").write_pdf(
        stylesheets=[CSS(filename=str(stylesheet), font_config=fonts)], font_config=fonts
    )


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


MEASURES = [
    ("build", "remittance_build (context + HTML + render + store)"),
    ("html", "  of which remittance_html (context + template)"),
    ("render_pdf", "render_pdf (kept stylesheet and fonts, fetcher, PDF/UA)"),
    ("styled", "bare WeasyPrint of the document: HTML + pdf.css, no PDF/UA"),
    ("bare", "bare WeasyPrint of the HTML alone (no stylesheet)"),
]


def single_remittance():
    commissioner, officer = commissioner_with_claims(
        1, "SGL", SINGLE_SAMPLES + 1, lambda rng: 2, random.Random(SEED)
    )
    run = close_run(commissioner, officer)  # queues builds on Redis; no worker is running yet
    measures = {name: [] for name, _ in MEASURES}
    sizes = {"build": [], "bare": []}
    for index, remittance in enumerate(run.remittances.order_by("pk")):
        timings = {}
        timings["html"], html = timed(remittance_html, remittance)
        timings["build"], built = timed(remittance_build, remittance.pk)
        timings["render_pdf"], _ = timed(render_pdf, html)
        timings["styled"], _ = timed(styled, html)
        timings["bare"], plain = timed(bare, html)
        if index == 0:
            continue  # warm-up: imports, caches, the first connection to Redis
        for name, seconds in timings.items():
            measures[name].append(seconds)
        sizes["build"].append(built.advice.size)
        sizes["bare"].append(len(plain))
    medians = {name: statistics.median(values) for name, values in measures.items()}
    fastest = {name: min(values) for name, values in measures.items()}
    print(f"one remittance (2 homes, 2 claims, 2 pages), {SINGLE_SAMPLES} remittances each:")
    print(f"  {'':<58} {'median':>7} {'min':>7}")
    for name, label in MEASURES:
        print(f"  {label:<58} {medians[name] * 1000:4.0f} ms {fastest[name] * 1000:4.0f} ms")
    for floor, label in (("styled", "the document (HTML + pdf.css)"), ("bare", "the HTML alone")):
        print(
            f"  ratio build / bare render of {label}: "
            f"{medians['build'] / medians[floor]:.2f} (medians), "
            f"{fastest['build'] / fastest[floor]:.2f} (minimums)"
        )
    print(
        f"  PDF size: {statistics.median(sizes['build']) / 1024:.1f} KiB "
        f"(bare {statistics.median(sizes['bare']) / 1024:.1f} KiB)"
    )
    return medians


# -- 2. a 30-practice run on real workers --------------------------------------------------------


def start_workers(count: int, logs: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "CELERY_BROKER_URL": BENCH_BROKER_URL,
        "EMAIL_FILE_PATH": str(EMAIL_DIR),
        "DEBUG": "false",
    }
    celery = str(Path(sys.executable).parent / "celery")
    workers = []
    for n in range(count):
        log = open(logs / f"worker{n}.log", "wb")  # noqa: SIM115 - closed when the worker stops
        workers.append(
            subprocess.Popen(
                [
                    celery,
                    "-A",
                    "carehomes_les",
                    "worker",
                    "-Q",
                    "celery,pdf",
                    "--concurrency=1",
                    "--pool=prefork",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-n",
                    f"bench{n}@%h",
                    "-l",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(w.poll() is not None for w in workers):
            break
        replies = app.control.ping(timeout=0.5)
        if len(replies) >= count:
            return workers
    stop_workers(workers)
    sys.exit(f"The workers did not start; see {logs}")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the task in hand
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # the group this script started for it
            worker.wait()


def payment_run(workers: int, code: str, logs: Path) -> dict:
    commissioner, officer = commissioner_with_claims(
        1 + workers,
        code,
        RUN_PRACTICES,
        lambda rng: rng.randint(1, 4),
        random.Random(SEED + workers),
    )
    purge_broker()  # nothing but this run's work in the queues
    processes = start_workers(workers, logs)
    try:
        start = time.perf_counter()
        run = close_run(commissioner, officer)
        closed = time.perf_counter() - start
        built_at = None
        deadline = time.monotonic() + DONE_WITHIN
        while time.monotonic() < deadline:
            progress = remittances_progress(run)
            now = time.perf_counter() - start
            if built_at is None and progress.built == progress.total:
                built_at = now
            if progress.emailed == progress.total == RUN_PRACTICES:
                emailed_at = now
                break
            if progress.failed or progress.email_failed:
                sys.exit(f"{progress.summary} See {logs}")
            time.sleep(0.05)
        else:
            sys.exit(f"Not done within {DONE_WITHIN} s: {remittances_progress(run).summary}")
    finally:
        stop_workers(processes)
    pages = sum(
        r.advice.size for r in Remittance.objects.filter(payment_run=run).select_related("advice")
    )
    print(
        f"{RUN_PRACTICES}-practice run, {workers} worker process{'es' if workers > 1 else ''}: "
        f"closed in {closed:.2f} s, all built at {built_at:.1f} s, all emailed at "
        f"{emailed_at:.1f} s ({pages / RUN_PRACTICES / 1024:.1f} KiB a PDF)"
    )
    return {"closed": closed, "built": built_at, "emailed": emailed_at}


def main():
    ensure_database()
    connection.close()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a scratch PostgreSQL database.")
    if not BENCH_BROKER_URL.startswith("redis://"):
        sys.exit("BENCH_BROKER_URL must point at a Redis database this benchmark may empty.")
    reset()
    purge_broker()
    logs = Path(tempfile.mkdtemp(prefix="les-bench-remit-logs-"))
    try:
        single_remittance()
        for workers, code in zip(WORKER_COUNTS, ("RA1", "RA2"), strict=True):
            payment_run(workers, code, logs)
        emails = sum(
            path.read_text(errors="replace").count('filename="remittance-advice-')
            for path in EMAIL_DIR.iterdir()
        )
        print(f"remittance emails the workers wrote to {EMAIL_DIR}: {emails}")
    finally:
        purge_broker()
        shutil.rmtree(EMAIL_DIR, ignore_errors=True)
    shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
