"""Where a page's time goes (issue 8; not a test): each page of the load benchmark fetched in-process
with Django's test client as the benchmark's users, with its number of queries, time in SQL and
time in all (median of a few fetches after a warm-up), and the slowest queries of one page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/les_load \\
        .venv/bin/python benchmarks/load/queries.py [--repeat 5] [--explain "officer: claims queue"] \\
        [--profile "officer: claims queue"]

It signs in through the same sessions as the load run (``data.py sessions``, into a temporary
file) and uses the same page list as ``locustfile.py``. ``--profile`` prints cProfile's top
functions (cumulative) for that page.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.load.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/les_load")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("APP_ENV", "development")
os.environ.setdefault("SECRET_KEY", "load-benchmark-queries-" + "x" * 40)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", help="a page name: print its slowest queries")
    parser.add_argument("--profile", help="a page name: print its cProfile")
    args = parser.parse_args()

    sessions = Path(tempfile.mkdtemp(prefix="les-load-queries-")) / "sessions.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/load/data.py"), "sessions", str(sessions)],
        check=True,
        env=os.environ,
    )
    os.environ["LOAD_SESSIONS"] = str(sessions)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    from benchmarks.load import pages

    data = json.loads(sessions.read_text())
    values = {
        "claim": data["claims"][len(data["claims"]) // 2],
        "practice": data["practices"][len(data["practices"]) // 2],
        "own_practice": data["manager_practice"],
        "latest_quarter": data["latest_quarter"],
        "open_quarter": data["open_quarter"],
    }
    print(f"{'page':<40} {'status':>6} {'queries':>7} {'SQL ms':>7} {'total ms':>8} {'KiB':>5}")
    floor = Client(HTTP_X_FORWARDED_PROTO="https")
    floor.cookies[data["cookie_name"]] = data["officer"]
    for client, name in ((Client(), "floor: bare view"), (floor, "floor: bare view, signed in")):
        client.get("/bench/bare/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/bench/bare/")
        print(f"{name:<40} {response.status_code:>6} {len(captured.captured_queries):>7}")
    for user, user_pages in pages.USERS.items():
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.cookies[data["cookie_name"]] = data[user]
        for name, template, _expected in user_pages:
            path = template.format(**values)
            client.get(path)  # warm-up
            totals, sql, count = [], [], 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(path)
                    totals.append(time.perf_counter() - start)
                count = len(captured.captured_queries)
                sql.append(sum(float(q["time"]) for q in captured.captured_queries))
            print(
                f"{name:<40} {response.status_code:>6} {count:>7} "
                f"{statistics.median(sql) * 1000:>7.0f} {statistics.median(totals) * 1000:>8.0f} "
                f"{len(response.content) / 1024:>5.0f}"
            )
            if name == args.explain:
                slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
                for query in slowest:
                    print(f"    {float(query['time']) * 1000:.0f} ms: {query['sql'][:1500]}")
            if name == args.profile:
                profile = cProfile.Profile()
                profile.enable()
                client.get(path)
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
                print(out.getvalue())


if __name__ == "__main__":
    main()
