"""The worksheets file (SPEC section 10): a commissioner's bulk load of quarterly worksheets, say from
the spreadsheets kept before this service. The rows of one practice and quarter form one worksheet.

Every worksheet is submitted through :func:`claims.worksheets.services.worksheet_submit`, the path of the web
form and the practice's upload, so the same figures give the same lines and the same payment.
Because a worksheet can carry forward from one earlier in the same file, checking the file means
submitting it: :meth:`WorksheetsImporter.plan` submits every worksheet in quarter order inside a
savepoint and maps the service's problems back to rows and columns. The savepoint is rolled back
(a preview, a dry run, a file with problems) and each change's ``write`` submits the worksheet
again when the plan is applied, except from the command line, where ``import_file`` applies the plan
in the transaction that made it (:class:`SubmitOnceContext`): the submissions are then kept, so a
national quarter is submitted once, not twice. While checking, each worksheet goes through every
rule of ``worksheet_submit`` in turn, but the writes wait in a :class:`SubmissionBatch` and go to
the database one insert per table and quarter of the file (ADR 0046).

Decided here (SPEC §10 is silent):

- A worksheet already submitted is unchanged when the file has the same homes, the same counts and
  the same first submission moment; a blank ``opening`` matches whatever was recorded. Any other
  difference is a problem on the cell that differs: amendments go through the web app.
- ``submitted_at`` without an offset is UK time; a date alone is midnight (an ``.xlsx`` date cell at
  midnight arrives so). It may not be in the future nor before its quarter began, and the rows of one
  worksheet must agree on it.
- Problems that only follow from one already listed (a home whose row has a bad figure has no line;
  a quarter whose previous quarter in the file was refused has nothing to carry forward from) are
  left out, so the list starts from the causes.
- The beds warning is taken as confirmed (ADR 0005).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carehomes.models import CareHome
from claims import rules, selectors
from claims.models import Quarter, Worksheet
from claims.worksheets.services import (
    LineEntry,
    Problem,
    SubmissionBatch,
    WorksheetRefused,
    quarter_for,
    worksheet_submit,
)
from core.formatting import money
from core.identifiers import validate_cqc_location_id, validate_practice_ods
from core.periods import LONDON, Period
from core.tabular import Row, RowProblem
from importing.base import Action, Cells, Change, ImportContext, Importer, ParsedRow, Plan
from practices.models import Practice

COUNTS = ("new_permanent", "temporary", "moved_out", "died", "in_other_home")
FIGURES = ("opening", *COUNTS)
AMEND = "amendments go through the web app."


@dataclass(frozen=True)
class WorksheetRow(ParsedRow):
    practice_ods: str
    period: Period | None
    cqc_location_id: str
    opening: int | None  # blank: carried forward (only a pair's first quarter needs it)
    new_permanent: int | None
    temporary: int | None
    moved_out: int | None
    died: int | None
    in_other_home: int | None
    submitted_at: datetime.datetime | None  # aware

    @property
    def figures_valid(self) -> bool:
        return self.valid(*FIGURES)

    def entry(self) -> LineEntry:
        # The historical figures were agreed at the time: a closing above the home's registered beds
        # is taken as confirmed (ADR 0005), as a practice would confirm it on the web form.
        return LineEntry(
            opening=self.opening,
            **{name: getattr(self, name) for name in COUNTS},
            beds_warning_confirmed=True,
        )


@dataclass
class _Sheet:
    """The rows of one practice and quarter: one worksheet."""

    practice: Practice
    period: Period
    first_row: int  # where problems of the worksheet as a whole are reported
    lines: dict[int, tuple[WorksheetRow, CareHome]] = field(default_factory=dict)  # by home pk
    broken_homes: set[int] = field(default_factory=set)  # homes whose row has a bad figure
    incomplete: bool = False  # some row of it could not be read
    submitted_at: datetime.datetime | None = None
    submitted_row: int | None = None

    @property
    def key(self) -> str:
        return f"{self.practice.ods_code} {self.period.label}"

    def entries(self) -> dict[int, LineEntry]:
        return {pk: row.entry() for pk, (row, _home) in self.lines.items() if row.figures_valid}


@dataclass(frozen=True)
class SubmitOnceContext(ImportContext):
    """The command line's context when it imports for real: ``import_file`` applies the plan in the
    transaction that made it, so the worksheets submitted while checking the file are kept and
    applying them writes nothing more (a national quarter is submitted once, not twice). Any
    problem, or any failure before the import's transaction commits, still undoes all of it."""

    submit_once: bool = True


class WorksheetsImporter(Importer):
    """Submitted worksheets, one row per practice, quarter and home. The practices and homes must be
    registered; through the web, the practice must be one of the officer's commissioner."""

    kind = "worksheets"
    label = "Worksheets"
    noun = "worksheet"
    columns = (
        "practice_ods",
        "quarter",
        "cqc_location_id",
        "opening",
        "new_permanent",
        "temporary",
        "moved_out",
        "died",
        "in_other_home",
        "submitted_at",
    )
    help_text = (
        "One row per practice, quarter (2019/20 Q2) and home; a practice's rows for a quarter are "
        "its worksheet, with a row for every eligible home aligned with it. opening may be blank "
        "where it carries forward from the previous quarter. submitted_at is the date and time of "
        "submission (ISO 8601; UK time unless an offset is given). Worksheets already submitted are "
        "not changed: amendments are made in the web app."
    )

    def plan(self, rows: list[Row], *, context: ImportContext) -> Plan:
        problems: list[RowProblem] = []
        now = timezone.now()
        parsed = [self._parse(row, problems, now) for row in rows]
        visible = (
            Practice.objects.visible_to(context.scope)
            if context.is_scoped
            else Practice.objects.all()
        )
        practices = {
            p.ods_code: p
            for p in visible.filter(
                ods_code__in={p.practice_ods for p in parsed if p.valid("practice_ods")}
            )
        }
        homes = {
            h.cqc_location_id: h
            for h in CareHome.objects.filter(
                cqc_location_id__in={
                    p.cqc_location_id for p in parsed if p.valid("cqc_location_id")
                }
            )
        }
        sheets = self._sheets(parsed, practices, homes, context, problems)
        plan = Plan(self.noun)
        self._submit_all(sheets, _existing(sheets), context, plan, problems)
        if problems:
            return Plan(self.noun, problems=problems)
        return plan

    # -- reading a row ------------------------------------------------------------------------

    def _parse(self, row: Row, problems: list[RowProblem], now) -> WorksheetRow:
        cells = Cells(row, problems)
        practice_ods = cells.identifier("practice_ods", validate_practice_ods)
        period = _period(cells)
        cqc_location_id = cells.identifier("cqc_location_id", validate_cqc_location_id)
        # The web form's and the upload's limit (rules.MAX_COUNT): a payment too large to store stays out.
        opening = (
            cells.whole_number("opening", minimum=0, maximum=rules.MAX_COUNT)
            if row["opening"]
            else None
        )
        counts = {
            name: cells.whole_number(name, minimum=0, maximum=rules.MAX_COUNT) for name in COUNTS
        }
        submitted_at = _moment(cells, period, now)
        return WorksheetRow(
            row=row,
            practice_ods=practice_ods,
            period=period,
            cqc_location_id=cqc_location_id,
            opening=opening,
            **counts,
            submitted_at=submitted_at,
            failed=frozenset(cells.failed),  # last: after every cell is read
        )

    # -- rows into worksheets -----------------------------------------------------------------

    def _sheets(self, parsed, practices, homes, context, problems) -> list[_Sheet]:
        """The file's worksheets in the order they are submitted: quarter, then practice."""
        sheets: dict[tuple[Period, str], _Sheet] = {}
        for p in parsed:
            practice = practices.get(p.practice_ods) if p.valid("practice_ods") else None
            home = homes.get(p.cqc_location_id) if p.valid("cqc_location_id") else None
            if p.valid("practice_ods") and practice is None:
                where = "in your commissioner's registry" if context.is_scoped else "registered"
                problems.append(
                    RowProblem(
                        p.row.number,
                        "practice_ods",
                        f"no practice {p.practice_ods} is {where}: import the practices file first.",
                    )
                )
            if p.valid("cqc_location_id") and home is None:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "cqc_location_id",
                        f"no care home {p.cqc_location_id} is registered: import the care homes file first.",
                    )
                )
            if practice is None or p.period is None:
                continue  # its worksheet cannot be told; the problem is reported already
            sheet = sheets.setdefault(
                (p.period, practice.ods_code), _Sheet(practice, p.period, p.row.number)
            )
            if home is None:
                sheet.incomplete = True
                continue
            if home.pk in sheet.lines:
                earlier = sheet.lines[home.pk][0].row.number
                problems.append(
                    RowProblem(
                        p.row.number,
                        "cqc_location_id",
                        f"{home.cqc_location_id} is already on row {earlier} for {sheet.key}: "
                        "a worksheet has one line per home.",
                    )
                )
                continue
            sheet.lines[home.pk] = (p, home)
            if not p.figures_valid:
                sheet.broken_homes.add(home.pk)
            if not p.valid("submitted_at"):
                sheet.incomplete = True
            elif sheet.submitted_at is None:
                sheet.submitted_at, sheet.submitted_row = p.submitted_at, p.row.number
            elif p.submitted_at != sheet.submitted_at:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "submitted_at",
                        f"{_london(p.submitted_at)} differs from {_london(sheet.submitted_at)} on "
                        f"row {sheet.submitted_row}: a worksheet ({sheet.key}) is submitted once.",
                    )
                )
        return [sheets[key] for key in sorted(sheets)]

    # -- submitting ---------------------------------------------------------------------------

    def _submit_all(self, sheets, existing, context, plan: Plan, problems) -> None:
        """Submit every worksheet in order in a savepoint, so that later worksheets carry forward
        from earlier ones exactly as they will when applied. The savepoint is rolled back, unless
        the caller applies the plan straight after in the same transaction (``submit_once``) and
        nothing was wrong: the submissions made are then the import's."""
        keep = getattr(context, "submit_once", False)
        by = context.scope.user if context.is_scoped else None
        periods = {s.period for s in sheets}
        known_quarters = {q.period for q in Quarter.objects.filter(_periods_q(periods, prefix=""))}
        quarters: dict[Period, Quarter] = {}
        facts: dict[Period, selectors.QuarterFacts] = {}
        failed: dict[tuple[int, Period], set[int]] = {}  # worksheets refused: their homes
        untariffed: set[int] = set()  # financial years no tariff covers
        worksheets: list[Change] = []
        # Checked one by one, written together: each quarter's worksheets, lines and history rows
        # go in one insert each, before the next quarter's facts are read (they carry forward).
        batch = SubmissionBatch()
        with transaction.atomic():
            for sheet in sheets:
                stored = existing.get((sheet.practice.pk, sheet.period))
                if stored is not None:
                    differences = _differences(sheet, stored)
                    problems.extend(differences)
                    if not differences:
                        worksheets.append(
                            Change(
                                Action.UNCHANGED,
                                "worksheet",
                                sheet.key,
                                _describe(stored, len(stored.lines.all())),
                            )
                        )
                    continue
                if sheet.submitted_at is None:  # its rows' submitted_at are all reported wrong
                    failed[(sheet.practice.pk, sheet.period)] = set(sheet.lines)
                    continue
                if sheet.period not in quarters:
                    batch.flush()
                    quarters[sheet.period] = quarter_for(sheet.period)
                    # Read the quarter once for all its practices, after every earlier quarter of
                    # the file is in: carry-forward and the gap rule see them.
                    facts[sheet.period] = selectors.quarter_facts(
                        quarters[sheet.period],
                        [s.practice.pk for s in sheets if s.period == sheet.period],
                        lock=True,
                    )
                entries = sheet.entries()
                try:
                    worksheet = worksheet_submit(
                        practice=sheet.practice,
                        quarter=quarters[sheet.period],
                        entries=entries,
                        by=by,
                        submitted_at=sheet.submitted_at,
                        facts=facts[sheet.period],
                        batch=batch,
                    )
                except WorksheetRefused as refused:
                    previous = failed.get((sheet.practice.pk, sheet.period.previous()))
                    problems.extend(
                        _row_problem(problem, sheet)
                        for problem in refused.problems
                        if not _knock_on(problem, sheet, entries, previous)
                    )
                    failed[(sheet.practice.pk, sheet.period)] = set(sheet.lines)
                    continue
                except LookupError as missing:  # no tariff covers the quarter's year
                    if sheet.period.year not in untariffed:  # said once, not per worksheet
                        untariffed.add(sheet.period.year)
                        problems.append(RowProblem(sheet.first_row, "quarter", str(missing)))
                    failed[(sheet.practice.pk, sheet.period)] = set(sheet.lines)
                    continue
                if sheet.incomplete or sheet.broken_homes:
                    continue  # its rows' problems are reported; it stands in for later quarters
                worksheets.append(
                    Change(
                        Action.CREATE,
                        "worksheet",
                        sheet.key,
                        _describe(worksheet, len(entries)),
                        write=(lambda w=worksheet: w) if keep else _submitter(sheet, entries, by),
                    )
                )
            # The file's last quarter, even when rolled back: a preview or dry run meets the
            # database's constraints as the import will.
            batch.flush()
            if problems or not keep:
                transaction.set_rollback(True)
        for period in sorted(periods - known_quarters):
            plan.changes.append(
                Change(
                    Action.CREATE,
                    "quarter",
                    period.label,
                    f"due {period.default_due_date:%-d %B %Y} (the default)",
                    write=lambda period=period: quarter_for(period),
                )
            )
        plan.changes.extend(worksheets)

    def plan_file(self, content: bytes, filename: str, *, context: ImportContext) -> Plan:
        # Problems with the file as a whole (a value beyond the header's columns) join the plan
        # after :meth:`plan`: submissions kept for ``submit_once`` must not outlive them.
        with transaction.atomic():
            plan = super().plan_file(content, filename, context=context)
            if not plan.ok:
                transaction.set_rollback(True)
        return plan

    def apply(self, plan: Plan, *, by, batch) -> None:
        """Submit for real. The plan was made in this transaction (or, through the web, re-made on
        confirming), so a refusal here means the registry changed in between; the base ``apply``'s
        transaction is then rolled back and nothing is kept."""
        try:
            super().apply(plan, by=by, batch=batch)
        except WorksheetRefused as refused:
            plan.problems.append(
                RowProblem(
                    None,
                    "",
                    "The registry changed while this file was being imported, so nothing was "
                    f"imported ({refused}): try again.",
                )
            )
            plan.changes = []


# -- cells --------------------------------------------------------------------------------------


def _period(cells: Cells) -> Period | None:
    period = _read_period(cells.row["quarter"])
    if isinstance(period, str):
        cells.problem("quarter", period)
        return None
    return period


def _moment(cells: Cells, period: Period | None, now: datetime.datetime):
    """ISO 8601; without an offset, the time in the UK (Europe/London), as the spreadsheets kept it.
    A date alone is midnight (an .xlsx cell holding a date at midnight arrives as a date)."""
    moment = _read_moment(cells.row["submitted_at"], period, now)
    if isinstance(moment, str):
        cells.problem("submitted_at", moment)
        return None
    return moment


# A file repeats its quarters and submission moments on every row (a national quarter: one
# quarter and a few moments over 20,000 rows), so each text is read once; a cell's problem is
# still reported on every row that has it.


@functools.lru_cache(maxsize=256)
def _read_period(value: str) -> Period | str:
    """The quarter in ``value``, or what is wrong with it."""
    if not value:
        return "is blank: it is required."
    try:
        period = Period.parse(value)
    except ValueError as error:
        return str(error)
    try:  # the quarters of years 0 and 9999 run off the calendar
        period.previous().first_day, period.next().last_day  # noqa: B018
    except ValueError:
        return f"{value!r} is not a quarter of the LES: its dates do not exist."
    return period


@functools.lru_cache(maxsize=1024)
def _read_moment(
    value: str, period: Period | None, now: datetime.datetime
) -> datetime.datetime | str:
    """The moment in ``value`` (aware), or what is wrong with it."""
    if not value:
        return "is blank: it is required."
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return (
            f"{value!r} is not a date and time in ISO 8601 form (for example 2019-07-12T14:30:00, "
            "UK time, or 2019-07-12T13:30:00+00:00)."
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    if moment > now:
        return f"{value} is in the future."
    try:
        day = moment.astimezone(LONDON).date()
    except OverflowError:  # the first moments of year 1, east of London
        day = datetime.date.min
    if period is not None and day < period.first_day:
        return (
            f"{value} is before {period.label} began ({period.first_day:%-d %B %Y}): a worksheet "
            "is submitted after its quarter."
        )
    return moment


def _london(moment: datetime.datetime) -> str:
    return moment.astimezone(LONDON).isoformat()


# -- existing worksheets --------------------------------------------------------------------------


def _periods_q(periods: Iterable[Period], *, prefix: str) -> Q:
    return reduce(
        or_,
        (Q(**{f"{prefix}year": p.year, f"{prefix}number": p.quarter}) for p in periods),
        Q(pk__in=[]),
    )


def _existing(sheets: list[_Sheet]) -> dict[tuple[int, Period], Worksheet]:
    """The worksheets already submitted for the file's practices and quarters, with their lines."""
    if not sheets:
        return {}
    stored = (
        Worksheet.objects.filter(practice__in={s.practice.pk for s in sheets})
        .filter(_periods_q({s.period for s in sheets}, prefix="quarter__"))
        .select_related("practice", "quarter")
        .prefetch_related("lines__care_home")
    )
    return {(w.practice_id, w.quarter.period): w for w in stored}


def _differences(sheet: _Sheet, stored: Worksheet) -> list[RowProblem]:
    """Where the file's worksheet differs from the one already submitted. Identical figures (same
    homes, same counts, same first submission) are no change; a blank opening matches whatever was
    recorded, as it would be carried forward."""
    where = f"the {sheet.key} worksheet already submitted"
    problems = []
    lines = {line.care_home_id: line for line in stored.lines.all()}
    for pk, (row, home) in sheet.lines.items():
        line = lines.get(pk)
        if line is None:
            problems.append(
                RowProblem(
                    row.row.number,
                    "cqc_location_id",
                    f"{where} has no line for {home.name}: {AMEND}",
                )
            )
            continue
        for name in FIGURES:
            value = getattr(row, name)
            if value is not None and value != getattr(line, name):
                problems.append(
                    RowProblem(
                        row.row.number,
                        name,
                        f"is {value}, but {where} has {getattr(line, name)} for {home.name}: {AMEND}",
                    )
                )
    for pk in lines.keys() - sheet.lines.keys():
        home = lines[pk].care_home
        if sheet.incomplete:
            continue  # perhaps the row whose home could not be read
        problems.append(
            RowProblem(
                sheet.first_row,
                "cqc_location_id",
                f"{where} has a line for {home.name} ({home.cqc_location_id}), which the file does "
                f"not: {AMEND}",
            )
        )
    if sheet.submitted_at is not None and sheet.submitted_at != stored.first_submitted_at:
        problems.append(
            RowProblem(
                sheet.submitted_row,
                "submitted_at",
                f"{_london(sheet.submitted_at)} is not when {where} was first submitted "
                f"({_london(stored.first_submitted_at)}): {AMEND}",
            )
        )
    return problems


# -- the service's problems, on the file's rows -------------------------------------------------


def _knock_on(problem: Problem, sheet: _Sheet, entries, previous: set[int] | None) -> bool:
    """Whether ``problem`` only follows from another already reported: a home whose row has a bad
    figure (so it has no line), or the previous quarter's worksheet in the file being refused (so
    nothing carries forward from it)."""
    if problem.care_home_id is not None and problem.care_home_id in sheet.broken_homes:
        return True
    if previous is None:
        return False
    if problem.care_home_id is None:
        return problem.message.startswith(f"Submit the {sheet.period.previous().label} worksheet")
    entry = entries.get(problem.care_home_id)
    return (
        problem.field == "opening"
        and entry is not None
        and entry.opening is None
        and problem.care_home_id in previous
    )


def _row_problem(problem: Problem, sheet: _Sheet) -> RowProblem:
    reason = problem.message if problem.message.endswith(".") else f"{problem.message}."
    if problem.care_home_id is None:
        # The worksheet as a whole: the gap rule is about the quarter; the rest (no agreement in
        # force, no eligible home) about the practice.
        column = "quarter" if problem.message.startswith("Submit the ") else "practice_ods"
        return RowProblem(sheet.first_row, column, reason)
    line = sheet.lines.get(problem.care_home_id)
    if line is None:  # an eligible aligned home the file has no row for
        home = CareHome.objects.get(pk=problem.care_home_id)
        return RowProblem(
            sheet.first_row,
            "cqc_location_id",
            f"the {sheet.key} worksheet has no row for {home.name} ({home.cqc_location_id}): "
            "every eligible home aligned with the practice in the quarter needs a line.",
        )
    row, home = line
    if problem.field in FIGURES:
        return RowProblem(row.row.number, problem.field, f"{home.name}: {reason}")
    return RowProblem(row.row.number, "cqc_location_id", f"{home.name} {reason}")


# -- changes ------------------------------------------------------------------------------------


def _describe(worksheet: Worksheet, lines: int) -> str:
    late = f"{worksheet.days_late} day{'s' if worksheet.days_late != 1 else ''} late"
    return (
        f"{worksheet.practice.name}: {lines} home"
        f"{'s' if lines != 1 else ''}, gross {money(worksheet.gross_pence)}, "
        f"{late if worksheet.days_late else 'on time'}, net {money(worksheet.net_pence)}"
    )


def _submitter(sheet: _Sheet, entries: dict[int, LineEntry], by):
    def write():
        return worksheet_submit(
            practice=sheet.practice,
            quarter=quarter_for(sheet.period),
            entries=entries,
            by=by,
            submitted_at=sheet.submitted_at,
        )

    return write
