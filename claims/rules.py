"""The payment rules of the Care Home LES (SPEC sections 4 to 6; service specification 4.2).

Pure: no ORM, no request, no clock. Given a worksheet's lines, the tariff, the due date, the moment
of first submission, the lateness bands and any waiver, :func:`calculate_payment` returns the gross,
days late, band, deduction, net and release. Money is integer pence throughout; a percentage
deduction is rounded half-up to the penny. Dates are Europe/London calendar dates.

Everything that decides money lives here and is tested at every edge in ``tests/claims/``.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.money import Pence, round_half_up
from core.periods import london_date

# -- rates and bands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """A financial year's tariff, in pence (SPEC §5: £102 / £60 / £60 from 2018/19)."""

    new_permanent: Pence  # a new permanent patient's first quarter
    continuing: Pence  # each quarter a patient is in the opening figure
    temporary: Pence  # a temporary patient, for the quarter resident


DEFAULT_RATES = Rates(new_permanent=10200, continuing=6000, temporary=6000)


class Release(enum.StrEnum):
    """When an approved claim's money is released."""

    NEXT_RUN = "next_run"  # the next payment run
    DEFERRED = "deferred"  # skips one run: the payment run after the next
    NONE = "none"  # nothing to release (a 100% deduction)


@dataclass(frozen=True)
class Band:
    """A lateness band: submissions ``min_days`` to ``max_days`` days late (``None``: no upper end)."""

    min_days: int
    max_days: int | None
    deduction_percent: Decimal
    release: Release

    def covers(self, days_late: int) -> bool:
        return self.min_days <= days_late and (self.max_days is None or days_late <= self.max_days)

    @property
    def label(self) -> str:
        if self.max_days is None:
            return f"{self.min_days} or more days late"
        if self.min_days == self.max_days == 0:
            return "On time"
        return f"{self.min_days}–{self.max_days} days late"


# SPEC §6. The database table (seeded from this) is what the service reads; this is its default.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band(0, 0, Decimal("0"), Release.NEXT_RUN),
    Band(1, 7, Decimal("5"), Release.NEXT_RUN),
    Band(8, 14, Decimal("10"), Release.DEFERRED),
    Band(15, 21, Decimal("50"), Release.DEFERRED),
    Band(22, None, Decimal("100"), Release.NONE),
)


class InvalidBands(ValueError):
    """The lateness band table breaks :func:`check_bands`: no claim is priced with it."""


def check_bands(bands: Sequence[Band]) -> None:
    """Bands must start at day 0, follow each other without gaps or overlaps, end open, and never
    deduct less as lateness rises."""
    if not bands:
        raise ValueError("There must be at least one lateness band.")
    if bands[0].min_days != 0:
        raise ValueError("The first lateness band must start at 0 days late.")
    for earlier, later in zip(bands, bands[1:], strict=False):
        if earlier.max_days is None or later.min_days != earlier.max_days + 1:
            raise ValueError(
                f"Lateness bands must follow each other: {earlier.label} then {later.label}."
            )
        if later.deduction_percent < earlier.deduction_percent:
            raise ValueError("A later lateness band cannot deduct less than an earlier one.")
    if bands[-1].max_days is not None:
        raise ValueError("The last lateness band must have no upper limit.")
    for band in bands:
        if not Decimal(0) <= band.deduction_percent <= Decimal(100):
            raise ValueError("A deduction is between 0% and 100%.")
        if (band.deduction_percent == 100) != (band.release == Release.NONE):
            raise ValueError("A 100% deduction, and only that, releases nothing.")


# -- lines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One home's figures on a worksheet (SPEC §4)."""

    opening: int
    new_permanent: int
    temporary: int
    moved_out: int
    died: int
    in_other_home: int = 0  # reported for information: not paid, not carried forward

    @property
    def closing(self) -> int:
        """Carried forward as the next quarter's opening for the same practice and home."""
        return self.opening + self.new_permanent - self.moved_out - self.died


FIELDS = ("opening", "new_permanent", "temporary", "moved_out", "died", "in_other_home")

# The bounds of a count: 0 to MAX_COUNT. Far above any home's beds (the largest have a few hundred);
# keeps a slip of the keyboard, and a payment too large to store, out of the database. The form, the
# spreadsheet's validation, the uploads and the imports all read it from here.
MAX_COUNT = 999


@dataclass(frozen=True)
class Problem:
    """A problem with one field of a line: an error blocks submission, a warning must be confirmed."""

    field: str
    message: str
    is_warning: bool = False


def check_line(line: Line, *, beds: int) -> list[Problem]:
    """SPEC §4 validation. Messages name the field; callers add the home."""
    problems = []
    for name in FIELDS:
        value = getattr(line, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem(name, "must be a whole number, 0 or more"))
        elif value > MAX_COUNT and name != "opening":
            # The opening is the previous quarter's closing, carried forward: the rules computed it.
            problems.append(Problem(name, f"must be no more than {MAX_COUNT:,}"))
    if problems:
        return problems
    if line.moved_out + line.died > line.opening + line.new_permanent:
        problems.append(
            Problem(
                "moved_out",
                f"moved out ({line.moved_out}) plus died ({line.died}) cannot be more than opening "
                f"({line.opening}) plus new permanent patients ({line.new_permanent})",
            )
        )
    elif line.closing > beds:
        problems.append(
            Problem(
                "opening",
                f"closing figure {line.closing} is more than the home's {beds} registered beds: "
                "confirm the figures are right",
                is_warning=True,
            )
        )
    return problems


def line_gross(line: Line, rates: Rates) -> Pence:
    """Opening × continuing + new permanent × new + temporary × temporary. Patients who died or moved
    in the quarter are still in opening (or new) and are paid for that quarter."""
    return (
        line.opening * rates.continuing
        + line.new_permanent * rates.new_permanent
        + line.temporary * rates.temporary
    )


# -- lateness ------------------------------------------------------------------------------------


def days_late(first_submitted_at: datetime.datetime, due_date: datetime.date) -> int:
    """The London date of first submission minus the due date, floored at 0 (SPEC §6): 00:30 BST on
    the day after the due date is 1 day late, though still the due date in UTC."""
    return max(0, (london_date(first_submitted_at) - due_date).days)


def band_for(days: int, bands: Sequence[Band] = DEFAULT_BANDS) -> Band:
    for band in bands:
        if band.covers(days):
            return band
    raise ValueError(f"No lateness band covers {days} days.")


def last_paying_day_late(bands: Sequence[Band]) -> int | None:
    """The most days late a worksheet can be and still be paid something: ``None`` when the
    open-ended last band still pays, 0 when no late worksheet is paid at all."""
    paying = [b for b in bands if b.deduction_percent < 100]
    if any(b.max_days is None for b in paying):
        return None
    return max((b.max_days for b in paying), default=0)


def still_paid(days: int, bands: Sequence[Band]) -> bool:
    """THE "late but still paid" rule: a worksheet submitted ``days`` days late is paid something
    (its band deducts less than 100%). The quarters page calls a worksheet past it "missing"; late
    notices stop once it has passed."""
    last = last_paying_day_late(bands)
    return last is None or days <= last


def percentage_of(amount: Pence, percent: Decimal) -> Pence:
    """``percent`` % of ``amount`` pence, rounded half-up to the penny."""
    return round_half_up(Decimal(amount) * percent / 100)


# -- the payment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    gross: Pence
    days_late: int
    band: Band
    deduction_percent: Decimal  # 0 when waived
    deduction: Pence
    net: Pence
    release: Release
    waived: bool

    @property
    def deferred(self) -> bool:
        return self.release == Release.DEFERRED


def calculate_payment(
    lines: Iterable[Line],
    *,
    rates: Rates,
    due_date: datetime.date,
    first_submitted_at: datetime.datetime,
    bands: Sequence[Band] = DEFAULT_BANDS,
    waived: bool = False,
) -> Payment:
    """The payment a worksheet produces. An exceptional-circumstances waiver (spec 4.2) removes both
    the deduction and the deferral; the lateness itself is still reported."""
    gross = sum((line_gross(line, rates) for line in lines), 0)
    late = days_late(first_submitted_at, due_date)
    band = band_for(late, bands)
    if waived:
        percent, release = Decimal(0), Release.NEXT_RUN
    else:
        percent, release = band.deduction_percent, band.release
    deduction = percentage_of(gross, percent)
    return Payment(
        gross=gross,
        days_late=late,
        band=band,
        deduction_percent=percent,
        deduction=deduction,
        net=gross - deduction,
        release=release,
        waived=waived,
    )


# -- netting adjustments and carrying a balance (docs/adr/0022) --------------------------------


def net_practice(
    claim_pence: Sequence[Pence], adjustment_pence: Sequence[Pence], brought_forward_pence: Pence
) -> tuple[Pence, Pence]:
    """What one practice is paid in a run, and what it carries to the next: its claims' nets, its
    adjustments (negative for a recovery, positive for an underpayment) and the balance brought
    forward from its last run (0, or negative: money it still owes) are netted. A positive total is
    paid and nothing is carried; a negative total pays nothing and is carried, whole, to the next
    run. ``payable + carried`` always equals the sum of everything netted."""
    if any(amount < 0 for amount in claim_pence):
        raise ValueError("A claim's net payment is never negative.")
    if brought_forward_pence > 0:
        raise ValueError("Only money owed (a negative balance) is carried forward.")
    total = sum(claim_pence, 0) + sum(adjustment_pence, 0) + brought_forward_pence
    return (total, 0) if total >= 0 else (0, total)
