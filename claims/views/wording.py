"""How the worksheet pages put quarters, lateness and money into words. Pure: no ORM."""

from __future__ import annotations

from decimal import Decimal

from carehomes_les import formatting
from claims.exports import percent_text
from claims.periods import Period
from claims.rules import Band, Release

SCHEME_START = Period(2018, 1)  # the first quarter of the LES in this service (tariff 2018/19)


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


# The one formatter of each (files use claims.rules.pounds and ISO dates).
money = formatting.money
day = formatting.day


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
