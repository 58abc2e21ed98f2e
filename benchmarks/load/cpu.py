"""CPU used during a load run, from /proc.

``python benchmarks/load/cpu.py watch GUNICORN_PID DBNAME OUT.json`` samples, every half second
until it is sent SIGTERM (run.sh starts it before a locust run and stops it after), the CPU ticks of
gunicorn and its workers, of the PostgreSQL backends serving DBNAME (they come and go: Django closes
a connection after CONN_MAX_AGE, 60 s) and of the whole machine, then writes the seconds each used
meanwhile to OUT.json. A process that starts meanwhile counts from nought; one that ends counts up
to its last sample. "other" is the machine less gunicorn and those backends: the load generator and
anything else running."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def ticks(pid: str) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def snapshot(gunicorn: str, dbname: str) -> dict:
    groups: dict[str, dict[str, int]] = {"gunicorn": {}, "postgres": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = stat.rsplit(")", 1)[1].split()[1]
            if entry.name == gunicorn or ppid == gunicorn:
                groups["gunicorn"][entry.name] = ticks(entry.name)
            elif cmdline.startswith("postgres: ") and f" {dbname} " in cmdline:
                groups["postgres"][entry.name] = ticks(entry.name)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for v in cpu) - int(cpu[3]) - int(cpu[4])  # less idle and iowait
    return {**groups, "machine": busy}


def watch(gunicorn: str, dbname: str, out: Path) -> None:
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    first = snapshot(gunicorn, dbname)
    start = {group: dict(first[group]) for group in ("gunicorn", "postgres")}
    last = {group: dict(first[group]) for group in ("gunicorn", "postgres")}
    machine = machine_now = first["machine"]
    deadline = time.monotonic() + 3600  # bounded, whatever happens to run.sh
    while not stop and time.monotonic() < deadline:
        time.sleep(0.5)
        now = snapshot(gunicorn, dbname)
        for group in ("gunicorn", "postgres"):
            for pid, value in now[group].items():
                start[group].setdefault(pid, 0)
                last[group][pid] = value
        machine_now = now["machine"]
    used = {
        group: sum(last[group][pid] - start[group][pid] for pid in last[group]) / TICK
        for group in ("gunicorn", "postgres")
    }
    used["machine"] = (machine_now - machine) / TICK
    used["other"] = used["machine"] - used["gunicorn"] - used["postgres"]
    out.write_text(json.dumps({k: round(v, 1) for k, v in used.items()}))


if __name__ == "__main__":
    watch(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
