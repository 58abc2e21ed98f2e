"""THE formatters of money and dates on a page, in an email, in a history row or a PDF.

Pure (no ORM, request or clock). Files for machines (exports, the finance hand-off) keep their own
formats: pounds without a symbol (``core.money.pounds``) and ISO dates.
"""

from __future__ import annotations

import datetime

from core.money import pounds
from core.periods import LONDON


def money(pence: int) -> str:
    """Integer pence as people read money: ``805200`` → ``£8,052.00``, ``-12345`` → ``-£123.45``."""
    return pounds(int(pence or 0), symbol="£", thousands=True)


def day(value: datetime.date | datetime.datetime | None) -> str:
    """A date as people read it: ``3 December 2026`` (no leading zero, the month in full).

    A datetime is shown as its date in the current time zone (Europe/London)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def london(moment) -> str:
    return f"{moment.astimezone(LONDON):%-d %b %Y %H:%M}" if moment else ""
