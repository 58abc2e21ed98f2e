"""Financial years and quarters (SPEC §3). Pure: no ORM.

The financial year runs April to March; Q1 Apr–Jun, Q2 Jul–Sep, Q3 Oct–Dec, Q4 Jan–Mar. The
canonical label is ``2019/20 Q2``; ``2019-20-Q2`` is accepted on input."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Every date in the scheme is a date in England: a submission at 00:30 BST on 15 July is on 15 July.
LONDON = ZoneInfo("Europe/London")

DUE_DAYS_AFTER_QUARTER_END = 14  # decided in SPEC §3: Q1 → 14 July, Q2 → 14 October, …

_LABEL = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2})\s*[- ]\s*Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A quarter of a financial year: ``Period(2019, 2)`` is 2019/20 Q2 (July to September 2019)."""

    year: int  # the calendar year in which the financial year starts
    quarter: int  # 1 to 4

    def __post_init__(self):
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError("A quarter is 1, 2, 3 or 4.")

    @classmethod
    def parse(cls, label: str) -> Period:
        match = _LABEL.match(label or "")
        if not match:
            raise ValueError(f"{label!r} is not a quarter: write it like 2019/20 Q2 or 2019-20-Q2.")
        start, end, quarter = int(match[1]), int(match[2]), int(match[3])
        if (start + 1) % 100 != end:
            raise ValueError(
                f"{label!r} is not a financial year: write it like {start}/{(start + 1) % 100:02d} Q{quarter}."
            )
        return cls(start, quarter)

    @classmethod
    def containing(cls, day: datetime.date) -> Period:
        if day.month >= 4:
            return cls(day.year, (day.month - 4) // 3 + 1)
        return cls(day.year - 1, 4)

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d} Q{self.quarter}"

    @property
    def slug(self) -> str:
        """``2019-20-Q2``: the label as it appears in URLs (``parse`` reads it back)."""
        return self.label.replace("/", "-").replace(" ", "-")

    @property
    def financial_year(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}"

    @property
    def first_day(self) -> datetime.date:
        month = 3 * self.quarter + 1
        return datetime.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    @property
    def default_due_date(self) -> datetime.date:
        return self.last_day + datetime.timedelta(days=DUE_DAYS_AFTER_QUARTER_END)

    def has_ended(self, today: datetime.date) -> bool:
        """Whether the quarter is over on ``today`` (a Europe/London date): a worksheet can be
        submitted from the day after its last day (:attr:`opens_on`), never before."""
        return today > self.last_day

    @property
    def opens_on(self) -> datetime.date:
        """The first day a worksheet for the quarter can be submitted: the day after it ends."""
        return self.next().first_day

    def next(self) -> Period:
        return (
            Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)
        )

    def previous(self) -> Period:
        return (
            Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)
        )

    def __str__(self) -> str:
        return self.label


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month ``months`` later, or that month's last day where it is shorter
    (31 Dec + 2 → 28 Feb; 31 Aug + 6 → 28 or 29 Feb). A care plan's review, an agreement's notice."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def london_date(moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        raise ValueError("A submission moment must carry its time zone.")
    return moment.astimezone(LONDON).date()
