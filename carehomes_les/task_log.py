"""The request id across the broker, and one log line per Celery task.

* ``before_task_publish``: a task queued while a request is handled (``enqueue_on_commit`` runs
  inside the view, so the id is still set) carries the request's id in its message headers.
* ``task_prerun``: the worker restores it (in-process tasks keep the caller's) and starts a clock.
* ``task_postrun``: logs the task line (name, id, outcome, duration, request id) and forgets the
  id, so the next task a worker process runs does not inherit it.
* ``setup_logging``: a worker or beat configures logging from ``settings.LOGGING`` rather than
  Celery's own root logger set-up, so its lines are JSON on stdout like the web's; Celery's own
  loggers keep the level given by ``--loglevel``.

Connected by importing this module (``carehomes_les/celery.py`` does).
"""

from __future__ import annotations

import logging
import logging.config
import time

from celery import signals, states

from carehomes_les.logging import request_id_var

logger = logging.getLogger("carehomes_les.tasks")

HEADER = "request_id"

OUTCOMES = {states.SUCCESS: "success", states.RETRY: "retry", states.FAILURE: "failure"}
LEVELS = {"success": logging.INFO, "retry": logging.WARNING, "failure": logging.ERROR}

# Kept on the task's request context (one per execution, pushed before prerun and popped after
# postrun), not in a module-level dict that a task dying between the two would leave behind.
_STARTED = "_log_started"


@signals.setup_logging.connect
def configure_worker_logging(loglevel=None, **kwargs):
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        # Celery's own lines (connected, ready, task received/succeeded) follow the worker's
        # --loglevel, as they did before; LOG_LEVEL governs the rest.
        logging.getLogger("celery").setLevel(loglevel)


@signals.before_task_publish.connect
def add_request_id(headers=None, **kwargs):
    request_id = request_id_var.get()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


@signals.task_prerun.connect
def task_started(task_id=None, task=None, **kwargs):
    request_id = getattr(task.request, HEADER, None) or request_id_var.get()
    setattr(task.request, _STARTED, (request_id_var.set(request_id), time.perf_counter()))


@signals.task_postrun.connect
def task_finished(task_id=None, task=None, state=None, **kwargs):
    token, started = getattr(task.request, _STARTED, (None, None))
    try:
        if started is None:
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        outcome = OUTCOMES.get(state, str(state).lower())
        logger.log(
            LEVELS.get(outcome, logging.WARNING),
            "task %s[%s] %s %sms",
            task.name,
            task_id,
            outcome,
            duration_ms,
            extra={
                "event": "task",
                "request_id": request_id_var.get(),
                "task": task.name,
                "task_id": task_id,
                "outcome": outcome,
                "duration_ms": duration_ms,
            },
        )
    finally:
        if token is not None:
            request_id_var.reset(token)
