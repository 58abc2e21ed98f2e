"""National-size benchmark of ``sync_registry`` (issue 17, not a test).

Writes England-sized national files in their published layouts: ``epraccur.csv`` (6,500 GP
practices among 11,500 ODS rows, 106 sub-ICB locations), ``ePCN.xlsx`` (1,300 PCNs, 6,500
memberships) and CQC's "HSCA Active Locations" as ``.ods`` and ``.xlsx`` (50,000 locations, 15,000
of them care homes), then times one commissioner's sync, each run in its own process so that its
peak memory (maximum resident set size) is its own:

1. the first sync into an empty registry (every practice, PCN and home of the commissioner created);
2. the next month's files (beds changed, practices closed, PCN moves, homes deregistered);
3. the same files again (no changes);
4. step 3 with the CQC file as .xlsx instead of .ods.

Also reports the Python heap peak (tracemalloc) of reading the CQC file alone.

Then the officer's web flow (issue 18, ADR 0047), in process with the test client on a registry
emptied again: for month 1 (everything created) and month 2 (the changes), the server-side time
(the request log's ``duration_ms``) of the upload (POST, three files), the preview (GET, median of
5) and the confirmation (POST), and, where the work is a worker's, the time of the read and apply
jobs run in this process as a worker would. Give ``CELERY_BROKER_URL`` (Redis) so that the upload
only queues the job; the queue is purged at the end. The same script runs against code from before
the jobs (it then finds the work inside the requests), for a before-and-after comparison.

Usage (from the project root; point it at a scratch database: it is emptied):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python benchmarks/sync_registry.py [--web-only]

Results are written up in docs/performance.md.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from imports.sync import SyncFile, read_care_homes  # noqa: E402
from practices.models import Commissioner  # noqa: E402
from tests.national_files import cqc_ods, cqc_xlsx, epcn_xlsx, epraccur_csv  # noqa: E402

SUB_ICBS = 106
PRACTICES, OTHER_ODS_ROWS = 6_500, 5_000
PCNS = 1_300
LOCATIONS, CARE_HOMES = 50_000, 15_000
TARGET = 0  # the commissioner synced: sub-ICB location 0 of 106
SEED = 17


def code(i: int) -> str:
    """A sub-ICB location code: ``A00`` … ``E01``."""
    return f"{chr(65 + i // 26)}{i % 26:02d}"


def national_files(rng: random.Random, month: int):
    """The three files of ``month`` (1, or 2 with a month of changes)."""
    practices, partners = [], []
    for i in range(PRACTICES):
        sub = i % SUB_ICBS
        pcn = i % PCNS
        closed = month == 2 and i % 997 == 0
        practices.append(
            {
                "ods": f"B{i:05d}",
                "name": f"PRACTICE {i} SURGERY",
                "postcode": "S60 2UB",
                "commissioner": code(sub),
                "status": "C" if closed else "A",
                "closed": "20260331" if closed else "",
            }
        )
        moved = month == 2 and i % 251 == 0
        if moved:
            partners.append({"ods": f"B{i:05d}", "pcn": f"U{pcn:05d}", "commissioner": code(sub),
                             "end": datetime.date(2026, 3, 31)})  # fmt: skip
            partners.append({"ods": f"B{i:05d}", "pcn": f"U{(pcn + SUB_ICBS) % PCNS:05d}",
                             "commissioner": code(sub), "start": "20260401"})  # fmt: skip
        else:
            partners.append({"ods": f"B{i:05d}", "pcn": f"U{pcn:05d}", "commissioner": code(sub)})
    for i in range(OTHER_ODS_ROWS):  # dental, prisons, out-of-hours...: prescribing setting not 4
        practices.append({"ods": f"Y{i:05d}", "name": f"OTHER {i}", "setting": str(1 + i % 3),
                          "commissioner": code(i % SUB_ICBS)})  # fmt: skip
    pcns = [
        {"code": f"U{i:05d}", "name": f"PCN {i}", "commissioner": code(i % SUB_ICBS)}
        for i in range(PCNS)
    ]
    locations = []
    for i in range(LOCATIONS):
        home = i < CARE_HOMES
        if month == 2 and home and i % 499 == 0:
            continue  # deregistered
        bands = rng.choice([{"older"}, {"older", "dementia"}, {"dementia"}, {"ld"}, {"older"}])
        locations.append(
            {
                "id": f"1-{100000000 + i}",
                "name": f"Location {i}",
                "care_home": "Y" if home else "N",
                "dormant": "Y" if i % 97 == 0 else "N",
                "beds": 20 + (i % 50) + (1 if month == 2 and i % 13 == 0 else 0),
                "bands": bands,
                "nursing": i % 3 == 0,
                "ccg": f"NHS Benchmark ICB {i % SUB_ICBS} - {code(i % SUB_ICBS)}",
            }
        )
    return epraccur_csv(practices), epcn_xlsx(pcns, partners), locations


def reset():
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SET les.allow_history_truncate = 'on'")
    try:
        call_command("flush", "--noinput", verbosity=0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET les.allow_history_truncate")
    for i in range(SUB_ICBS):
        Commissioner.objects.create(code=code(i), name=f"NHS Benchmark ICB {i}")
    connection.close()


def run_sync(folder: Path, cqc: str, date: str) -> tuple[float, int, str]:
    """One ``sync_registry`` in its own process: seconds, peak RSS in MiB, its first line."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "sync_registry", f"--commissioner={code(TARGET)}",
         f"--practices={folder / 'epraccur.csv'}", f"--pcns={folder / 'ePCN.xlsx'}",
         f"--care-homes={folder / cqc}", f"--date={date}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    out = process.stdout.read()
    # Reaped here, not by Popen, to read this one child's resource usage.
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode:
        sys.exit(out)
    return seconds, usage.ru_maxrss // 1024, out.splitlines()[0] if out else ""


class RequestTimes(logging.Handler):
    """The server-side duration of each request, from the request log."""

    def __init__(self):
        super().__init__()
        self.durations: list[float] = []

    def emit(self, record):
        if getattr(record, "event", "") == "request":
            self.durations.append(record.duration_ms)

    def last(self) -> float:
        return self.durations[-1] / 1000


def run_web(folder: Path, cqc: str, date: str, label: str) -> None:
    """One officer's sync through the web pages, each request timed."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from imports.models import RegistrySync
    from tests import factories as f
    from tests.two_factor import force_login_with_two_factor

    try:  # after ADR 0047: the jobs a worker runs
        from imports.sync_jobs import registry_sync_apply, registry_sync_read
    except ImportError:  # before: everything in the requests
        registry_sync_read = registry_sync_apply = None

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    times = RequestTimes()
    logging.getLogger("carehomes_les.requests").addHandler(times)
    commissioner = Commissioner.objects.get(code=code(TARGET))
    user = f.officer(commissioner, username=f"bench.{label}")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    force_login_with_two_factor(client, user)
    client.get("/imports/national/")  # warm-up: the first request loads what every one uses
    files = {
        "practices": SimpleUploadedFile("epraccur.csv", (folder / "epraccur.csv").read_bytes()),
        "pcns": SimpleUploadedFile("ePCN.xlsx", (folder / "ePCN.xlsx").read_bytes()),
        "care_homes": SimpleUploadedFile(cqc, (folder / cqc).read_bytes()),
    }
    response = client.post("/imports/national/", {"files_date": date, **files})
    assert response.status_code == 302, response.status_code
    upload = times.last()
    sync = RegistrySync.objects.latest("pk")
    page = f"/imports/national/{sync.pk}/"
    line = f"{label}: upload {upload:.2f} s"
    if registry_sync_read is not None:
        t0 = time.perf_counter()
        registry_sync_read(sync.pk)
        line += f" (worker reads the files: {time.perf_counter() - t0:.1f} s)"
    previews = []
    for _ in range(5):
        response = client.get(page)
        assert response.status_code == 200 and b"Confirm and apply" in response.content
        previews.append(times.last())
    line += f", preview {statistics.median(previews):.2f} s (median of 5)"
    response = client.post(f"{page}confirm/")
    assert response.status_code == 302, response.status_code
    line += f", confirm {times.last():.2f} s"
    sync.refresh_from_db()
    changes = sum((sync.summary.get("counts") or {}).values())
    if registry_sync_apply is not None and sync.status == "applying":
        changes = sync.progress_total
        t0 = time.perf_counter()
        registry_sync_apply(sync.pk)
        line += f" (worker applies them: {time.perf_counter() - t0:.1f} s)"
        sync.refresh_from_db()
    assert sync.status == "applied", sync.status
    client.get(page)
    line += f", applied page {times.last():.2f} s; {changes} changes"
    print(line, flush=True)
    logging.getLogger("carehomes_les.requests").removeHandler(times)


def web_flow(months: dict[int, Path]) -> None:
    from carehomes_les.celery import app

    if app.conf.task_always_eager:
        print("(no CELERY_BROKER_URL: any queued job runs inside the request that queued it)")
    reset()
    try:
        run_web(months[1], "HSCA_Active_Locations.ods", "2026-03-15", "web, month 1 (empty)")
        run_web(months[2], "HSCA_Active_Locations.ods", "2026-04-15", "web, month 2 (changes)")
    finally:
        if not app.conf.task_always_eager:
            app.control.purge()  # the jobs queued by the uploads, run here instead
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def main():
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a scratch PostgreSQL database.")
    web_only = "--web-only" in sys.argv[1:]
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    rng = random.Random(SEED)
    reset()
    with tempfile.TemporaryDirectory() as tmp:
        months = {}
        for month in (1, 2):
            folder = Path(tmp) / f"month{month}"
            folder.mkdir()
            t0 = time.perf_counter()
            practices, pcns, locations = national_files(rng, month)
            (folder / "epraccur.csv").write_bytes(practices)
            (folder / "ePCN.xlsx").write_bytes(pcns)
            (folder / "HSCA_Active_Locations.ods").write_bytes(cqc_ods(locations))
            (folder / "HSCA_Active_Locations.xlsx").write_bytes(cqc_xlsx(locations))
            sizes = ", ".join(
                f"{p.name} {p.stat().st_size / 2**20:.1f} MiB" for p in sorted(folder.iterdir())
            )
            print(f"month {month} files written in {time.perf_counter() - t0:.0f} s: {sizes}")
            months[month] = folder

        if web_only:
            web_flow(months)
            return
        content = (months[1] / "HSCA_Active_Locations.ods").read_bytes()
        tracemalloc.start()
        t0 = time.perf_counter()
        homes = read_care_homes(SyncFile("care_homes", "x.ods", content), code(TARGET), [])
        read_seconds = time.perf_counter() - t0
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"reading the CQC .ods alone: {read_seconds:.1f} s, {len(homes)} homes of "
            f"{code(TARGET)}, Python heap peak {peak / 2**20:.0f} MiB"
        )
        steps = [
            ("1. first sync (empty registry)", months[1], "HSCA_Active_Locations.ods", "2026-03-15"),
            ("2. next month's changes", months[2], "HSCA_Active_Locations.ods", "2026-04-15"),
            ("3. same files again", months[2], "HSCA_Active_Locations.ods", "2026-04-15"),
            ("4. same, CQC as .xlsx", months[2], "HSCA_Active_Locations.xlsx", "2026-04-15"),
        ]  # fmt: skip
        for label, folder, cqc, date in steps:
            seconds, rss, first = run_sync(folder, cqc, date)
            print(f"{label}: {seconds:.1f} s, peak RSS {rss} MiB — {first}")
        web_flow(months)


if __name__ == "__main__":
    main()
