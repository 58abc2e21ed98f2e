"""How the worksheet pages put quarters, lateness and money into words. Pure: no ORM."""

from __future__ import annotations

import datetime
from decimal import Decimal

from claims.exports import percent_text
from claims.periods import Period
from claims.rules import Band, Release

SCHEME_START = Period(2018, 1)  # the first quarter of the LES in this service (tariff 2018/19)


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def money(pence: int) -> str:
    """``116400`` → ``£1,164.00`` (on screen; files use :func:`claims.rules.pounds`)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


def consequence(percent: Decimal, release: str) -> str:
    """``10% deducted, paid one run later``: what a band does to the payment."""
    if release == Release.NONE:
        return f"{percent_text(percent)}% deducted, no payment"
    text = "no lateness deduction" if percent == 0 else f"{percent_text(percent)}% deducted"
    if release == Release.DEFERRED:
        text += ", paid one run later"
    return text


def band_text(band: Band) -> str:
    """``8–14 days late: 10% deducted, paid one run later``."""
    return f"{band.label}: {consequence(band.deduction_percent, band.release)}"


def release_text(release: str) -> str:
    return {
        Release.NEXT_RUN: "In the next payment run after approval",
        Release.DEFERRED: "Deferred: in the second payment run after approval",
        Release.NONE: "No payment",
    }.get(release, release)
