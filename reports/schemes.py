"""What each scheme would pay a practice for its care homes in a financial year (SPEC §9): this LES,
the national PCN DES care-home premium (about £120 a bed a year) and an acuity-tiered scheme (about
£190 a bed for higher-acuity homes). The scheme comparison's rules; ``reports/comparison.py`` reads
the figures and calls these. Pure: no ORM, no request, no clock.

- **This LES** pays what the year's worksheets claimed (gross, and net of lateness deductions); a
  quarter after the practice's latest worksheet is *projected*: the closing patients of that
  worksheet, each paid the continuing rate for the quarter. A rejected claim pays nothing, and its
  figures are not used.
- **The other schemes** pay per registered bed. A home's beds are shared between the practices that
  have it on their worksheets in proportion to each one's patients there (equally if none has any),
  and each practice's payment for a home is ``rate × beds × share``, computed exactly and rounded
  half-up to the penny once.

Practices and homes are whatever keys the caller uses (database ids, in practice).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from claims.rules import Line, Pence, Rates, line_gross
from core.money import round_half_up
from core.periods import Period

STANDARD, HIGHER = "standard", "higher"  # CareHome.acuity_tier, set per home by officers


def quarters_of(year: int) -> tuple[Period, ...]:
    return tuple(Period(year, number) for number in (1, 2, 3, 4))


# -- the per-bed schemes -------------------------------------------------------------------------


@dataclass(frozen=True)
class BedRates:
    """The per-bed schemes' rates for a financial year, in pence per bed a year (``SchemeRates``)."""

    des: Pence  # the network DES care-home premium
    standard_acuity: Pence  # the acuity-tiered scheme, a standard-acuity home
    higher_acuity: Pence  # the acuity-tiered scheme, a higher-acuity home

    def acuity(self, tier: str) -> Pence:
        if tier == HIGHER:
            return self.higher_acuity
        if tier == STANDARD:
            return self.standard_acuity
        raise ValueError(f"{tier!r} is not an acuity tier: standard or higher.")


@dataclass(frozen=True)
class HomeYear:
    """A care home's figures in a financial year: its registered beds, its acuity tier, and the
    patients there of each practice that has the home on its worksheets (see :func:`practice_basis`)."""

    beds: int
    tier: str
    patients: Mapping[Hashable, int]  # practice → its patients there


def bed_shares(home: HomeYear) -> dict[Hashable, Fraction]:
    """Each practice's share of the home's beds: its patients over all the practices' patients
    there; equal shares when none of them has patients there. The shares add up to exactly 1."""
    if not home.patients:
        return {}
    total = sum(home.patients.values())
    if total == 0:
        return {practice: Fraction(1, len(home.patients)) for practice in home.patients}
    return {practice: Fraction(count, total) for practice, count in home.patients.items()}


def per_bed_payment(rate: Pence, beds: int, share: Fraction) -> Pence:
    """``rate × beds × share`` in one exact step, rounded half-up to the penny once."""
    amount = Fraction(rate) * beds * share
    if amount < 0:
        raise ValueError("A scheme never pays a negative amount.")
    return round_half_up(amount)


@dataclass(frozen=True)
class HomePrice:
    """What the per-bed schemes pay one practice for one home in the year."""

    share: Fraction
    des: Pence
    acuity: Pence


def price_home(home: HomeYear, practice: Hashable, rates: BedRates) -> HomePrice:
    share = bed_shares(home).get(practice, Fraction(0))
    return HomePrice(
        share=share,
        des=per_bed_payment(rates.des, home.beds, share),
        acuity=per_bed_payment(rates.acuity(home.tier), home.beds, share),
    )


# -- the practice's homes and patients ------------------------------------------------------------


@dataclass(frozen=True)
class WorksheetFigures:
    """One of a practice's worksheets, as the comparison reads it: its quarter, the payment stored
    with it (pence) and its lines by care home."""

    period: Period
    gross: Pence = 0
    net: Pence = 0
    rejected: bool = False
    lines: Mapping[Hashable, Line] = field(default_factory=dict)


@dataclass(frozen=True)
class Basis:
    """What a practice brings to a financial year's comparison.

    ``patients``: its homes in the year and its patients at each, for sharing beds: the closing
    figure of its line for the home in the latest quarter of the year that has one. A practice with
    no worksheet in the year yet takes its latest worksheet of the year before (``carried_over``).
    ``projected``: the quarters of the year after its ``latest`` worksheet; each pays
    ``projection``, the closing patients at each home on the worksheet ``projected_from``.

    A rejected claim's figures are not believed: it gives no homes or patients (the latest accepted
    worksheet does), but its quarter was claimed, so it is not projected."""

    year: int
    patients: Mapping[Hashable, int]
    latest: Period | None
    projected: tuple[Period, ...]
    projection: Mapping[Hashable, int]
    projected_from: Period | None = None
    carried_over: bool = False

    @property
    def homes(self) -> tuple[Hashable, ...]:
        return tuple(self.patients)


def practice_basis(worksheets: Iterable[WorksheetFigures], year: int) -> Basis:
    """The practice's :class:`Basis` for ``year`` from its worksheets of that year and the one before
    (any others are ignored). A practice with neither has no homes and nothing to project."""
    ordered = sorted(
        (w for w in worksheets if w.period.year in (year - 1, year)), key=lambda w: w.period
    )
    accepted = [w for w in ordered if not w.rejected]
    in_year = [w for w in accepted if w.period.year == year]
    source = in_year or accepted[-1:]
    latest = ordered[-1].period if ordered else None
    if not source:  # nothing believed: no patients to share beds by or to project
        return Basis(year=year, patients={}, latest=latest, projected=(), projection={})
    patients: dict[Hashable, int] = {}
    for worksheet in source:  # in quarter order: a later line for a home replaces an earlier one
        for home, line in worksheet.lines.items():
            patients[home] = line.closing
    figures = source[-1]
    return Basis(
        year=year,
        patients=patients,
        latest=latest,
        projected=tuple(p for p in quarters_of(year) if p > latest),
        projection={home: line.closing for home, line in figures.lines.items()},
        projected_from=figures.period,
        carried_over=not in_year,
    )


def home_years(
    bases: Mapping[Hashable, Basis], homes: Mapping[Hashable, tuple[int, str]]
) -> dict[Hashable, HomeYear]:
    """Each home's :class:`HomeYear` from every practice's basis. ``homes`` gives each home's
    (beds, tier); the practices sharing a home are those whose basis has it."""
    patients: dict[Hashable, dict[Hashable, int]] = {home: {} for home in homes}
    for practice, basis in bases.items():
        for home, count in basis.patients.items():
            if home in patients:
                patients[home][practice] = count
    return {
        home: HomeYear(beds=beds, tier=tier, patients=patients[home])
        for home, (beds, tier) in homes.items()
    }


# -- this LES ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigure:
    """A quarter of the LES figure: ``submitted`` (the worksheet's stored payment), ``rejected``
    (nothing paid), ``projected`` (no deduction assumed) or ``none`` (before the practice's first
    worksheet of the year: nothing owed, nothing projected)."""

    period: Period
    kind: str
    gross: Pence
    net: Pence


@dataclass(frozen=True)
class LesFigure:
    quarters: tuple[QuarterFigure, ...]
    per_home: Mapping[Hashable, Pence]  # gross: deductions apply to a whole worksheet, not a home

    @property
    def gross(self) -> Pence:
        return sum(q.gross for q in self.quarters)

    @property
    def net(self) -> Pence:
        return sum(q.net for q in self.quarters)

    @property
    def projected(self) -> tuple[Period, ...]:
        return tuple(q.period for q in self.quarters if q.kind == "projected")


def les_figure(worksheets: Iterable[WorksheetFigures], basis: Basis, tariff: Rates) -> LesFigure:
    """The year's LES payment: each quarter's worksheet as stored, or its projection. ``tariff`` is
    the year's (the continuing rate prices a projected quarter; the lines' rates share a home's
    figure out of a worksheet's gross)."""
    by_period = {w.period: w for w in worksheets if w.period.year == basis.year}
    per_home: dict[Hashable, Pence] = dict.fromkeys(basis.patients, 0)
    quarters = []
    for period in quarters_of(basis.year):
        worksheet = by_period.get(period)
        if worksheet is not None and worksheet.rejected:
            quarters.append(QuarterFigure(period, "rejected", 0, 0))
        elif worksheet is not None:
            for home, line in worksheet.lines.items():
                per_home[home] = per_home.get(home, 0) + line_gross(line, tariff)
            quarters.append(QuarterFigure(period, "submitted", worksheet.gross, worksheet.net))
        elif period in basis.projected:
            amount = 0
            for home, closing in basis.projection.items():
                per_home[home] = per_home.get(home, 0) + closing * tariff.continuing
                amount += closing * tariff.continuing
            quarters.append(QuarterFigure(period, "projected", amount, amount))
        else:
            quarters.append(QuarterFigure(period, "none", 0, 0))
    return LesFigure(quarters=tuple(quarters), per_home=per_home)


# -- the comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """What each scheme would pay in the year (pence)."""

    les_gross: Pence = 0
    les_net: Pence = 0
    des: Pence = 0
    acuity: Pence = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.les_gross + other.les_gross,
            self.les_net + other.les_net,
            self.des + other.des,
            self.acuity + other.acuity,
        )


def total(items: Iterable[Totals]) -> Totals:
    result = Totals()
    for item in items:
        result += item
    return result


@dataclass(frozen=True)
class HomeRow:
    """One home of a practice's comparison."""

    home: Hashable
    beds: int
    tier: str
    patients: int  # the practice's, for sharing the beds
    share: Fraction
    les: Pence  # gross
    des: Pence
    acuity: Pence


@dataclass(frozen=True)
class PracticeSchemes:
    practice: Hashable
    basis: Basis
    les: LesFigure
    homes: tuple[HomeRow, ...]

    @property
    def totals(self) -> Totals:
        return Totals(
            les_gross=self.les.gross,
            les_net=self.les.net,
            des=sum(row.des for row in self.homes),
            acuity=sum(row.acuity for row in self.homes),
        )


def compare_practice(
    practice: Hashable,
    worksheets: Iterable[WorksheetFigures],
    homes: Mapping[Hashable, HomeYear],
    *,
    basis: Basis,
    rates: BedRates,
    tariff: Rates,
) -> PracticeSchemes:
    """The practice's comparison for ``basis.year``: a row per home of its basis (in ``basis``
    order), priced under each scheme. ``homes`` must hold every one of them (:func:`home_years`)."""
    worksheets = list(worksheets)
    les = les_figure(worksheets, basis, tariff)
    rows = []
    for home_key in basis.homes:
        home = homes[home_key]
        price = price_home(home, practice, rates)
        rows.append(
            HomeRow(
                home=home_key,
                beds=home.beds,
                tier=home.tier,
                patients=basis.patients[home_key],
                share=price.share,
                les=les.per_home.get(home_key, 0),
                des=price.des,
                acuity=price.acuity,
            )
        )
    return PracticeSchemes(practice=practice, basis=basis, les=les, homes=tuple(rows))
