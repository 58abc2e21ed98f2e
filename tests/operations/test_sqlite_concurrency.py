"""The embedded default (SQLite, `make run`) under concurrent writes: three officers closing the same
payment run at once get one close and two clear refusals, never "database is locked" (a 500)."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("sqlite_close_race.py")
ROOT = SCRIPT.parents[2]


def test_sqlite_three_concurrent_closes_one_succeeds_two_refused(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "APP_ENV", "SECRET_KEY"}
    }
    env.update(
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        VAR_DIR=str(tmp_path / "var"),
        PRIVATE_STORAGE_ROOT=str(tmp_path / "private"),
        DJANGO_SETTINGS_MODULE="carehomes_les.settings",
    )
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    outcomes = report["outcomes"]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("closed") == 1, outcomes
    refusals = [o for o in outcomes if o.startswith("refused")]
    assert len(refusals) == 2 and all("already closed" in o for o in refusals), outcomes
    assert report["status"] == "closed"
    assert report["remittances"] == 3 and report["claims_in_run"] == 3
    assert report["journal_mode"] == "wal"
