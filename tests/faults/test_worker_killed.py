"""Fault 1: a Celery worker killed in the middle of building a remittance advice.

A real worker takes the build from Redis and is held at a known point inside it by a test-only
module loaded into its process (``tests/faults/worker_hooks.py``): just after the PDF is rendered,
or inside the transaction that stores it. The test then SIGKILLs it (the whole process group, or
only the pool child that runs the task, as the kernel's out-of-memory killer would) and shows the
same message is delivered again and completes, leaving exactly one document and one email."""

import datetime
import json
import os
import re
import signal

import pytest
import redis

from claims.models import Remittance
from claims.payments.runs import payment_run_close, payment_run_create
from documents.models import Document
from notices.models import Notice
from tests import factories as f
from tests.celery_worker import broker_url, wait_until
from tests.faults.builders import approved_claim, practice_in_les

pytestmark = pytest.mark.django_db(transaction=True)

HOOKS = ("tests.faults.worker_hooks",)
# The worker that comes after the lost one: a message left unacknowledged for 2 s is handed out
# again, and it looks for such messages every second (ADR 0009; production: CELERY_VISIBILITY_TIMEOUT).
QUICK_RECOVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "2",
    "FAULT_TRANSPORT_OPTIONS": json.dumps(
        {"unacked_restore_interval": 1, "unacked_restore_throttle": 1}
    ),
}


@pytest.fixture
def closed_run():
    """Close a run of one practice's approved claim; its advice is built once this commits."""
    commissioner = f.CommissionerFactory(code="03L")
    checker = f.officer(commissioner, username="checker")
    approver = f.officer(commissioner, username="approver")
    practice, home = practice_in_les(commissioner)
    approved_claim(practice, home, checker=checker, approver=approver)
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=checker
    )

    def close():
        return payment_run_close(run=f.authorised(run), by=checker).remittances.get()

    return close


def _held(hooks, point):
    """The pid of the process held at ``point``, once it is there."""
    reached = hooks / f"reached-{point}"
    wait_until(reached.exists, what=f"the worker to reach the {point} point of the build")
    return int(reached.read_text())


def _task_ids(log: str, event: str) -> list[str]:
    return re.findall(rf"Task claims\.remittance_build\[([0-9a-f-]+)\] {event}", log)


def _assert_built_and_emailed_once(remittance, workers):
    notice = Notice.objects.get(key=f"remittance:{remittance.pk}")
    assert (notice.status, notice.attempts) == (Notice.Status.SENT, 1)
    assert Notice.objects.filter(remittance=remittance).count() == 1
    remittance.refresh_from_db()
    (advice,) = Document.objects.all()
    assert remittance.advice_id == advice.pk
    assert remittance.build_attempts == 1  # the lost attempt left nothing, not even a count
    assert bytes(advice.content).startswith(b"%PDF-")
    emails = [m for m in workers.emails() if m["Subject"].startswith("Remittance advice")]
    assert len(emails) == 1
    (attachment,) = emails[0].iter_attachments()
    assert attachment.get_content() == bytes(advice.content)


def _nothing_unacknowledged(client):
    return client.hlen("unacked") == 0


@pytest.mark.parametrize("point", ["render", "store"])
def test_worker_killed_mid_build_is_redelivered_and_builds_and_emails_once(
    celery_workers, closed_run, tmp_path, point
):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    fault = {"FAULT_HOOK_DIR": str(hooks), "FAULT_HOOK_POINT": point}
    first = celery_workers.start(include=HOOKS, env=fault)
    remittance = closed_run()

    assert _held(hooks, point) == first.process.pid  # the solo pool runs the task in the worker
    # Rendered (or written, uncommitted) but nothing stored: other connections see no document.
    assert not Document.objects.exists()
    assert not Notice.objects.exists()
    first.kill()
    assert first.process.returncode == -9

    broker = redis.Redis.from_url(broker_url())
    assert broker.hlen("unacked") == 1  # the message waits, unacknowledged, for another worker
    assert broker.llen("pdf") == 0
    remittance.refresh_from_db()
    assert (remittance.advice_id, remittance.build_attempts) == (None, 0)

    second = celery_workers.start(include=HOOKS, env={**fault, **QUICK_RECOVERY})
    wait_until(
        lambda: Notice.objects.filter(remittance=remittance, status=Notice.Status.SENT).exists(),
        what="the second worker to build and email the advice",
    )
    wait_until(lambda: _nothing_unacknowledged(broker), what="every message acknowledged")

    _assert_built_and_emailed_once(remittance, celery_workers)
    # The same message, delivered again: the lost worker received it, the new one finished it.
    (lost,) = _task_ids(first.log_text(), "received")
    assert _task_ids(first.log_text(), "succeeded") == []
    assert _task_ids(second.log_text(), "succeeded") == [lost]
    assert Remittance.objects.count() == 1


def test_pool_child_killed_mid_render_is_requeued_at_once_and_builds_once(
    celery_workers, closed_run, tmp_path
):
    """The out-of-memory killer takes the pool process rendering a PDF (the production PDF
    workers use the prefork pool). The worker sees its child lost and, because the task
    acknowledges late and rejects on a lost worker, puts the message back itself: no visibility
    timeout (an hour in production) is waited for."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    worker = celery_workers.start(
        include=HOOKS,
        env={"FAULT_HOOK_DIR": str(hooks), "FAULT_HOOK_POINT": "render"},
        pool="prefork",
        concurrency=1,
    )
    remittance = closed_run()

    child = _held(hooks, "render")
    assert child != worker.process.pid
    os.kill(child, signal.SIGKILL)
    wait_until(
        lambda: Notice.objects.filter(remittance=remittance, status=Notice.Status.SENT).exists(),
        what="the worker's next pool process to build and email the advice",
    )
    wait_until(
        lambda: _nothing_unacknowledged(redis.Redis.from_url(broker_url())),
        what="every message acknowledged",
    )

    assert worker.process.poll() is None  # the worker itself carried on
    _assert_built_and_emailed_once(remittance, celery_workers)
    log = worker.log_text()
    assert "WorkerLostError" in log
    (task,) = set(_task_ids(log, "received"))
    assert _task_ids(log, "received") == [task, task]  # delivered twice, to the same worker
    assert _task_ids(log, "succeeded") == [task]
