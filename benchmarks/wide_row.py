"""Benchmark of reading the worst-case spreadsheet (issue 19; not a test).

Builds the file of ``tests/wide_workbook.py`` (one row of 1,500,000 inline cells, about 171 KB as an
.xlsx) and times ``imports.tabular.read_table`` on it, as the practices import reads it, and
``read_records``, as the worksheet upload reads it: median of 3 runs each, wall and CPU time, and
what the reader answered. With ``--before PATH`` it times the ``tabular.py`` at PATH instead (for
example the reader before issue 19: ``git show <commit>:imports/tabular.py > /tmp/tabular_before.py``).

Usage (from the project root):

    .venv/bin/python benchmarks/wide_row.py [--before /tmp/tabular_before.py]

Results are written up in docs/performance.md. Target: refused in under 2 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from tests.wide_workbook import WORST_CELLS, wide_row_xlsx  # noqa: E402

PRACTICE_COLUMNS = ("ods_code", "name", "pcn_code", "postcode")  # the shape of a registry header


def tabular_module(path: str | None):
    if path is None:
        from core import tabular

        return tabular
    spec = importlib.util.spec_from_file_location("tabular_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(label: str, read, runs: int) -> None:
    walls, cpus, answer = [], [], ""
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            result = read()
            answer = f"read ({len(getattr(result, 'rows', result))} rows)"
        except Exception as error:  # noqa: BLE001 — the answer is reported, whatever it is
            answer = f"refused: {str(error)[:150]}"
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{label}: wall median {statistics.median(walls):.3f} s (max {max(walls):.3f}), "
        f"CPU median {statistics.median(cpus):.3f} s; {answer}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="path of another tabular.py to time instead")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tabular = tabular_module(args.before)
    built = time.perf_counter()
    content = wide_row_xlsx()
    print(
        f"worst-case file: one row of {WORST_CELLS:,} inline cells, {len(content):,} bytes "
        f"(built in {time.perf_counter() - built:.1f} s); reader: {args.before or 'imports/tabular.py'}"
    )
    measure(
        "read_table (an import)",
        lambda: tabular.read_table(content, "practices.xlsx", PRACTICE_COLUMNS),
        args.runs,
    )
    measure(
        "read_records (a worksheet upload)",
        lambda: tabular.read_records(content, "worksheet.xlsx"),
        args.runs,
    )
    with_header = wide_row_xlsx(header=list(PRACTICE_COLUMNS))
    measure(
        "read_table, header then the wide row",
        lambda: tabular.read_table(with_header, "practices.xlsx", PRACTICE_COLUMNS),
        args.runs,
    )
    blank = wide_row_xlsx(blank=True)
    measure(
        "read_table, the row of empty <c/> cells",
        lambda: tabular.read_table(blank, "practices.xlsx", PRACTICE_COLUMNS),
        args.runs,
    )


if __name__ == "__main__":
    main()
