"""Reports kept until the data changes (ADR 0048).

The dashboard's figures and the scheme comparison sum a whole financial year of the viewer's claims
(the comparison prices every practice of a commissioner, with every other practice's patients at
their homes): tens of milliseconds of SQL and of Python, the same answer for every officer of the
commissioner until a change is recorded. Such a part of a page is built once and kept in the
``kept`` cache under:

- the data generation (``history/generation.py``): every change recorded in the history retires
  it, so what is shown is never older than the last recorded change;
- whom the viewer acts for (``accounts.access.Scope``: the role, the commissioner, the practices),
  so a part is never shown to someone whose scope differs;
- what was asked (the year, the practice, PCN or commissioner, the rows) and today's date in
  London (what is due, overdue or projected turns on it).

A store that cannot be reached is passed by: the part is built as if nothing were kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable

from django.core.cache import caches
from django.utils import timezone

from accounts.access import Scope
from core.periods import london_date
from history import generation

logger = logging.getLogger(__name__)

VERSION = 1  # raise when what a kept part holds changes shape


def _key(scope: Scope, name: str, asked: tuple[Hashable, ...], token: str) -> str:
    whose = (scope.role, scope.commissioner_id, tuple(sorted(scope.practice_ids)))
    today = london_date(timezone.now()).isoformat()
    text = repr((VERSION, token, name, whose, asked, today))
    return f"{name}:{hashlib.sha256(text.encode()).hexdigest()}"


def kept(scope: Scope, name: str, asked: tuple[Hashable, ...], build: Callable[[], object]):
    """What ``build()`` returns for ``name`` and ``asked`` in ``scope``: kept from an earlier build
    when nothing has been recorded since, else built now and kept. ``build`` must depend only on
    the scope, ``asked``, today's date and data whose changes are recorded in the history."""
    store = caches["kept"]
    try:
        key = _key(scope, name, asked, generation.current())
        value = store.get(key)
    except Exception:
        logger.warning("The kept-reports store could not be reached; building %s.", name)
        return build()
    if value is None:
        value = build()
        try:
            store.set(key, value)
        except Exception:
            logger.warning("The kept-reports store could not be reached; %s not kept.", name)
    return value
