"""Benchmark of the payment run page and the claims queue (issue 18; not a test).

Into the scratch PostgreSQL database named by DATABASE_URL (default ``les_bench_run_page``, created
if missing, migrated and emptied), it generates one commissioner with ``--practices`` practices
(150 by default), each with one approved claim submitted, checked and approved through the
services, and two payment runs: one closed (holding every claim) and, after a second quarter is
approved, one open (previewing every claim due). Then, in-process with Django's test client signed
in as an officer (two factors completed), it fetches

- the closed run's page, the open run's page and the claims queue (all claims),

each ``--repeat`` times after a warm-up, and prints the median time, the number of queries and the
size of the page. ``--profile NAME`` prints cProfile's top functions for one of them.

Closing the run queues one remittance advice build per practice; the broker is Redis database 7
(``BENCH_BROKER_URL``), emptied first and not consumed (no worker runs).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench_run_page \\
        .venv/bin/python benchmarks/run_page.py [--practices 150] [--repeat 7] [--reuse]

Results are written up in docs/performance.md ("Bounded lists and cheap tables").
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import importlib
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_bench_run_page")
os.environ.setdefault(
    "DEBUG", "false"
)  # no query logging but our own: measure what production runs
os.environ["CELERY_BROKER_URL"] = BENCH_BROKER_URL
os.environ.pop("EMAIL_HOST", None)
os.environ["EMAIL_FILE_PATH"] = tempfile.mkdtemp(prefix="les-bench-run-page-mail-")

import django  # noqa: E402

django.setup()

import psycopg2  # noqa: E402
import redis  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from carehomes.models import Alignment, CareHome  # noqa: E402
from claims.models import PaymentRun  # noqa: E402
from claims.payments.runs import (  # noqa: E402
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
)
from claims.review.services import claim_approve, claim_check  # noqa: E402
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit  # noqa: E402
from core.periods import LONDON, Period  # noqa: E402
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact  # noqa: E402

SEED = 2018
CODE = "RPB"


def ensure_database():
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
    with connection.cursor() as cursor:  # a scratch database: history may be truncated (ADR 0020)
        cursor.execute("SET les.allow_history_truncate = 'on'")
    call_command("flush", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("RESET les.allow_history_truncate")
    importlib.import_module("claims.migrations.0002_seed_tariff_and_bands").seed(apps, None)
    redis.Redis.from_url(BENCH_BROKER_URL).flushdb()  # our own Redis database only


def submit_and_approve(practice, homes, period: Period, rng, checker, approver):
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
    at = datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON)
    claim = worksheet_submit(
        practice=practice, quarter=quarter, entries=entries, by=None, submitted_at=at
    )
    claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)


def generate(practices: int):
    rng = random.Random(SEED)
    commissioner = Commissioner.objects.create(code=CODE, name="Run page benchmark ICB")
    checker, approver = (
        User.objects.create(
            username=f"{name}-{CODE}", role=Role.CONTRACTING_OFFICER, commissioner=commissioner
        )
        for name in ("checker", "approver")
    )
    director = User.objects.create(
        username=f"director-{CODE}", role=Role.CONTRACTING_OFFICER,
        commissioner=commissioner, is_finance_approver=True,
    )  # fmt: skip
    pcn = PCN.objects.create(code="U90000", name="Run page PCN", commissioner=commissioner)
    by_practice = []
    for p in range(practices):
        practice = Practice.objects.create(
            ods_code=f"R{p:05d}", name=f"Run Page Practice {p}", pcn=pcn
        )
        Agreement.objects.create(practice=practice)
        PracticeContact.objects.create(practice=practice, email=f"manager{p}@{CODE}.nhs.example")
        homes = []
        for h in range(2):
            home = CareHome.objects.create(
                cqc_location_id=f"1-9{p:05d}{h:02d}",
                name=f"Run Page Care Home {p}-{h}",
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
        by_practice.append((practice, homes))
        submit_and_approve(practice, homes, Period(2019, 1), rng, checker, approver)
    closed = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=checker
    )
    payment_run_close(run=payment_run_authorise(run=closed, by=director), by=checker)
    for practice, homes in by_practice:
        submit_and_approve(practice, homes, Period(2019, 2), rng, checker, approver)
    payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 11, 1), by=checker
    )


def signed_in_client() -> Client:
    officer = User.objects.get(username=f"checker-{CODE}")
    client = Client()
    client.force_login(officer)
    device = TOTPDevice.objects.filter(user=officer, confirmed=True).first() or (
        TOTPDevice.objects.create(user=officer, name="Benchmark", confirmed=True)
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the data already generated")
    parser.add_argument("--profile", help="a page name: print its cProfile")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    logging.getLogger("carehomes_les.requests").setLevel(logging.WARNING)  # one line a request

    ensure_database()
    if not args.reuse or not Commissioner.objects.filter(code=CODE).exists():
        reset()
        start = time.perf_counter()
        generate(args.practices)
        print(f"generated {args.practices} practices in {time.perf_counter() - start:.1f} s")
    commissioner = Commissioner.objects.get(code=CODE)
    closed = PaymentRun.objects.get(commissioner=commissioner, status=PaymentRun.Status.CLOSED)
    open_run = PaymentRun.objects.get(commissioner=commissioner, status=PaymentRun.Status.OPEN)
    pages = {
        "closed run": f"/payment-runs/{closed.pk}/",
        "open run": f"/payment-runs/{open_run.pk}/",
        "claims queue, all": "/claims/?show=all",
        "signed-in floor": "/accessibility/",
    }
    client = signed_in_client()
    print(f"claims in the closed run: {closed.claims.count()}")
    print(f"{'page':<24} {'status':>6} {'queries':>7} {'median ms':>9} {'KiB':>6}")
    for name, path in pages.items():
        client.get(path)  # warm-up
        times, count = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
            count = len(captured.captured_queries)
        print(
            f"{name:<24} {response.status_code:>6} {count:>7} "
            f"{statistics.median(times) * 1000:>9.1f} {len(response.content) / 1024:>6.0f}"
        )
        if name == args.profile:
            profile = cProfile.Profile()
            profile.enable()
            client.get(path)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
    tables_alone(closed, args.repeat)


def tables_alone(run: PaymentRun, repeat: int):
    """The claims table of ``run`` (every claim, one page) drawn by django-tables2's own per-cell
    machinery and by the cheap loop, interleaved, median of ``repeat``: the part of the page the
    cheap cells change, measured side by side in one process. Skipped before the cheap cells."""
    try:
        from core.tables import CHEAP_TEMPLATE  # noqa: F401
    except ImportError:
        return
    from django.test import RequestFactory

    from claims.tables import ClaimTable

    request = RequestFactory().get("/")
    claims = list(run.claims.select_related("practice", "quarter").order_by("pk"))
    times = {"django-tables2 cells": [], "cheap cells": []}
    for _ in range(repeat + 1):
        for name, template in (
            ("django-tables2 cells", "tables/nhsuk_table.html"),
            ("cheap cells", CHEAP_TEMPLATE),
        ):
            table = ClaimTable(claims, orderable=False, exclude=("select",), template_name=template)
            start = time.perf_counter()
            table.as_html(request)
            times[name].append(time.perf_counter() - start)
    print(f"the run's claims table alone ({len(claims)} rows, 4 columns), in-process:")
    for name, samples in times.items():
        print(f"  {name:<22} {statistics.median(samples[1:]) * 1000:>7.1f} ms")


if __name__ == "__main__":
    main()
