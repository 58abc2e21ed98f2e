"""The cross-practice checks: figures that look wrong only when the practices' worksheets are read
together, or beside the quarter before. Pure: no ORM, no request (``reports/check_data.py`` reads
the worksheets and runs these rules; docs/adr/0015).

Three rules, each returning :class:`Flag`\\ s with a plain-English message that carries the numbers:

1. :func:`more_patients_than_beds`: a home whose practices together reported more patients at the
   end of the quarter (the sum of their lines' closing figures) than the home has registered beds.
2. :func:`jumps`: a practice whose patients claimed (opening + new permanent + temporary, over all
   its lines) changed from its previous quarter by at least the threshold percentage *and* at least
   the threshold number of patients, up or down.
3. :func:`openings_falling`: a home whose practices' openings fell from the previous quarter
   although nobody moved out or died in that quarter: patients carried forward cannot shrink
   without a leaver, so an opening was corrected, re-entered or dropped.

Counts are whole numbers and percentages exact :class:`~decimal.Decimal`\\ s: a jump of exactly the
threshold is a jump.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from claims.rules import Line
from core.money import round_half_up
from core.periods import Period

# -- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    id: int
    name: str
    beds: int


@dataclass(frozen=True)
class PracticeRef:
    id: int
    ods_code: str
    name: str


@dataclass(frozen=True)
class LineFigures:
    """One home's figures on one practice's worksheet."""

    home: Home
    opening: int
    new_permanent: int
    temporary: int
    moved_out: int
    died: int

    @property
    def closing(self) -> int:
        """``claims.rules.Line.closing``, the one rule: temporary patients are not carried forward."""
        return Line(
            self.opening, self.new_permanent, self.temporary, self.moved_out, self.died
        ).closing

    @property
    def claimed(self) -> int:
        """The patients the line is paid for: opening, new permanent and temporary."""
        return self.opening + self.new_permanent + self.temporary

    @property
    def leavers(self) -> int:
        return self.moved_out + self.died


@dataclass(frozen=True)
class PracticeQuarter:
    """A practice's worksheet (its claim) for a quarter, with its lines."""

    practice: PracticeRef
    worksheet_id: int
    lines: tuple[LineFigures, ...]

    @property
    def claimed(self) -> int:
        return sum(line.claimed for line in self.lines)


@dataclass(frozen=True)
class QuarterFigures:
    """Every worksheet that counts in a quarter (docs/adr/0015: any not rejected)."""

    period: Period
    worksheets: tuple[PracticeQuarter, ...] = ()

    def by_practice(self) -> dict[int, PracticeQuarter]:
        return {w.practice.id: w for w in self.worksheets}

    def lines_by_home(self) -> dict[int, list[tuple[PracticeQuarter, LineFigures]]]:
        """Each home's lines (keyed by the home's id), with the worksheet each is on."""
        homes: dict[int, list[tuple[PracticeQuarter, LineFigures]]] = defaultdict(list)
        for worksheet in self.worksheets:
            for line in worksheet.lines:
                homes[line.home.id].append((worksheet, line))
        return homes


@dataclass(frozen=True)
class Thresholds:
    """When a change is a jump (``reports.models.CheckThresholds``, kept by officers)."""

    jump_percent: Decimal
    jump_min_patients: int


# -- the flags ------------------------------------------------------------------------------------


class Kind(enum.StrEnum):
    MORE_PATIENTS_THAN_BEDS = "beds"
    JUMP = "jump"
    OPENINGS_FELL = "openings"

    @property
    def title(self) -> str:
        return _TITLES[self]

    def count_label(self, count: int) -> str:
        """``2 homes with more patients than beds``."""
        singular, plural, rest = _COUNTED[self]
        return f"{count} {singular if count == 1 else plural} {rest}"


_TITLES = {
    Kind.MORE_PATIENTS_THAN_BEDS: "More patients than beds",
    Kind.JUMP: "Figures that jumped from the quarter before",
    Kind.OPENINGS_FELL: "Openings that fell when nobody left",
}
_COUNTED = {
    Kind.MORE_PATIENTS_THAN_BEDS: ("home", "homes", "with more patients than beds"),
    Kind.JUMP: ("practice", "practices", "whose patients claimed jumped"),
    Kind.OPENINGS_FELL: ("home", "homes", "whose openings fell although nobody left"),
}


@dataclass(frozen=True)
class ClaimRef:
    """A practice's claim a flag points at: the worksheet of the quarter checked."""

    practice: PracticeRef
    worksheet_id: int


@dataclass(frozen=True)
class Flag:
    kind: Kind
    period: Period
    claims: tuple[ClaimRef, ...]
    message: str
    home: Home | None = None

    @property
    def practices(self) -> tuple[PracticeRef, ...]:
        return tuple(claim.practice for claim in self.claims)


def _patients(count: int) -> str:
    return f"{count} patient" if count == 1 else f"{count} patients"


def _by_home_name(groups):
    return sorted(groups, key=lambda lines: (lines[0][1].home.name, lines[0][1].home.id))


def _by_ods(pairs: Iterable[tuple[PracticeQuarter, int]]) -> list[tuple[PracticeQuarter, int]]:
    return sorted(pairs, key=lambda pair: pair[0].practice.ods_code)


# -- 1. more patients than beds -------------------------------------------------------------------


def more_patients_than_beds(quarter: QuarterFigures) -> list[Flag]:
    """One flag per home whose practices' closing figures add up to more than its registered beds."""
    flags = []
    for lines in _by_home_name(quarter.lines_by_home().values()):
        home = lines[0][1].home
        closings = _by_ods((worksheet, line.closing) for worksheet, line in lines)
        total = sum(closing for _w, closing in closings)
        if total <= home.beds:
            continue
        who = "practice" if len(closings) == 1 else "practices"
        detail = ", ".join(f"{w.practice.ods_code}: {closing}" for w, closing in closings)
        flags.append(
            Flag(
                kind=Kind.MORE_PATIENTS_THAN_BEDS,
                period=quarter.period,
                home=home,
                claims=tuple(ClaimRef(w.practice, w.worksheet_id) for w, _c in closings),
                message=(
                    f"{home.name} has {home.beds} registered beds but its {who} reported "
                    f"{_patients(total)} at the end of {quarter.period.label} ({detail})"
                ),
            )
        )
    return flags


# -- 2. jumps -------------------------------------------------------------------------------------


def is_jump(previous: int, current: int, thresholds: Thresholds) -> bool:
    """At least ``jump_percent`` per cent of the previous figure and at least ``jump_min_patients``
    patients, either way. From 0, any change of at least the minimum is a jump."""
    change = abs(current - previous)
    percent = Decimal(str(thresholds.jump_percent))
    return (
        change > 0
        and change >= thresholds.jump_min_patients
        and Decimal(change) * 100 >= percent * previous
    )


def percent_change(previous: int, current: int) -> Decimal | None:
    """The change as a percentage of ``previous``, half-up to 0.1; ``None`` from 0."""
    if previous == 0:
        return None
    return round_half_up(Fraction(current - previous, previous) * 100, 1)


def jumps(quarter: QuarterFigures, previous: QuarterFigures, thresholds: Thresholds) -> list[Flag]:
    """One flag per practice whose patients claimed jumped from its previous quarter's worksheet. A
    practice with no worksheet in the previous quarter has nothing to jump from."""
    before = previous.by_practice()
    flags = []
    for worksheet in sorted(quarter.worksheets, key=lambda w: w.practice.ods_code):
        earlier = before.get(worksheet.practice.id)
        if earlier is None:
            continue
        was, now = earlier.claimed, worksheet.claimed
        if not is_jump(was, now, thresholds):
            continue
        direction = "up" if now > was else "down"
        percent = percent_change(was, now)
        by = _patients(abs(now - was)) + (f" ({abs(percent)}%)" if percent is not None else "")
        practice = worksheet.practice
        flags.append(
            Flag(
                kind=Kind.JUMP,
                period=quarter.period,
                claims=(ClaimRef(practice, worksheet.worksheet_id),),
                message=(
                    f"{practice.name} ({practice.ods_code}) claimed for {_patients(now)} in "
                    f"{quarter.period.label}, {direction} {by} from {was} in "
                    f"{previous.period.label}"
                ),
            )
        )
    return flags


# -- 3. openings falling when nobody left ---------------------------------------------------------


def openings_falling(quarter: QuarterFigures, previous: QuarterFigures) -> list[Flag]:
    """One flag per home whose openings fell from the previous quarter's although that quarter
    reported no leavers there (moved out + died = 0 across all its practices' lines).

    Like is compared with like: a practice that has not (yet) sent a worksheet for the quarter, or
    whose worksheet was rejected, is left out of both quarters' totals, so a quarter still being
    submitted is not flagged everywhere. A practice that did send one without a line for the home
    counts as 0 there: its patients were dropped, not reported as leaving (docs/adr/0015)."""
    reporting = quarter.by_practice()
    now_by_home = quarter.lines_by_home()
    before_by_home = previous.lines_by_home()
    flags = []
    # Only a home with lines in the previous quarter can have openings that fell.
    for before_lines in _by_home_name(before_by_home.values()):
        home = before_lines[0][1].home
        if any(line.leavers for _w, line in before_lines):
            continue
        was = {
            w.practice.id: line.opening for w, line in before_lines if w.practice.id in reporting
        }
        now = {w.practice.id: line.opening for w, line in now_by_home.get(home.id, [])}
        total_was, total_now = sum(was.values()), sum(now.values())
        if total_now >= total_was:
            continue
        fell = _by_ods(
            (reporting[practice_id], opening)
            for practice_id, opening in was.items()
            if now.get(practice_id, 0) < opening
        )
        detail = ", ".join(
            f"{w.practice.ods_code}: {opening} → {now.get(w.practice.id, 0)}" for w, opening in fell
        )
        flags.append(
            Flag(
                kind=Kind.OPENINGS_FELL,
                period=quarter.period,
                home=home,
                claims=tuple(ClaimRef(w.practice, w.worksheet_id) for w, _o in fell),
                message=(
                    f"{home.name} opened {quarter.period.label} with {_patients(total_now)}, down "
                    f"from {total_was} at the start of {previous.period.label}, although nobody "
                    f"moved out or died in {previous.period.label} ({detail})"
                ),
            )
        )
    return flags


def run_checks(
    quarter: QuarterFigures, previous: QuarterFigures, thresholds: Thresholds
) -> list[Flag]:
    """Every flag of the quarter, grouped by kind in :class:`Kind` order."""
    return [
        *more_patients_than_beds(quarter),
        *jumps(quarter, previous, thresholds),
        *openings_falling(quarter, previous),
    ]
