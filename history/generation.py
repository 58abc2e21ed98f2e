"""The data generation: a token that is replaced whenever history is recorded (ADR 0048).

Every change to the registry, a claim, a payment or a rate records an audit event in the change's
own transaction (``history/services.py``). When that transaction commits the token is replaced, so a
report kept under the token it was built with (``reports/kept.py``) is served only while nothing
has been recorded since. The token is read before the report is built: a report built from the data
as it was before a commit is kept under a token the commit retires. Until the commit only the
writing connection sees the change, so only its own reads replace the token sooner (a request that
changes something and then shows a report; a test, whose transaction never commits).

A random token, not a counter: two processes replacing it together cannot bring back a value that
a report was kept under. If the store cannot be reached the change still goes ahead; what was kept
then lives no longer than ``KEPT_TIMEOUT``.
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import caches
from django.db import transaction

KEY = "generation"
logger = logging.getLogger(__name__)


def _store():
    return caches["kept"]


def current(using: str | None = None) -> str:
    """The token now; a new one when there is none (the store was emptied or has just started), or
    when this connection has recorded a change it has not yet committed (its own reads see it)."""
    store = _store()
    connection = transaction.get_connection(using)
    if getattr(connection, "_kept_unsettled", False):
        connection._kept_unsettled = False
        retire()
    token = store.get(KEY)
    if token is None:
        store.add(KEY, secrets.token_hex(8), timeout=None)
        token = store.get(KEY)
    return token


def retire() -> None:
    """Replace the token: whatever was kept under the old one is no longer served."""
    try:
        _store().set(KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # the store is down: the write it follows must still succeed
        logger.warning("The kept-reports store could not be reached to retire kept reports.")


def changed(using: str | None = None) -> None:
    """The data has changed, or will when the current transaction commits: retire what was kept.

    Inside a transaction the token is replaced when it commits (once, however many events the
    transaction records: an import records thousands), and before then only if this connection
    reads it (other connections cannot see the change until the commit)."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        retire()
        return
    connection._kept_unsettled = True
    # Django gives each transaction (and each rolled-back savepoint) a new list of commit hooks:
    # while that list is the one this was last registered on, the hook is already there.
    if getattr(connection, "_kept_hooks", None) is connection.run_on_commit:
        return
    transaction.on_commit(retire, using=using)
    connection._kept_hooks = connection.run_on_commit
