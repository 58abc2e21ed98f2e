"""Writes for worksheets and claims. The web form, the practice's upload and ``import_worksheets``
all submit through :func:`worksheet_submit`, so the same figures give the same payment whichever
way they arrive."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction

from claims import rules, selectors
from claims.models import Quarter, Worksheet, WorksheetLine
from claims.worksheets.notifications import receipt_notify
from core.bulk import insert_rows
from core.formatting import day, money
from core.periods import Period, london_date
from history.services import audit_event, audit_record, audit_record_all
from practices.models import Practice


@dataclass(frozen=True)
class LineEntry:
    """What the practice entered for one home. ``opening`` is only read for a baseline line (the
    pair's first quarter); a carried-forward opening is locked, and if given must match."""

    new_permanent: int
    temporary: int
    moved_out: int
    died: int
    in_other_home: int = 0
    opening: int | None = None
    beds_warning_confirmed: bool = False


@dataclass(frozen=True)
class Problem:
    """A problem with a worksheet, naming the home and the field where there is one."""

    message: str
    home: str = ""
    field: str = ""
    care_home_id: int | None = None
    is_warning: bool = False

    def __str__(self):
        where = ", ".join(part for part in (self.home, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


class WorksheetRefused(Exception):
    """The worksheet cannot be submitted as it stands; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Assembled:
    """A worksheet checked and priced, ready to save (or to show as a preview)."""

    practice: Practice
    quarter: Quarter
    lines: list[tuple[selectors.Opening, rules.Line, LineEntry]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    payment: rules.Payment | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]


def quarter_for(period: Period) -> Quarter:
    """The stored quarter, created with the default due date (the 14th day after it ends) if new."""
    quarter, _ = Quarter.objects.get_or_create(
        year=period.year, number=period.quarter, defaults={"due_date": period.default_due_date}
    )
    return quarter


def worksheet_assemble(
    *,
    practice: Practice,
    quarter: Quarter,
    entries: Mapping[int, LineEntry],
    submitted_at: datetime.datetime,
    first_submitted_at: datetime.datetime | None = None,
    facts: selectors.QuarterFacts | None = None,
    submitting: bool = True,
) -> Assembled:
    """Check every rule of SPEC §4 and price the worksheet with ``claims/rules.py``. Writes nothing.

    ``facts`` (see :func:`claims.selectors.quarter_facts`) lets a bulk load share one read of the
    quarter between many practices; without it, the practice's facts are read here.

    ``submitting``: the worksheet is to be submitted at ``submitted_at``, so its quarter must have
    ended by then (:meth:`~core.periods.Period.has_ended`). ``False`` for "Check figures", which a
    practice may do while the quarter is still running: the figures are checked and priced all
    the same (the payment is priced even when this is the only problem)."""
    facts = facts or selectors.quarter_facts(quarter, [practice.pk])
    result = Assembled(practice, quarter)
    if practice.pk not in facts.in_force:
        result.problems.append(
            Problem(f"{practice.name} has no LES agreement in force in {quarter.label}.")
        )
    blocker = facts.blockers.get(practice.pk)
    if blocker is not None:
        result.problems.append(
            Problem(
                f"Submit the {blocker.label} worksheet first: a quarter cannot be submitted before the "
                "one it carries forward from."
            )
        )
    expected = facts.openings.get(practice.pk, [])
    if not expected:
        result.problems.append(
            Problem(
                f"{practice.name} has no eligible care home aligned with it in {quarter.label}."
            )
        )
    expected_ids = {o.care_home.pk for o in expected}
    for care_home_id in entries.keys() - expected_ids:
        result.problems.append(
            Problem(
                "is not an elderly or EMI home aligned with the practice in this quarter",
                home=str(care_home_id),
                care_home_id=care_home_id,
            )
        )
    for opening in expected:
        home = opening.care_home
        entry = entries.get(home.pk)
        if entry is None:
            result.problems.append(
                Problem(
                    "no figures given: every aligned home needs a line",
                    home=home.name,
                    care_home_id=home.pk,
                )
            )
            continue
        if opening.is_baseline:
            if entry.opening is None:
                result.problems.append(
                    Problem(
                        "enter the number of patients at the start of the quarter (this is the first "
                        "quarter for this home, so there is nothing to carry forward)",
                        home=home.name,
                        field="opening",
                        care_home_id=home.pk,
                    )
                )
                continue
            opening_value = entry.opening
        else:
            opening_value = opening.value
            if entry.opening is not None and entry.opening != opening_value:
                source = (
                    "the opening the contracting team corrected"
                    if opening.corrected is not None
                    else "the closing figure carried forward from "
                    f"{opening.carried_from.quarter.label}"
                )
                result.problems.append(
                    Problem(
                        f"must be {opening_value}, {source}",
                        home=home.name,
                        field="opening",
                        care_home_id=home.pk,
                    )
                )
                continue
        line = rules.Line(
            opening=opening_value,
            new_permanent=entry.new_permanent,
            temporary=entry.temporary,
            moved_out=entry.moved_out,
            died=entry.died,
            in_other_home=entry.in_other_home,
        )
        for problem in rules.check_line(line, beds=home.beds):
            if problem.is_warning and entry.beds_warning_confirmed:
                continue
            result.problems.append(
                Problem(
                    problem.message,
                    home=home.name,
                    field=problem.field,
                    care_home_id=home.pk,
                    is_warning=problem.is_warning,
                )
            )
        result.lines.append((opening, line, entry))
    if not result.errors:
        result.payment = rules.calculate_payment(
            [line for _, line, _ in result.lines],
            rates=facts.rates,
            due_date=facts.due_date(practice.pk),
            first_submitted_at=first_submitted_at or submitted_at,
            bands=facts.bands,
        )
    # Last, so that the figures are still checked and priced (the page shows the preview).
    if submitting and not quarter.period.has_ended(london_date(submitted_at)):
        opens_on = quarter.period.opens_on
        result.problems.append(
            Problem(
                f"The {quarter.label} worksheet can be submitted from {day(opens_on)}, once the "
                "quarter has ended."
            )
        )
    return result


def worksheet_submit(
    *,
    practice: Practice,
    quarter: Quarter,
    entries: Mapping[int, LineEntry],
    by,
    submitted_at: datetime.datetime,
    facts: selectors.QuarterFacts | None = None,
    receipt: bool = False,
    batch: SubmissionBatch | None = None,
) -> Worksheet:
    """Submit a practice's worksheet for a quarter: it becomes the practice's claim, priced by the rules.

    Raises :class:`WorksheetRefused` (nothing written) for any error or unconfirmed warning.

    ``receipt``: email the practice a receipt (through the outbox, in the same transaction): the
    practice's own submissions ask for one; a commissioner's bulk load of past quarters does not.

    A bulk load passes the quarter's ``facts``, read with ``lock=True`` inside its own transaction;
    they are kept current (this adds to ``facts.submitted``), and a refusal leaves that transaction
    usable so the load can report every problem before it rolls back.

    ``batch`` (a bulk load's, with its ``facts``): every check runs now, but the worksheet, its lines
    and its history row are written when the batch is flushed; the worksheet returned has no id
    until then."""
    if batch is not None and (facts is None or receipt):
        raise RuntimeError("A batch is a bulk load's: it passes locked facts and sends no receipt.")
    if facts is None:
        with transaction.atomic():
            # One submission per practice at a time: two tabs cannot both pass the checks.
            Practice.objects.select_for_update().get(pk=practice.pk)
            facts = selectors.quarter_facts(quarter, [practice.pk])
            return _submit(practice, quarter, entries, by, submitted_at, facts, receipt)
    if not (facts.locked and transaction.get_connection().in_atomic_block):
        raise RuntimeError("Bulk submissions need locked facts and the caller's transaction.")
    return _submit(practice, quarter, entries, by, submitted_at, facts, receipt, batch)


def _submit(
    practice, quarter, entries, by, submitted_at, facts, receipt=False, batch=None
) -> Worksheet:
    """Check, then write; nothing is written before every check has passed."""
    if practice.pk in facts.submitted:
        raise WorksheetRefused(
            [
                Problem(
                    f"The {quarter.label} worksheet has already been submitted for {practice.name}."
                )
            ]
        )
    assembled = worksheet_assemble(
        practice=practice, quarter=quarter, entries=entries, submitted_at=submitted_at, facts=facts
    )
    if assembled.problems:
        raise WorksheetRefused(assembled.problems)
    payment = assembled.payment
    worksheet = Worksheet(
        practice=practice,
        quarter=quarter,
        first_submitted_at=submitted_at,
        submitted_at=submitted_at,
        submitted_by=by if getattr(by, "pk", None) else None,
        **payment_fields(payment),
    )
    lines = [
        WorksheetLine(
            worksheet=worksheet,
            care_home_id=opening.care_home.pk,
            opening=line.opening,
            new_permanent=line.new_permanent,
            temporary=line.temporary,
            moved_out=line.moved_out,
            died=line.died,
            in_other_home=line.in_other_home,
            opening_source=(
                WorksheetLine.OpeningSource.BASELINE
                if opening.is_baseline
                else WorksheetLine.OpeningSource.CARRIED_FORWARD
            ),
            carried_from_id=opening.carried_from_id,
            beds_warning_confirmed=entry.beds_warning_confirmed
            and line.closing > opening.care_home.beds,
        )
        for opening, line, entry in assembled.lines
    ]
    history = {
        "by": by,
        "action": "worksheet_submit",
        "summary": f"{quarter.label} worksheet of {practice} submitted: net {money(payment.net)}",
        "after": {**payment_fields(payment), "submitted_at": submitted_at.isoformat()},
    }
    facts.submitted.add(practice.pk)
    if batch is not None:
        batch.add(worksheet, lines, history)
        return worksheet
    worksheet.save(force_insert=True)
    WorksheetLine.objects.bulk_create(lines)
    event = audit_record(obj=worksheet, **history)
    if receipt:
        receipt_notify(event=event, claim=worksheet)
    return worksheet


class SubmissionBatch:
    """Worksheets checked one by one by :func:`worksheet_submit` (every rule, in order) and written
    together: a bulk load's worksheets, their lines and their history rows each go to the database
    in one insert when :meth:`flush` is called, instead of three inserts a worksheet. The rows are
    the ones the one-by-one path writes (the history rows through the same
    :func:`history.services.audit_event`), inserted, never changed.

    The caller flushes before it reads anything the pending worksheets would change (the next
    quarter's facts: what carries forward, the gap rule) and before its transaction ends; the
    batch lives inside that transaction, so a refusal anywhere still writes nothing."""

    def __init__(self):
        self._pending: list[tuple[Worksheet, list[WorksheetLine], dict]] = []

    def __len__(self):
        return len(self._pending)

    def add(self, worksheet: Worksheet, lines: list[WorksheetLine], history: dict) -> None:
        self._pending.append((worksheet, lines, history))

    def flush(self) -> None:
        if not self._pending:
            return
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("A submission batch is written inside the caller's transaction.")
        pending, self._pending = self._pending, []
        # One insert a table (core.bulk: bulk_create's rows, prepared without its per-value cost);
        # the lines take their worksheets' new ids, the history rows name them.
        insert_rows([worksheet for worksheet, _lines, _history in pending])
        insert_rows([line for _worksheet, lines, _history in pending for line in lines])
        audit_record_all(
            [audit_event(obj=worksheet, **history) for worksheet, _lines, history in pending]
        )


def payment_fields(payment: rules.Payment) -> dict:
    return {
        "gross_pence": payment.gross,
        "days_late": payment.days_late,
        "band_deduction_percent": payment.band.deduction_percent,
        "deduction_percent": payment.deduction_percent,
        "deduction_pence": payment.deduction,
        "net_pence": payment.net,
        "release": payment.release.value,
        "waived": payment.waived,
    }


# -- periods and rates (officers) -----------------------------------------------------------------
