"""Accruals: what the commissioner owes its practices under the LES but has not paid, at the close of
a chosen London date, as finance posts it at month end and year end (docs/adr/0023).

Three categories, each a line per claim (or per worksheet owed), totalled by practice and by PCN:

- **Approved, not paid**: claims finally approved by the close of the day (``approved_at``) and not
  paid by then: in no payment run, or in a run not marked paid by then (``PaymentRun.paid_at``).
- **Submitted, subject to review**: claims first submitted by the close of the day and not approved
  by then (their current net: review may still change or reject it). Rejected claims owe nothing.
- **Not submitted: estimate**: quarters ended by the day (a quarter ending on it counts) that a
  practice in the LES over the quarter (``claims.selectors.practices_expected``) had not submitted
  by its close, while a submission the next day would still be paid something. Estimated as the
  scheme comparison projects a quarter (``reports.schemes.practice_basis``: the closing patients
  on the practice's latest accepted worksheet before the quarter, in that financial year or the one
  before), each paid the quarter's continuing rate, priced by ``claims.rules.calculate_payment`` as
  a worksheet first submitted the day after the date: the most it could still be paid.

Money is integer pence; the one percentage (an estimate's lateness deduction) is rounded half-up
once per line by the payment rules. The close of a day is midnight at its end in Europe/London.

The date rules and the estimate are pure (no ORM, no clock); :func:`accruals_at` reads them in a
fixed number of queries whatever the number of claims (the page's tests hold it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from accounts.access import Scope
from claims import selectors
from claims.models import Quarter, Tariff, Worksheet, WorksheetLine
from claims.rules import (
    Band,
    Line,
    Payment,
    Pence,
    Rates,
    Release,
    band_for,
    calculate_payment,
    days_late,
)
from core import formatting
from core.periods import LONDON, Period
from practices.models import Practice
from reports import schemes
from reports.figures import Column, Figure, money

APPROVED, IN_REVIEW, NOT_SUBMITTED = "approved", "review", "estimate"
CATEGORIES = {
    APPROVED: "Approved, not paid",
    IN_REVIEW: "Submitted, subject to review",
    NOT_SUBMITTED: "Not submitted: estimate",
}
SCHEME_START = Period(2018, 1)  # the first quarter the service holds (ADR 0004)

S = Worksheet.Status
APPROVED_STATUSES = (S.APPROVED, S.SCHEDULED, S.PAID)


# -- the date rules (pure) ------------------------------------------------------------------------


def close_of(day: datetime.date) -> datetime.datetime:
    """The end of ``day`` in London: midnight starting the next day (BST or GMT as it falls)."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), LONDON)


def happened_by(moment: datetime.datetime | None, day: datetime.date) -> bool:
    """Whether ``moment`` is before the close of the London ``day`` (23:30 BST on the day is; 00:30
    BST the next day is not, though it is still the day in UTC)."""
    return moment is not None and moment < close_of(day)


def claim_category(
    *,
    status: str,
    first_submitted_at: datetime.datetime,
    approved_at: datetime.datetime | None,
    paid_at: datetime.datetime | None,
    day: datetime.date,
) -> str | None:
    """Where a claim stood at the close of ``day``: ``APPROVED`` (approved by then, not paid by
    then), ``IN_REVIEW`` (submitted by then, not approved by then) or ``None`` (not submitted yet,
    already paid, or rejected: a rejected claim owes nothing whenever it was rejected)."""
    if status == S.REJECTED or not happened_by(first_submitted_at, day):
        return None
    if status in APPROVED_STATUSES and happened_by(approved_at, day):
        return None if happened_by(paid_at, day) else APPROVED
    return IN_REVIEW


def still_payable(due_date: datetime.date, day: datetime.date, bands: Sequence[Band]) -> bool:
    """Whether a worksheet first submitted the day after ``day`` would be paid anything: a quarter
    already past the last paying band owes nothing, so nothing is accrued for it."""
    late = days_late(close_of(day), due_date)
    return band_for(late, bands).release != Release.NONE


def ended_periods(day: datetime.date) -> list[Period]:
    """Every quarter from the scheme's first that has ended by ``day`` (its last day included)."""
    periods, period = [], SCHEME_START
    while period.last_day <= day:
        periods.append(period)
        period = period.next()
    return periods


def estimate(
    basis: schemes.Basis,
    *,
    rates: Rates,
    due_date: datetime.date,
    day: datetime.date,
    bands: Sequence[Band],
) -> Payment | None:
    """The most a worksheet not submitted by ``day`` could still be paid: the projected patients
    (``basis.projection``) as openings at the continuing rate, with the deduction of a first
    submission the day after ``day`` (half-up, once). ``None`` when there is nothing to project."""
    if basis.projected_from is None:
        return None
    lines = [
        Line(opening=patients, new_permanent=0, temporary=0, moved_out=0, died=0)
        for patients in basis.projection.values()
    ]
    return calculate_payment(
        lines, rates=rates, due_date=due_date, first_submitted_at=close_of(day), bands=bands
    )


def rates_in(tariffs: Iterable[tuple[int, Rates]], year: int) -> Rates | None:
    """The year's tariff: its own row, else the latest earlier one (as ``selectors.rates_for``)."""
    found = None
    for tariff_year, rates in sorted(tariffs, key=lambda t: t[0]):
        if tariff_year <= year:
            found = rates
    return found


day_text = formatting.day  # the one formatter of dates on a page


# -- the result -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccrualLine:
    """One claim, or one worksheet owed, in the accrual."""

    category: str
    practice: Practice
    period: Period
    status: str  # the claim's status now, or "Not submitted"
    amount: Pence
    basis: str  # how the amount was reached, in words

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]


@dataclass
class Accruals:
    day: datetime.date
    lines: list[AccrualLine] = field(default_factory=list)

    def total(self, category: str | None = None) -> Pence:
        return sum(
            line.amount for line in self.lines if category is None or line.category == category
        )

    def count(self, category: str) -> int:
        return sum(1 for line in self.lines if line.category == category)

    @property
    def summary(self) -> str:
        return (
            f"At the close of {day_text(self.day)}, {money(self.total())} is owed to practices "
            f"and not paid: {money(self.total(APPROVED))} approved, "
            f"{money(self.total(IN_REVIEW))} submitted and subject to review, and "
            f"{money(self.total(NOT_SUBMITTED))} estimated for "
            f"{self.count(NOT_SUBMITTED)} worksheet{'s' if self.count(NOT_SUBMITTED) != 1 else ''} "
            "not submitted."
        )

    def _by(self, key) -> dict:
        sums: dict = defaultdict(lambda: dict.fromkeys(CATEGORIES, 0))
        for line in self.lines:
            sums[key(line)][line.category] += line.amount
        return sums

    # -- the figures (the page and its downloads) --

    def by_category(self) -> Figure:
        return Figure(
            slug="categories",
            title="Accrued by category",
            summary=self.summary,
            columns=(Column("Category", "text"), Column("Lines"), Column("Accrued", "money")),
            rows=[
                (label, self.count(category), self.total(category))
                for category, label in CATEGORIES.items()
            ],
            series=(2,),
            totals=("Total", len(self.lines), self.total()),
        )

    def _amount_columns(self) -> tuple[Column, ...]:
        return tuple(Column(label, "money") for label in CATEGORIES.values()) + (
            Column("Total", "money"),
        )

    def by_pcn(self) -> Figure:
        sums = self._by(lambda line: (line.practice.pcn.name, line.practice.pcn.code))
        rows = [
            (name, *amounts.values(), sum(amounts.values()))
            for (name, _code), amounts in sorted(sums.items())
        ]
        return Figure(
            slug="by-pcn",
            title="Accrued by PCN",
            summary=f"{len(rows)} PCN{'s' if len(rows) != 1 else ''} with money accrued at the "
            f"close of {day_text(self.day)}.",
            columns=(Column("PCN", "text"), *self._amount_columns()),
            rows=rows,
            series=(1, 2, 3),
            stacked=True,
            totals=self._totals_row("Total"),
        )

    def by_practice(self) -> Figure:
        sums = self._by(lambda line: (line.practice.name, line.practice.ods_code))
        pcns = {line.practice.ods_code: line.practice.pcn.name for line in self.lines}
        rows = [
            (f"{name} ({ods})", pcns[ods], *amounts.values(), sum(amounts.values()))
            for (name, ods), amounts in sorted(sums.items())
        ]
        return Figure(
            slug="by-practice",
            title="Accrued by practice",
            summary=f"{len(rows)} practice{'s' if len(rows) != 1 else ''} with money accrued at "
            f"the close of {day_text(self.day)}.",
            columns=(Column("Practice", "text"), Column("PCN", "text"), *self._amount_columns()),
            rows=rows,
            totals=self._totals_row("Total", ""),
        )

    def details(self) -> Figure:
        order = list(CATEGORIES)
        lines = sorted(
            self.lines,
            key=lambda line: (
                order.index(line.category),
                line.practice.name,
                line.practice.ods_code,
                line.period,
            ),
        )
        return Figure(
            slug="lines",
            title="Every claim and worksheet accrued",
            summary=f"{len(lines)} line{'s' if len(lines) != 1 else ''}: each claim approved or "
            "in review, and each worksheet owed and not submitted, with how its amount was reached.",
            columns=(
                Column("Category", "text"),
                Column("Practice", "text"),
                Column("ODS code", "text"),
                Column("PCN", "text"),
                Column("Quarter", "text"),
                Column("Status", "text"),
                Column("Accrued", "money"),
                Column("Basis", "text"),
            ),
            rows=[
                (
                    line.category_label,
                    line.practice.name,
                    line.practice.ods_code,
                    line.practice.pcn.name,
                    line.period.label,
                    line.status,
                    line.amount,
                    line.basis,
                )
                for line in lines
            ],
            totals=("Total", "", "", "", "", "", self.total(), ""),
        )

    def _totals_row(self, *labels: str) -> tuple:
        return (*labels, *(self.total(c) for c in CATEGORIES), self.total())

    def figures(self) -> dict[str, Figure]:
        built = (self.by_category(), self.by_pcn(), self.by_practice(), self.details())
        return {figure.slug: figure for figure in built}


FIGURE_SLUGS = ("categories", "by-pcn", "by-practice", "lines")


# -- the reads ------------------------------------------------------------------------------------


def _claim_lines(scope: Scope, day: datetime.date) -> list[tuple]:
    """Categories (a) and (b): the claims in scope submitted by the close, not rejected, not paid by
    then (one query)."""
    close = close_of(day)
    rows = (
        Worksheet.objects.visible_to(scope)
        .filter(first_submitted_at__lt=close, net_pence__gt=0)
        .exclude(status=S.REJECTED)
        .filter(
            Q(payment_run__isnull=True)
            | Q(payment_run__paid_at__isnull=True)
            | Q(payment_run__paid_at__gte=close)
        )
        .values_list(
            "practice_id",
            "quarter__year",
            "quarter__number",
            "status",
            "first_submitted_at",
            "approved_at",
            "payment_run__paid_at",
            "payment_run__reference",
            "net_pence",
        )
    )
    found = []
    for practice_id, year, number, status, submitted, approved, paid, run, net in rows:
        category = claim_category(
            status=status,
            first_submitted_at=submitted,
            approved_at=approved,
            paid_at=paid,
            day=day,
        )
        if category is None:
            continue
        label = S(status).label
        if category == APPROVED:
            basis = "Net of the approved claim"
            if run:
                basis += f", in payment run {run}, not paid by {day_text(day)}"
        else:
            basis = "Net of the claim as submitted, subject to review"
            if status in APPROVED_STATUSES:
                basis += f" (approved after {day_text(day)})"
        found.append((category, practice_id, Period(year, number), label, net, basis))
    return found


def _owed_quarters(day: datetime.date, bands: Sequence[Band]) -> list[Quarter]:
    """Quarters ended by ``day`` for which a submission the next day would still be paid: the
    stored quarter (its due date may have been moved), or the default one nobody has opened."""
    stored = {
        (q.year, q.number): q
        for q in Quarter.objects.filter(year__gte=SCHEME_START.year, year__lte=day.year)
    }
    quarters = [
        stored.get((p.year, p.quarter))
        or Quarter(year=p.year, number=p.quarter, due_date=p.default_due_date)
        for p in ended_periods(day)
    ]
    return [q for q in quarters if still_payable(q.due_date, day, bands)]


def _estimate_lines(scope: Scope, day: datetime.date) -> list[tuple]:
    """Category (c): for each quarter still payable, the practices in scope that owed it and had not
    submitted it by the close, each estimated from its latest worksheet before the quarter."""
    bands = selectors.bands()
    quarters = _owed_quarters(day, bands)
    if not quarters:
        return []
    in_scope = Practice.objects.visible_to(scope).values("pk")
    expected = {
        q.period: set(selectors.practices_expected(q, in_scope).values_list("pk", flat=True))
        for q in quarters
    }  # one query a quarter: at most the few quarters whose late bands still pay
    practice_ids = set().union(*expected.values())
    if not practice_ids:
        return []
    in_quarters = Q()
    for q in quarters:
        in_quarters |= Q(quarter__year=q.year, quarter__number=q.number)
    submitted = {
        (practice_id, Period(year, number))
        for practice_id, year, number in Worksheet.objects.filter(
            in_quarters, practice_id__in=practice_ids, first_submitted_at__lt=close_of(day)
        ).values_list("practice_id", "quarter__year", "quarter__number")
    }
    owed = [
        (practice_id, q)
        for q in quarters
        for practice_id in sorted(expected[q.period])
        if (practice_id, q.period) not in submitted
    ]
    if not owed:
        return []

    # The worksheets an estimate may start from: the financial year of the quarter and the one
    # before, as the scheme comparison's projection reads them (two queries).
    owing = {practice_id for practice_id, _q in owed}
    years = [q.year for _p, q in owed]
    history = list(
        Worksheet.objects.filter(
            practice_id__in=owing, quarter__year__gte=min(years) - 1, quarter__year__lte=max(years)
        ).values_list("pk", "practice_id", "quarter__year", "quarter__number", "status")
    )
    lines: dict[int, dict[int, Line]] = defaultdict(dict)
    for row in WorksheetLine.objects.filter(worksheet_id__in=[w[0] for w in history]).values(
        "worksheet_id", "care_home_id", "opening", "new_permanent", "temporary", "moved_out", "died"
    ):
        worksheet, home = row.pop("worksheet_id"), row.pop("care_home_id")
        lines[worksheet][home] = Line(**row)
    worksheets: dict[int, list[schemes.WorksheetFigures]] = defaultdict(list)
    for pk, practice_id, year, number, status in history:
        worksheets[practice_id].append(
            schemes.WorksheetFigures(
                period=Period(year, number),
                rejected=status == S.REJECTED,
                lines=lines.get(pk, {}),
            )
        )
    tariffs = [(t.year, t.rates) for t in Tariff.objects.all()]

    found = []
    for practice_id, quarter in owed:
        period = quarter.period
        earlier = [w for w in worksheets[practice_id] if w.period < period]
        basis = schemes.practice_basis(earlier, period.year)
        rates = rates_in(tariffs, period.year)
        if rates is None:
            amount, text = 0, f"No tariff covers {period.financial_year}: not estimated"
        else:
            payment = estimate(basis, rates=rates, due_date=quarter.due_date, day=day, bands=bands)
            if payment is None:
                amount = 0
                text = (
                    f"No worksheet in {Period(period.year - 1, 1).financial_year} or "
                    f"{period.financial_year} to estimate from: not estimated"
                )
            else:
                amount, text = payment.net, _estimate_text(basis, rates, payment, day)
        found.append((NOT_SUBMITTED, practice_id, period, "Not submitted", amount, text))
    return found


def _estimate_text(basis: schemes.Basis, rates: Rates, payment: Payment, day: datetime.date) -> str:
    patients = sum(basis.projection.values())
    text = (
        f"{patients} patient{'s' if patients != 1 else ''} (the closing figures of the "
        f"{basis.projected_from.label} worksheet) × {money(rates.continuing)}, the continuing rate"
    )
    if payment.deduction:
        text += (
            f", less {payment.deduction_percent.normalize():f}% ({money(payment.deduction)}) as if "
            f"submitted on {day_text(day + datetime.timedelta(days=1))}, {payment.days_late} "
            f"day{'s' if payment.days_late != 1 else ''} late"
        )
    return text


def accruals_at(scope: Scope, day: datetime.date) -> Accruals:
    """The accrual at the close of ``day`` for the practices in ``scope``."""
    found = _claim_lines(scope, day) + _estimate_lines(scope, day)
    practices = {
        p.pk: p for p in Practice.objects.visible_to(scope).filter(pk__in={row[1] for row in found})
    } if found else {}  # fmt: skip
    return Accruals(
        day=day,
        lines=[
            AccrualLine(
                category=category,
                practice=practices[practice_id],
                period=period,
                status=status,
                amount=amount,
                basis=basis,
            )
            for category, practice_id, period, status, amount, basis in found
        ],
    )
