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

Usage (from the project root; point it at a scratch database: it is emptied):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_bench .venv/bin/python benchmarks/sync_registry.py

Results are written up in docs/performance.md.
"""

from __future__ import annotations

import datetime
import os
import random
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


def main():
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a scratch PostgreSQL database.")
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


if __name__ == "__main__":
    main()
