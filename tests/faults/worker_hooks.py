"""Test-only instrumentation, imported into a real worker process by the fault tests (Celery's
``--include tests.faults.worker_hooks``); the service never imports it.

With ``FAULT_HOOK_DIR`` and ``FAULT_HOOK_POINT`` in the worker's environment, the first process to
reach that point of a remittance build says so, by a file ``reached-<point>`` holding its process
id, and then stops there until it is killed. Any later process (the worker started after the kill,
or the pool's next child) passes straight through, so the build it runs is the real one.

- ``render``: the advice PDF has just been rendered, in memory only; nothing is stored yet.
- ``store``: inside the short transaction that stores it, just after the document row is written
  and before the email is recorded and the transaction commits.

``FAULT_TRANSPORT_OPTIONS`` (JSON) is merged into the worker's broker transport options, so a test
can make the worker sweep for messages a lost worker left unacknowledged every second instead of
every ~100 s (kombu's default period), with a short visibility timeout."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from django.db.models.signals import post_save

from carehomes_les.celery import app
from claims.payments import remittances
from documents.models import Document

DIRECTORY = os.environ.get("FAULT_HOOK_DIR", "")
POINT = os.environ.get("FAULT_HOOK_POINT", "")
HELD_FOR = 120  # seconds; the test kills the process long before


def reach(point: str) -> None:
    """The first process here records its pid and blocks until killed; others carry on."""
    directory = Path(DIRECTORY)
    try:
        claim = os.open(directory / f"claimed-{point}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.close(claim)
    ready = directory / f"reached-{point}.tmp"
    ready.write_text(str(os.getpid()))
    ready.replace(directory / f"reached-{point}")  # appears whole, never half written
    threading.Event().wait(HELD_FOR)
    raise RuntimeError(f"The fault test never killed the worker held at {point!r}.")


if os.environ.get("FAULT_TRANSPORT_OPTIONS"):
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        **json.loads(os.environ["FAULT_TRANSPORT_OPTIONS"]),
    }

if POINT == "render":
    _render_pdf = remittances.render_pdf

    def render_pdf(*args, **kwargs):
        pdf = _render_pdf(*args, **kwargs)
        reach("render")
        return pdf

    remittances.render_pdf = render_pdf

elif POINT == "store":

    def stored(sender, instance, created, **kwargs):
        if created and instance.kind == Document.Kind.REMITTANCE_ADVICE:
            reach("store")

    post_save.connect(stored, sender=Document, weak=False)
