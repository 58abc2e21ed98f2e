"""Run on the embedded default (SQLite, no DATABASE_URL): migrate a fresh file, seed one open payment
run with due claims, then close it from three threads at once through the service. Prints one JSON
line: what each thread got (``closed``, ``refused: <message>`` or ``error: <type>: <message>``).

Started by tests/operations/test_sqlite_concurrency.py in a subprocess with SQLITE_PATH in a
temporary folder; the test suite itself runs on PostgreSQL, so this is the one place the SQLite
settings are exercised under contention."""

import datetime
import json
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")

import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402

THREADS = 3


def seed():
    from claims.payments.runs import payment_run_create
    from claims.review.services import claim_approve, claim_check
    from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
    from core.periods import LONDON, Period
    from tests import factories as f

    commissioner = f.CommissionerFactory(code="03L")
    officers = [f.officer(commissioner, username=f"officer{i}") for i in range(THREADS)]
    quarter = quarter_for(Period(2019, 1))
    submitted_at = datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON)
    for _ in range(3):
        alignment = f.AlignmentFactory(
            care_home__beds=200,
            care_home__commissioner=commissioner,
            practice__pcn__commissioner=commissioner,
        )
        f.AgreementFactory(practice=alignment.practice)
        claim = worksheet_submit(
            practice=alignment.practice,
            quarter=quarter,
            entries={
                alignment.care_home.pk: LineEntry(
                    opening=10, new_permanent=0, temporary=0, moved_out=0, died=0
                )
            },
            by=None,
            submitted_at=submitted_at,
        )
        claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    run = payment_run_create(
        backdated=True,
        commissioner=commissioner,
        run_date=datetime.date(2019, 8, 1),
        by=officers[0],
    )
    return f.authorised(run, by=officers[1]), officers


def close_at_once(run, officers):
    from claims.payments.runs import payment_run_close

    barrier = threading.Barrier(THREADS)
    outcomes = [None] * THREADS

    def close(i):
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            payment_run_close(run=run, by=officers[i])
            outcomes[i] = "closed"
        except ValidationError as error:
            outcomes[i] = "refused: " + " ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - reported to the test, which names it
            outcomes[i] = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main():
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", verbosity=0, interactive=False)
    run, officers = seed()
    connection.close()
    outcomes = close_at_once(run, officers)
    from claims.models import PaymentRun, Remittance, Worksheet

    result = {
        "outcomes": outcomes,
        "status": PaymentRun.objects.get(pk=run.pk).status,
        "remittances": Remittance.objects.filter(payment_run=run).count(),
        "claims_in_run": Worksheet.objects.filter(payment_run=run).count(),
        "journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
