"""A real Celery worker, in its own process, consuming from the real Redis and writing to the test
database: for the tests that must see work go through the broker rather than run in-process.

Use the ``celery_worker`` fixture (a transactional test: the worker only sees committed rows). It
purges the service's queues, starts ``celery worker`` on them with the test database and a private
outbox folder, turns off in-process execution in this process, and stops the worker at the end.
``wait_until`` polls for a condition with a deadline (the worker's progress is observed in the
database and the outbox, never assumed after a fixed pause)."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
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


def purge_queues() -> None:
    with app.connection_for_write() as connection:
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

    def emails(self) -> list[EmailMessage]:
        """The messages the worker wrote to its outbox (Django's file backend: one file per
        connection, messages separated by a line of dashes), parsed."""
        messages = []
        for path in sorted(self.outbox.glob("*.log")):
            for text in path.read_text().split("\n" + "-" * 79 + "\n"):
                if text.strip():
                    messages.append(email.message_from_string(text.lstrip(), policy=default))
        return messages

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finishes the task in hand
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    broker = broker_url()
    purge_queues()
    outbox = tmp_path / "worker-outbox"
    outbox.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_FILE_PATH": str(outbox),
        "EMAIL_HOST": "",
        "APP_ENV": "development",
        "DEBUG": "false",
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
        "solo",
        "--hostname",
        f"test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    ]
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, outbox=outbox, log=log)
    app.conf.task_always_eager = False  # this process now queues to Redis
    try:
        yield worker
    finally:
        app.conf.task_always_eager = True
        worker.stop()
        purge_queues()
        if worker.process.returncode not in (0, -15, None):
            print(log.read_text())  # shown by pytest with the failing test
