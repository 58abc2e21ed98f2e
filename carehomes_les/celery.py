"""The Celery application. Task definitions live in each app's ``tasks.py`` (``notices/tasks.py``:
emails and reminders; ``claims/tasks.py``: remittance advice); they are thin wrappers that take ids
and call services. Schedules live in the database (django-celery-beat), created by
``notices/migrations/0002_schedules.py``."""

import logging
import os

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError

# Connects the signals that carry the request id across the broker, log a line per task and
# give a worker settings.LOGGING (JSON on stdout) rather than Celery's own logging set-up.
from carehomes_les import task_log  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")

app = Celery("carehomes_les")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).

    If the broker cannot be reached the work is not lost: it is recorded in the database already
    (a pending email, an unbuilt remittance) and the periodic sweep queues it later. So a failure
    to enqueue is logged, never raised into the request that made the change. Where tasks run
    in-process (the embedded default), a task that fails has recorded its failure on its row
    (an email's attempts, a remittance's build error) and is logged, not raised either: the change
    that queued it has committed and must still answer the user (``robust=True``)."""

    def send():
        try:
            task.delay(*args)
        except OperationalError:
            logger.exception(
                "Could not queue %s%r; the periodic sweep will pick it up", task.name, args
            )

    transaction.on_commit(send, robust=True)
