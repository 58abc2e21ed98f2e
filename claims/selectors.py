"""Reads shared by the worksheet pages, the imports and the exports."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from carehomes.models import Alignment, CareHome
from claims.models import LatenessBand, Quarter, Tariff, Worksheet, WorksheetLine
from claims.rules import DEFAULT_BANDS, Band, Rates
from practices.models import Agreement, Practice


def rates_for(quarter: Quarter) -> Rates:
    """The tariff of the quarter's financial year: its own row, else the most recent earlier one."""
    tariff = Tariff.objects.filter(year__lte=quarter.year).order_by("-year").first()
    if tariff is None:
        raise LookupError(
            f"No tariff covers {quarter.period.financial_year}: an officer must set one."
        )
    return tariff.rates


def bands() -> tuple[Band, ...]:
    rows = tuple(row.band for row in LatenessBand.objects.order_by("min_days"))
    return rows or DEFAULT_BANDS


def agreements_in_force(quarter: Quarter):
    """Agreements in force on any day of the quarter: no claim for a quarter that starts after the end."""
    return Agreement.objects.filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=quarter.last_day)
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=quarter.first_day))


def eligible_homes(practice: Practice, quarter: Quarter):
    """Every elderly or EMI home aligned with the practice on any day of the quarter."""
    aligned = Alignment.objects.covering(quarter.first_day, quarter.last_day).filter(
        practice=practice
    )
    return (
        CareHome.objects.eligible().filter(pk__in=aligned.values("care_home_id")).order_by("name")
    )


def practices_expected(quarter: Quarter):
    """Practices that owe a worksheet for the quarter: an agreement in force and an eligible aligned home."""
    aligned = Alignment.objects.covering(quarter.first_day, quarter.last_day).filter(
        care_home__in=CareHome.objects.eligible()
    )
    return Practice.objects.filter(
        pk__in=aligned.values("practice_id"),
    ).filter(pk__in=agreements_in_force(quarter).values("practice_id"))


def previous_quarter(quarter: Quarter) -> Quarter:
    """The quarter before, as stored, or unsaved with its default due date if nobody has opened it."""
    previous = quarter.period.previous()
    return Quarter.objects.filter(year=previous.year, number=previous.quarter).first() or Quarter(
        year=previous.year, number=previous.quarter, due_date=previous.default_due_date
    )


@dataclass(frozen=True)
class Opening:
    """What a line's opening will be: carried forward from ``carried_from`` or a baseline to enter."""

    care_home: CareHome
    carried_from: WorksheetLine | None

    @property
    def value(self) -> int | None:
        return self.carried_from.closing if self.carried_from else None

    @property
    def is_baseline(self) -> bool:
        return self.carried_from is None


def openings(practice: Practice, quarter: Quarter) -> list[Opening]:
    """One per eligible aligned home, with the previous quarter's line for the same practice and home
    where there is one (two queries, whatever the number of homes)."""
    homes = list(eligible_homes(practice, quarter))
    previous = quarter.period.previous()
    carried = {
        line.care_home_id: line
        for line in WorksheetLine.objects.filter(
            worksheet__practice=practice,
            worksheet__quarter__year=previous.year,
            worksheet__quarter__number=previous.quarter,
            care_home__in=homes,
        )
    }
    return [Opening(home, carried.get(home.pk)) for home in homes]


def missing_predecessor(practice: Practice, quarter: Quarter) -> Quarter | None:
    """The gap rule (SPEC §4): the previous quarter, if the practice owed a worksheet for it, has
    submitted worksheets before it, and has not submitted it. ``None`` when nothing blocks."""
    previous = previous_quarter(quarter)
    has_history = Worksheet.objects.filter(practice=practice).filter(
        Q(quarter__year__lt=quarter.year)
        | Q(quarter__year=quarter.year, quarter__number__lt=quarter.number)
    )
    if not has_history.exists():
        return None  # the start of the practice's chain: its first worksheet takes baselines
    if Worksheet.objects.filter(
        practice=practice, quarter__year=previous.year, quarter__number=previous.number
    ).exists():
        return None
    if not practices_expected(previous).filter(pk=practice.pk).exists():
        return None
    return previous
