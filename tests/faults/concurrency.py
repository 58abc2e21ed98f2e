"""Two people doing the same thing at the same moment, made to overlap for certain.

``at_once(first, second, hold=...)`` runs each call in its own thread (so on its own database
connection), released together by a ``threading.Barrier``. A barrier alone makes an overlap likely,
not certain: one call can finish before the other begins. So ``Hold`` stops the first call to
reach a chosen point inside its transaction (the history row it writes last, after it has taken
its row locks), and the test lets it go only once PostgreSQL shows the other connection waiting
for a lock. Both calls were then inside the service together, and the one that waits sees what
the held one committed. If nothing at all serialises them, the other call runs straight through
and ``at_once`` fails, saying so; if only its own write waits (an ``UPDATE`` of the held row, with
no ``SELECT … FOR UPDATE`` before the checks), both calls succeed and the test's assertions on
the outcome fail. Either way a missing lock fails the test rather than passing by luck.

``Hold`` wraps a function the service calls (``claims.payments.runs.audit_record``, say) and calls it
through unchanged; it does not stand in for the thing under test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection

DEADLINE = 60  # seconds for either call to reach its point; both take well under one


class Hold:
    """Stop the first call of ``target`` (``"module.name"``) whose keyword arguments satisfy
    ``when``, until :meth:`release`. Later calls pass straight through."""

    def __init__(
        self,
        monkeypatch,
        target: str,
        *,
        when: Callable[..., bool] = lambda **kw: True,
        after: bool = False,
    ):
        """``after``: hold once the call has returned (its write made), not before it."""
        module, name = target.rsplit(".", 1)
        real = getattr(__import__(module, fromlist=[name]), name)
        self.reached = threading.Event()
        self._released = threading.Event()
        self._taken = threading.Lock()
        self.held_kwargs: dict | None = None

        def wait():
            self.reached.set()
            if not self._released.wait(DEADLINE):
                raise RuntimeError(f"{target} was held and never released")

        def held(*args, **kwargs):
            first = when(**kwargs) and self._taken.acquire(blocking=False)
            if first:
                self.held_kwargs = kwargs
                if not after:
                    wait()
            result = real(*args, **kwargs)
            if first and after:
                wait()
            return result

        monkeypatch.setattr(target, held)

    def release(self) -> None:
        self._released.set()


def waiting_for_a_lock() -> int:
    """Connections to this test database now waiting for a lock another transaction holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@dataclass
class Outcomes:
    results: list = field(default_factory=list)

    def of(self, kind) -> list:
        return [r for r in self.results if isinstance(r, kind)]


def at_once(*calls: Callable[[], object], hold: Hold, first_wins: bool = False) -> Outcomes:
    """Run ``calls`` together; return what each returned or raised, in order.

    The call held is whichever reaches the held point first. ``first_wins``: the test chooses it
    (``hold`` is set on the first call's point), and the other starts only once the first is held
    inside its transaction, so the first is the one that commits first."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    done = [threading.Event() for _ in calls]

    def run(index, call):
        try:
            barrier.wait(timeout=DEADLINE)
            if first_wins and index > 0 and not hold.reached.wait(DEADLINE):
                raise RuntimeError("The first call never reached the held point")
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            results[index] = error
        finally:
            connection.close()  # this thread's own connection
            done[index].set()

    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    try:
        if not hold.reached.wait(DEADLINE):
            pytest.fail(f"No call reached the held point: {results}")
        deadline = time.monotonic() + DEADLINE
        while not waiting_for_a_lock():
            finished = sum(event.is_set() for event in done)
            if finished == len(calls) - 1:  # everyone but the held call finished
                pytest.fail(
                    "The other call finished while the first was held inside its transaction: "
                    f"nothing serialised them. Outcomes: {results}"
                )
            if time.monotonic() > deadline:
                pytest.fail("The other call never waited for the held call's lock")
            time.sleep(0.01)  # a polling interval
    finally:
        hold.release()
        for thread in threads:
            thread.join(DEADLINE)
    assert not any(thread.is_alive() for thread in threads), "a call never finished"
    return Outcomes(results)
