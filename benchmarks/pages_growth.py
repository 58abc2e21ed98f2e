"""Every GET page of every role at national scale and on the 10x copy, side by side in one process
(issue 18's second target; not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load \\
        .venv/bin/python benchmarks/pages_growth.py --ten les_load10 [--rounds 7] [--write]

1. **Data**: the national database (``DATABASE_URL``) and its 10x copy (``--ten``, a database on
   the same server), both seeded by ``benchmarks/load/data.py seed`` (the copy with
   ``--years 5 --emails 2``: five and a half years of history, 440,000 worksheet lines, 265,000
   emails, against a year and a half, 120,000 lines and 63,000 emails). Each has its own signed-in
   sessions (``data.py sessions``).
2. **Pages**: for the officer, the auditor and the practice manager of ``00X``, the routes reached
   by links from the home page in each database (``benchmarks/pages.py``'s crawl); a route is
   compared when it answers 200 in both.
3. **Side by side**: one process holds a connection to each database and switches Django's
   ``default`` connection between them. Each round fetches the signed-in floor and the page on
   one database, then on the other (the order alternates between rounds), so both see the same
   machine. A page's growth is the median over the rounds of its 10x time ÷ its national time in
   that round; above 1.3 it is flagged (⚠). The floors' own growth is given as the yardstick:
   the floor does not read history, so its growth is what noise alone gives.

``--write`` puts the table between the ``pages10:start`` and ``pages10:end`` markers of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_load")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("APP_ENV", "development")
os.environ.setdefault("SECRET_KEY", "pages-benchmark-" + "x" * 40)

from benchmarks.pages import FLOOR, crawl, timed, write_into_docs  # noqa: E402

GROWTH = 1.3
START, END = "<!-- pages10:start -->", "<!-- pages10:end -->"


def sessions_for(database_url: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="les-growth-")) / "sessions.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/load/data.py"), "sessions", str(out)],
        check=True,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    return json.loads(out.read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ten", required=True, help="the 10x copy's database name")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", help="one user: officer, auditor or manager")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--route", action="append", default=[], help="time only routes containing this (repeatable)"
    )
    args = parser.parse_args()
    if args.route and args.write:
        parser.error("--route times some pages only: the table in the docs is of them all")

    national_url = os.environ["DATABASE_URL"]
    ten_url = national_url.rsplit("/", 1)[0] + "/" + args.ten
    national_sessions, ten_sessions = sessions_for(national_url), sessions_for(ten_url)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client
    from django.urls import resolve

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    national = connections["default"]
    ten = national.__class__({**national.settings_dict, "NAME": args.ten}, "default")

    def use(wrapper):
        connections["default"] = wrapper

    users = [args.only] if args.only else ["officer", "auditor", "manager"]
    rows, floor_growth = [], []
    for user in users:
        clients = {}
        for name, data in (("national", national_sessions), ("ten", ten_sessions)):
            client = Client(HTTP_X_FORWARDED_PROTO="https")
            client.cookies[data["cookie_name"]] = data[user]
            clients[name] = client
        use(national)
        national_pages = {
            r: (p, resp.status_code) for r, p, resp in crawl(clients["national"], resolve)
        }
        use(ten)
        ten_pages = {r: (p, resp.status_code) for r, p, resp in crawl(clients["ten"], resolve)}
        print(f"{user}: {len(national_pages)} / {len(ten_pages)} routes", file=sys.stderr)
        for route, (path, status) in national_pages.items():
            other = ten_pages.get(route)
            if status != 200 or other is None or other[1] != 200:
                continue
            if args.route and not any(part in route for part in args.route):
                continue
            sides = {
                "national": (national, clients["national"], path),
                "ten": (ten, clients["ten"], other[0]),
            }
            times = {"national": [], "ten": []}
            floors = {"national": [], "ten": []}
            for wrapper, client, where in sides.values():  # warm both
                use(wrapper)
                client.get(FLOOR)
                client.get(where)
            for round_ in range(args.rounds):
                order = ("national", "ten") if round_ % 2 == 0 else ("ten", "national")
                for name in order:
                    wrapper, client, where = sides[name]
                    use(wrapper)
                    floors[name].append(timed(client, FLOOR)[0])
                    times[name].append(timed(client, where)[0])
            growth = statistics.median(
                t / n for t, n in zip(times["ten"], times["national"], strict=True)
            )
            floor_growth.extend(
                t / n for t, n in zip(floors["ten"], floors["national"], strict=True)
            )
            rows.append(
                (
                    user,
                    route,
                    statistics.median(times["national"]),
                    statistics.median(times["ten"]),
                    growth,
                )
            )
            print(f"  {route}: {growth:.2f}", file=sys.stderr)
        use(national)

    table = render(
        rows, statistics.median(floor_growth) if floor_growth else float("nan"), args.rounds
    )
    print(table)
    if args.write:
        write_into_docs(table, START, END)


def render(rows, floor_growth: float, rounds: int) -> str:
    grown = [r for r in rows if r[4] > GROWTH]
    lines = [
        f"{len(rows)} routes compared, median of {rounds} interleaved rounds; the signed-in "
        f"floor's own growth (noise alone): **{floor_growth:.2f}×**; **{len(grown)}** pages grew "
        f"by more than {GROWTH}× (⚠).",
        "",
        "| user | page (route) | national ms | 10x ms | growth |",
        "|---|---|---|---|---|",
    ]
    for user, route, national_seconds, ten_seconds, growth in rows:
        flag = " ⚠" if growth > GROWTH else ""
        lines.append(
            f"| {user} | `{route}` | {national_seconds * 1000:.0f} | {ten_seconds * 1000:.0f} | "
            f"{growth:.2f}{flag} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
