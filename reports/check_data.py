"""Reads for the cross-practice checks: the worksheets of a quarter and of the quarter before, as
the user's scope sees them, turned into the pure facts of ``reports/checks.py`` and checked there.

A fixed number of queries whatever the number of practices, homes or flags: the quarters offered
(one), the thresholds (one), the two quarters' worksheets (one) and their lines with their homes
(one)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from claims.models import Worksheet, WorksheetLine
from claims.selectors import quarters_with
from core.periods import Period
from reports import checks
from reports.models import CheckThresholds


def counted_worksheets(scope):
    """The claims the checks read: every worksheet in scope except a rejected one, which is no
    claim at all (docs/adr/0015). A queried worksheet still counts: its figures are the practice's
    claim until it is resubmitted."""
    return Worksheet.objects.visible_to(scope).exclude(status=Worksheet.Status.REJECTED)


def quarters_with_worksheets(scope) -> list[Period]:
    """The quarters that have a counted worksheet in scope, latest first (one query: an EXISTS per
    quarter of the scheme, not a read of the scope's history)."""
    return [q.period for q in quarters_with(counted_worksheets(scope))]


def thresholds_in_force() -> checks.Thresholds:
    row = CheckThresholds.current()
    return checks.Thresholds(jump_percent=row.jump_percent, jump_min_patients=row.jump_min_patients)


def quarter_figures(scope, periods: list[Period]) -> dict[Period, checks.QuarterFigures]:
    """Each period's counted worksheets in scope with their lines (two queries for any number),
    read as tuples: a commissioner's quarter is thousands of lines (issue 18)."""
    which = Q(pk__in=[])
    for period in periods:
        which |= Q(quarter__year=period.year, quarter__number=period.quarter)
    worksheets = list(
        counted_worksheets(scope)
        .filter(which)
        .order_by("practice__ods_code", "pk")
        .values_list(
            "pk", "practice_id", "practice__ods_code", "practice__name",
            "quarter__year", "quarter__number",
        )
    )  # fmt: skip
    lines_of: dict[int, list[checks.LineFigures]] = {pk: [] for pk, *_ in worksheets}
    homes: dict[int, checks.Home] = {}
    rows = (
        WorksheetLine.objects.filter(worksheet_id__in=list(lines_of))
        .order_by("care_home__name", "care_home_id")
        .values_list(
            "worksheet_id", "care_home_id", "care_home__name", "care_home__beds",
            "opening", "new_permanent", "temporary", "moved_out", "died",
        )
    )  # fmt: skip
    for worksheet_id, home_id, name, beds, opening, new, temporary, moved, died in rows:
        home = homes.get(home_id)
        if home is None:
            home = homes[home_id] = checks.Home(id=home_id, name=name, beds=beds)
        lines_of[worksheet_id].append(
            checks.LineFigures(
                home=home,
                opening=opening,
                new_permanent=new,
                temporary=temporary,
                moved_out=moved,
                died=died,
            )
        )
    found: dict[Period, list[checks.PracticeQuarter]] = {period: [] for period in periods}
    for pk, practice_id, ods_code, name, year, number in worksheets:
        found[Period(year, number)].append(
            checks.PracticeQuarter(
                practice=checks.PracticeRef(practice_id, ods_code, name),
                worksheet_id=pk,
                lines=tuple(lines_of[pk]),
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
