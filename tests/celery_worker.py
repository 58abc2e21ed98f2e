"""A real Celery worker, in its own process, consuming from the real Redis and writing to the test
database: for the tests that must see work go through the broker rather than run in-process.

Use the ``celery_worker`` fixture (a transactional test: the worker only sees committed rows). It
purges the service's queues, starts ``celery worker`` on them with the test database and a private
outbox folder, turns off in-process execution in this process, and stops the worker at the end.
``wait_until`` polls for a condition with a deadline (the worker's progress is observed in the
database and the outbox, never assumed after a fixed pause).

The fault tests (``tests/faults/``) need more than one worker and more control: the
``celery_workers`` fixture starts as many as a test asks for (``celery_workers.start(...)``), on
any broker, with extra environment, extra modules imported into the worker (``include``, Celery's
``--include``: how a test-only module gets into the worker process) and any pool. Each worker is
the leader of its own process group, so ``Worker.kill()`` is a SIGKILL of the worker and every
child it has: the machine's power cable, not a shutdown. ``use_broker(url)`` points this process's
Celery app at another broker (a private Redis the test can stop) for the length of a ``with``."""

from __future__ import annotations

import contextlib
import email
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections

from carehomes_les.celery import app

ROOT = Path(__file__).resolve().parent.parent
QUEUES = ("celery", "pdf")  # CELERY_TASK_DEFAULT_QUEUE and the PDF queue of CELERY_TASK_ROUTES


def database_url() -> str:
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.fail(
            "The Celery worker tests need PostgreSQL (the worker is another process): "
            "set DATABASE_URL, as `make test` does."
        )
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_url() -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        pytest.fail(
            "The Celery worker tests need Redis: set CELERY_BROKER_URL, as `make test` does."
        )
    return url


def _reset_producer_pool() -> None:
    """Forget the connections this process holds to the broker (as Celery does after a fork), so
    the next message is sent to whatever ``app.conf.broker_url`` names now."""
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def use_broker(url: str):
    """This process's Celery app sends its messages to ``url`` inside the block. (Celery reads
    the ``CELERY_BROKER_URL`` environment variable before its own setting, so both change.)"""
    before = os.environ.get("CELERY_BROKER_URL")
    _reset_producer_pool()
    os.environ["CELERY_BROKER_URL"] = url
    try:
        yield
    finally:
        _reset_producer_pool()
        if before is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = before


def purge_queues(url: str | None = None) -> None:
    with app.connection_for_write(url) as connection:
        channel = connection.default_channel
        for queue in QUEUES:
            channel.queue_purge(queue)


def wait_until(condition, *, timeout: float = 90, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        if condition():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)  # a polling interval, not a guess at how long the work takes


@dataclass
class Worker:
    process: subprocess.Popen
    outbox: Path
    log: Path
    name: str = ""

    def emails(self) -> list[EmailMessage]:
        """The messages the worker wrote to its outbox (Django's file backend: one file per
        connection, messages separated by a line of dashes), parsed."""
        return outbox_emails(self.outbox)

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finishes the task in hand
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (the worker and any pool children): nothing
        runs a shutdown handler, acknowledges a message or closes a connection cleanly."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def outbox_emails(outbox: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(outbox.glob("*.log")):
        for text in path.read_text().split("\n" + "-" * 79 + "\n"):
            if text.strip():
                messages.append(email.message_from_string(text.lstrip(), policy=default))
    return messages


@dataclass
class Workers:
    """Starts real workers for one test and stops (or has killed) every one at its end."""

    directory: Path
    broker: str
    outbox: Path
    started: list[Worker] = field(default_factory=list)

    def start(
        self,
        *,
        broker: str | None = None,
        env: dict[str, str] | None = None,
        include: tuple[str, ...] = (),
        pool: str = "solo",
        concurrency: int = 1,
    ) -> Worker:
        name = f"test-{uuid.uuid4().hex[:8]}"
        log = self.directory / f"worker-{len(self.started) + 1}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker or self.broker,
            "EMAIL_FILE_PATH": str(self.outbox),
            "EMAIL_HOST": "",
            "APP_ENV": "development",
            "DEBUG": "false",
            **(env or {}),
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "carehomes_les",
            "worker",
            "--queues",
            ",".join(QUEUES),
            "--pool",
            pool,
            "--hostname",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]
        if pool == "prefork":
            command += ["--concurrency", str(concurrency)]
        if include:
            command += ["--include", ",".join(include)]
        with log.open("w") as log_file:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for Worker.kill()
            )
        worker = Worker(process=process, outbox=self.outbox, log=log, name=name)
        self.started.append(worker)
        return worker

    def emails(self) -> list[EmailMessage]:
        """Every email any of this test's workers wrote (they share one outbox)."""
        return outbox_emails(self.outbox)

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()
        for worker in self.started:
            # Shown by pytest with a failing test (and only then), to say what the worker did.
            print(f"--- {worker.log.name} (exit {worker.process.returncode}) ---")
            print(worker.log_text())


@contextlib.contextmanager
def running_workers(directory: Path, broker: str | None = None):
    """Workers started through the result are stopped when the block ends; queues purged."""
    broker = broker or broker_url()
    purge_queues(broker)
    outbox = directory / "worker-outbox"
    outbox.mkdir()
    workers = Workers(directory=directory, broker=broker, outbox=outbox)
    app.conf.task_always_eager = False  # this process now queues to Redis
    try:
        yield workers
    finally:
        app.conf.task_always_eager = True
        workers.stop_all()
        purge_queues(broker)


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """Start workers with ``celery_workers.start(...)``; all are stopped when the test ends."""
    with running_workers(tmp_path) as workers:
        yield workers


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """One worker on the service's queues and the test's Redis."""
    with running_workers(tmp_path) as workers:
        yield workers.start()
