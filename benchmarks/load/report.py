"""The table of a load run: one row per page and scenario from locust's ``*_stats.csv`` files in the
run's folder (run.sh prints it at the end). ``python benchmarks/load/report.py var/load/<run>``"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

CORES = os.cpu_count() or 1


def rows(folder: Path):
    meta = json.loads((folder / "run.json").read_text()) if (folder / "run.json").exists() else {}
    for stats in sorted(folder.glob("*_stats.csv"), key=lambda p: p.stat().st_mtime):
        scenario, users = stats.name.removesuffix("_stats.csv").rsplit("-", 1)
        extra = meta.get(f"{scenario}-{users}", {})
        with stats.open() as handle:
            for row in csv.DictReader(handle):
                yield scenario, int(users), row, extra


def main(folder: Path) -> None:
    head = "| scenario | users | page | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |"
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    notes = []
    for scenario, users, row, extra in rows(folder):
        name = "**all pages**" if row["Name"] == "Aggregated" else row["Name"]
        if row["Name"] == "Aggregated" and scenario.endswith("FloorUser"):
            continue  # one page: the aggregate repeats it
        print(
            f"| {scenario.removesuffix('User').lower()} | {users} | {name} | {row['Request Count']} "
            f"| {row['Failure Count']} | {float(row['Requests/s']):.1f} | {row['50%']} "
            f"| {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
        if (
            row["Name"] == "Aggregated"
            and not scenario.endswith("FloorUser")
            or (scenario.endswith("FloorUser") and row["Name"] != "Aggregated")
        ):
            if extra:
                cpu = extra["cpu_s"]
                count = int(row["Request Count"]) or 1
                notes.append(
                    f"{scenario} x{users}: CPU a request: gunicorn "
                    f"{cpu['gunicorn'] * 1000 / count:.1f} ms, PostgreSQL "
                    f"{cpu['postgres'] * 1000 / count:.1f} ms. "
                    f"CPU seconds in {extra['wall_s']:.0f} s: gunicorn "
                    f"{cpu['gunicorn']:.0f}, PostgreSQL (les_load) {cpu['postgres']:.0f}, locust "
                    f"{extra['locust_cpu_s']:.0f}, everything else "
                    f"{cpu['other'] - extra['locust_cpu_s']:.0f} (of "
                    f"{CORES * extra['wall_s']:.0f} on {CORES} cores); load average before "
                    f"{extra['load_before']}"
                )
    print()
    for note in notes:
        print(f"- {note}")
    failures = sorted(folder.glob("*_failures.csv"))
    for path in failures:
        with path.open() as handle:
            for row in csv.DictReader(handle):
                print(f"failure {path.name}: {row['Name']}: {row['Error']} x{row['Occurrences']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
