"""Reads for the cross-practice checks: the worksheets of a quarter and of the quarter before, as
the user's scope sees them, turned into the pure facts of ``reports/checks.py`` and checked there.

A fixed number of queries whatever the number of practices, homes or flags: the quarters offered
(one), the thresholds (one), the two quarters' worksheets (one) and their lines with their homes
(one)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from claims.models import Worksheet, WorksheetLine
from core.periods import Period
from reports import checks
from reports.models import CheckThresholds


def counted_worksheets(scope):
    """The claims the checks read: every worksheet in scope except a rejected one, which is no
    claim at all (docs/adr/0015). A queried worksheet still counts: its figures are the practice's
    claim until it is resubmitted."""
    return Worksheet.objects.visible_to(scope).exclude(status=Worksheet.Status.REJECTED)


def quarters_with_worksheets(scope) -> list[Period]:
    """The quarters that have a counted worksheet in scope, latest first (one query)."""
    rows = (
        counted_worksheets(scope)
        .order_by("-quarter__year", "-quarter__number")
        .values_list("quarter__year", "quarter__number")
        .distinct()
    )
    return [Period(year, number) for year, number in rows]


def thresholds_in_force() -> checks.Thresholds:
    row = CheckThresholds.current()
    return checks.Thresholds(jump_percent=row.jump_percent, jump_min_patients=row.jump_min_patients)


def quarter_figures(scope, periods: list[Period]) -> dict[Period, checks.QuarterFigures]:
    """Each period's counted worksheets in scope with their lines (two queries for any number)."""
    which = Q(pk__in=[])
    for period in periods:
        which |= Q(quarter__year=period.year, quarter__number=period.quarter)
    worksheets = (
        counted_worksheets(scope)
        .filter(which)
        .order_by("practice__ods_code")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=WorksheetLine.objects.select_related("care_home").order_by(
                    "care_home__name", "care_home_id"
                ),
            )
        )
    )
    homes: dict[int, checks.Home] = {}
    found: dict[Period, list[checks.PracticeQuarter]] = {period: [] for period in periods}
    for worksheet in worksheets:
        practice = worksheet.practice
        lines = []
        for line in worksheet.lines.all():
            home = homes.setdefault(
                line.care_home_id,
                checks.Home(
                    id=line.care_home_id, name=line.care_home.name, beds=line.care_home.beds
                ),
            )
            lines.append(
                checks.LineFigures(
                    home=home,
                    opening=line.opening,
                    new_permanent=line.new_permanent,
                    temporary=line.temporary,
                    moved_out=line.moved_out,
                    died=line.died,
                )
            )
        found[worksheet.quarter.period].append(
            checks.PracticeQuarter(
                practice=checks.PracticeRef(practice.pk, practice.ods_code, practice.name),
                worksheet_id=worksheet.pk,
                lines=tuple(lines),
            )
        )
    return {period: checks.QuarterFigures(period, tuple(found[period])) for period in periods}


@dataclass(frozen=True)
class CheckResult:
    """The checks of one quarter against the quarter before, for one user's scope."""

    period: Period
    previous: Period
    thresholds: checks.Thresholds
    flags: tuple[checks.Flag, ...]

    def by_kind(self) -> list[tuple[checks.Kind, list[checks.Flag]]]:
        """Every kind, in order, with its flags (an empty list when none was raised)."""
        return [(kind, [f for f in self.flags if f.kind == kind]) for kind in checks.Kind]


def check_quarter(scope, period: Period) -> CheckResult:
    """Run every check on ``period`` with the thresholds in force."""
    previous = period.previous()
    thresholds = thresholds_in_force()
    figures = quarter_figures(scope, [period, previous])
    return CheckResult(
        period=period,
        previous=previous,
        thresholds=thresholds,
        flags=tuple(checks.run_checks(figures[period], figures[previous], thresholds)),
    )
