"""Every GET page of every role against the signed-in floor, at national scale (issue 18; not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load \\
        .venv/bin/python benchmarks/pages.py [--rounds 7] [--write] [--only officer]

1. **Data**: seeds the national database with ``benchmarks/load/data.py seed`` (42 commissioners,
   6,300 practices, 15,000 homes, six quarters of worksheets dated like the demo, the benchmark
   commissioner ``00X`` reviewed and paid through the services), or reuses it when it is there
   already (the seed skips itself). The database's name must contain ``load``: the seed empties it.
2. **Users**: the load benchmark's officer, auditor and practice manager of ``00X``, signed in
   through sessions written into the session store (``data.py sessions``; two factors verified).
3. **Pages**: for each user, every page reachable from their home page by links (``<a href>``
   to this site), one URL per route (the first link found to it; query strings dropped, so a
   list's first page), breadth first. Sign-out, the Django admin, static and media files are not
   followed. A page that does not answer 200 is listed with its status and not timed.
4. **Timing**: in-process with Django's test client (no network, no server), the production
   settings of the load benchmark (``DEBUG`` off). Each page is fetched once to warm up, then
   ``--rounds`` times (default 7), each round fetching the signed-in floor (``/bench/bare/``
   with the same user's session: the session read and saved, the user, the second factor, and
   nothing else) just before the page. The table gives the page's median, the floor's median over
   the whole run, the median of the per-round ratios page ÷ floor, the number of queries (one
   more fetch, counted) and the size; a ratio above 8 is flagged (the target of issue 18).

``--write`` puts the table into docs/performance.md between the ``pages:start`` and
``pages:end`` markers (the write-up around it is by hand). ``--save FILE`` keeps the figures as
JSON; ``--against FILE`` (the national run's saved figures, when this run is on the 10x copy)
adds each page's growth: its CPU per fetch here ÷ in that run, flagged above 1.3 (issue 18's
second target). CPU is this process's (``time.process_time``) plus its PostgreSQL backend's (read
from ``/proc``, so the database must be on this machine), the mean of the rounds: unlike the
clock, it hardly moves with what else the machine runs between the two runs. ``--write`` then
fills the ``pages10:start`` … ``pages10:end`` markers.

    ... benchmarks/pages.py --save var/pages-national.json --write
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load10 \
        .venv/bin/python benchmarks/pages.py --no-seed --against var/pages-national.json --write
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_load")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("APP_ENV", "development")
os.environ.setdefault("SECRET_KEY", "pages-benchmark-" + "x" * 40)

FLOOR = "/bench/bare/"
LIMIT = 8  # a page above this many times the signed-in floor is flagged
GROWTH = 1.3  # at 10x, a page whose ratio grew by more than this from the national run is flagged
SKIP = re.compile(r"^/(accounts/logout/|admin/|static/|media/|bench/)")
START, END = "<!-- pages:start -->", "<!-- pages:end -->"
START10, END10 = "<!-- pages10:start -->", "<!-- pages10:end -->"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    paths = []
    for href in parser.hrefs:
        parts = urlsplit(urldefrag(href)[0])
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, mailto:, or a relative link (the templates use absolute ones)
        if not SKIP.match(parts.path):
            paths.append(parts.path)
    return paths


def crawl(client, resolve, start="/", limit=400):
    """``(route, path)`` of every page reachable from ``start``, one path per route, in the order
    found, with each page's first response (so it is fetched once here)."""
    from django.urls import Resolver404

    seen_routes: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen_routes) < limit:
        path = queue.popleft()
        try:
            match = resolve(path)
        except Resolver404:
            continue
        route = match.route or path
        if route in seen_routes:
            continue
        seen_routes[route] = path
        response = client.get(path)
        yield route, path, response
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue.extend(links(response.content.decode("utf-8", "replace")))


def timed(client, path: str) -> tuple[float, object]:
    start = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - start, response


TICK = os.sysconf("SC_CLK_TCK")


def _backend_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) the PostgreSQL backend ``pid`` has used (same machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_timed(client, path: str, connection) -> float | None:
    """The CPU one fetch of ``path`` costs: this process's and its database backend's (from
    ``/proc``), which, unlike the clock, barely moves with the load of other work on the machine.
    None when the backend changed during the fetch (its connection reached its maximum age)."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    backend, own = _backend_seconds(pid), time.process_time()
    client.get(path)
    after = _backend_seconds(pid)
    if backend is None or after is None:
        return None
    return (time.process_time() - own) + (after - backend)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="write the table into the docs")
    parser.add_argument("--only", help="one user: officer, auditor or manager")
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    parser.add_argument("--save", type=Path, help="keep the figures as JSON in this file")
    parser.add_argument(
        "--against", type=Path, help="the national run's saved figures: report each page's growth"
    )
    args = parser.parse_args()

    if not args.no_seed:
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/load/data.py"), "seed"],
            check=True,
            env=os.environ,
        )
    sessions = Path(tempfile.mkdtemp(prefix="les-pages-")) / "sessions.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/load/data.py"), "sessions", str(sessions)],
        check=True,
        env=os.environ,
    )

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    data = json.loads(sessions.read_text())
    users = [args.only] if args.only else ["officer", "auditor", "manager"]

    rows, floors = [], []
    for user in users:
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.cookies[data["cookie_name"]] = data[user]
        client.get(FLOOR)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            client.get(FLOOR)
        floor_queries = len(captured.captured_queries)
        pages = list(crawl(client, resolve))
        print(f"{user}: {len(pages)} pages", file=sys.stderr)
        for route, path, first in pages:
            if first.status_code != 200:
                rows.append((user, route, path, first.status_code, None, None, None, None, None))
                continue
            page_times, floor_times = [], []
            for _ in range(args.rounds):
                floor_times.append(timed(client, FLOOR)[0])
                seconds, response = timed(client, path)
                page_times.append(seconds)
            floors.extend(floor_times)
            # The backend's CPU is counted by the kernel in ticks (10 ms): the mean over the
            # rounds, not a median of single fetches, is what carries the few milliseconds.
            cpu = [cpu_timed(client, path, connection) for _ in range(args.rounds)]
            cpu = [c for c in cpu if c is not None]
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            ratio = statistics.median(p / f for p, f in zip(page_times, floor_times, strict=True))
            rows.append(
                (
                    user,
                    route,
                    path,
                    response.status_code,
                    statistics.median(page_times),
                    ratio,
                    len(captured.captured_queries),
                    len(response.content),
                    statistics.fmean(cpu) if cpu else None,
                )
            )
            print(
                f"  {path}: {statistics.median(page_times) * 1000:.0f} ms, {ratio:.1f}x",
                file=sys.stderr,
            )
        rows.append((user, "(floor)", FLOOR, 200, None, None, floor_queries, None, None))

    floor = statistics.median(floors) if floors else float("nan")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"floor": floor, "rows": rows}, indent=1))
    if args.against:
        national = json.loads(args.against.read_text())
        table = render_growth(rows, floor, national, args.rounds)
        start, end = START10, END10
    else:
        table = render(rows, floor, args.rounds)
        start, end = START, END
    print(table)
    if args.write:
        docs = ROOT / "docs/performance.md"
        text = docs.read_text()
        if start not in text or end not in text:
            sys.exit(f"docs/performance.md has no {start} … {end} markers.")
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        docs.write_text(f"{before}{start}\n{table}\n{end}{after}")
        print("written into docs/performance.md", file=sys.stderr)


def render_growth(rows, floor: float, national: dict, rounds: int) -> str:
    """The 10x run beside the national one. Growth is each route's CPU per fetch (this process and
    its database backend, mean of the rounds) here ÷ in the national run: CPU, unlike the clock,
    hardly moves with what else the machine is doing between the two runs. The clock's ratio to
    the floor is shown for both runs too."""
    before = {(r[0], r[1]): r for r in national["rows"] if r[5] is not None}
    timed_rows = [r for r in rows if r[4] is not None]

    def growth(row):
        old = before.get((row[0], row[1]))
        if old is None or not row[8] or not old[8]:
            return None
        return row[8] / old[8]

    grown = [r for r in timed_rows if (growth(r) or 0) > GROWTH]
    lines = [
        f"Signed-in floor: median **{floor * 1000:.1f} ms** in this run, "
        f"{national['floor'] * 1000:.1f} ms in the national run; {len(timed_rows)} pages timed, "
        f"median of {rounds}; **{len(grown)}** whose CPU grew by more than {GROWTH}× (⚠); "
        f"**{sum(1 for r in timed_rows if r[5] > LIMIT)}** above {LIMIT}× the floor.",
        "",
        "| user | page (route) | ms | × floor | × floor, national | CPU ms (national) | growth | "
        "queries (national) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in timed_rows:
        user, route, _path, _status, seconds, ratio, queries, _size, cpu = row
        old = before.get((user, route))
        if old is None:
            lines.append(
                f"| {user} | `{route}` | {seconds * 1000:.0f} | {ratio:.1f} | – | – | – | {queries} |"
            )
            continue
        g = growth(row)
        flag = " ⚠" if g and g > GROWTH else ""
        cpu_text = f"{cpu * 1000:.0f} ({old[8] * 1000:.0f})" if cpu and old[8] else "–"
        lines.append(
            f"| {user} | `{route}` | {seconds * 1000:.0f} | {ratio:.1f} | {old[5]:.1f} | "
            f"{cpu_text} | {f'{g:.2f}' if g else '–'}{flag} | {queries} ({old[6]}) |"
        )
    return "\n".join(lines)


def render(rows, floor: float, rounds: int) -> str:
    over = sum(1 for r in rows if r[5] is not None and r[5] > LIMIT)
    timed_rows = [r for r in rows if r[4] is not None]
    lines = [
        f"Signed-in floor (`{FLOOR}` with the user's session): median **{floor * 1000:.1f} ms** "
        f"over the run; {len(timed_rows)} pages timed, median of {rounds}; "
        f"**{over}** above {LIMIT}× the floor (⚠).",
        "",
        "| user | page (route) | ms | × floor | queries | KiB |",
        "|---|---|---|---|---|---|",
    ]
    for user, route, path, status, seconds, ratio, queries, size, _cpu in rows:
        name = f"`{route}`" if route != "(floor)" else "**floor**, signed in"
        if route != "(floor)" and path.strip("/") != route.strip("/"):
            name += f" <br>`{path}`"
        if route == "(floor)":
            lines.append(f"| {user} | {name} | | | {queries} | |")
        elif seconds is None:
            lines.append(f"| {user} | {name} | answers {status}: not timed | | | |")
        else:
            flag = " ⚠" if ratio > LIMIT else ""
            lines.append(
                f"| {user} | {name} | {seconds * 1000:.0f} | {ratio:.1f}{flag} | {queries} | "
                f"{size / 1024:.0f} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
