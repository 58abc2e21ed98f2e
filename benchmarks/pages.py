"""Every GET page of every role against the signed-in floor, at national scale (issue 18; not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load \\
        .venv/bin/python benchmarks/pages.py [--rounds 7] [--write] [--only officer]

1. **Data**: seeds the national database with ``benchmarks/load/data.py seed --emails 2`` (42 commissioners,
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
``pages:end`` markers (the write-up around it is by hand). ``--save FILE`` keeps the figures as JSON.
The growth from national scale to the 10x copy is measured side by side by
``benchmarks/pages_growth.py``.
"""

from __future__ import annotations

import argparse
import gc
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
SKIP = re.compile(r"^/(accounts/logout/|admin/|static/|media/|bench/)")
START, END = "<!-- pages:start -->", "<!-- pages:end -->"


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
    """One fetch on the clock. The heap is collected first, so that a collection the previous
    fetch left due is not charged to this one (a large page otherwise swings by 2x between
    rounds, the collector running in some and not others)."""
    gc.collect()
    start = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - start, response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="write the table into the docs")
    parser.add_argument("--only", help="one user: officer, auditor or manager")
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    parser.add_argument("--save", type=Path, help="keep the figures as JSON in this file")
    args = parser.parse_args()

    if not args.no_seed:
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/load/data.py"), "seed", "--emails", "2"],
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
                rows.append((user, route, path, first.status_code, None, None, None, None))
                continue
            page_times, floor_times = [], []
            for _ in range(args.rounds):
                floor_times.append(timed(client, FLOOR)[0])
                seconds, response = timed(client, path)
                page_times.append(seconds)
            floors.extend(floor_times)
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
                )
            )
            print(
                f"  {path}: {statistics.median(page_times) * 1000:.0f} ms, {ratio:.1f}x",
                file=sys.stderr,
            )
        rows.append((user, "(floor)", FLOOR, 200, None, None, floor_queries, None))

    floor = statistics.median(floors) if floors else float("nan")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"floor": floor, "rows": rows}, indent=1))
    table = render(rows, floor, args.rounds)
    print(table)
    if args.write:
        write_into_docs(table, START, END)


def write_into_docs(table: str, start: str, end: str) -> None:
    """Put ``table`` between the ``start`` and ``end`` markers of docs/performance.md."""
    docs = ROOT / "docs/performance.md"
    text = docs.read_text()
    if start not in text or end not in text:
        sys.exit(f"docs/performance.md has no {start} … {end} markers.")
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    docs.write_text(f"{before}{start}\n{table}\n{end}{after}")
    print("written into docs/performance.md", file=sys.stderr)


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
    for user, route, path, status, seconds, ratio, queries, size in rows:
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
