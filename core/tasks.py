"""Queueing background work once the current transaction commits."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

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
