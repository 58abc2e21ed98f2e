"""How the worksheet pages put quarters, lateness and money into words. Pure: no ORM."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from claims.rules import Band, Release, band_for
from claims.worksheets.exports import percent_text
from core import formatting
from core.periods import Period

SCHEME_START = Period(2018, 1)  # the first quarter of the LES in this service (tariff 2018/19)


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


# The one formatter of each (files use core.money.pounds and ISO dates).
money = formatting.money
day = formatting.day


def due_day(
    due: datetime.date, default: datetime.date | None, whose: str = "your commissioner"
) -> str:
    """A worksheet's due date in words: ``14 January 2027``; or, when a commissioner extended it
    (ADR 0043), ``21 January 2027 (extended by your commissioner from 14 January 2027)``."""
    if default is None or due == default:
        return day(due)
    return f"{day(due)} (extended by {whose} from {day(default)})"


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


def lateness_cost(due: datetime.date, today: datetime.date, bands: Sequence[Band]) -> str:
    """What lateness costs a worksheet not yet sent, in words, on ``today`` (a London date):
    ``if sent today: 5% deducted; from 13 December 2026: 10% deducted, paid one run later``, or
    before the due date ``no deduction if sent by 14 January 2027; from 15 January 2027: 5%
    deducted``."""
    late = (today - due).days
    band = band_for(max(late, 0), bands)
    if late <= 0:
        now = f"no deduction if sent by {day(due)}"
        if band.deduction_percent:  # a table whose first band deducts (not SPEC §6's)
            now = f"if sent by {day(due)}: {consequence(band.deduction_percent, band.release)}"
    else:
        now = f"if sent today: {consequence(band.deduction_percent, band.release)}"
    if band.max_days is None:
        return now
    following = band_for(band.max_days + 1, bands)
    starts = due + datetime.timedelta(days=following.min_days)
    return (
        f"{now}; from {day(starts)}: {consequence(following.deduction_percent, following.release)}"
    )
