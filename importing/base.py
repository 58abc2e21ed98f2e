"""The all-or-nothing import: an :class:`Importer` reads every row, validates all of them, and works
out what would change (a :class:`Plan`); only a plan without problems is applied, in one
transaction, with one audit event.

An importer subclass names its ``columns`` and implements ``plan``; each :class:`Change` it plans
carries the write that makes it, so ``apply`` is the same for every kind of file."""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.tabular import Row, RowProblem, TableError, read_table
from history.services import audit_record

if TYPE_CHECKING:
    from accounts.access import Scope
    from practices.models import Commissioner

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
INTEGER_MAX = 2_147_483_647  # the largest the database's integer columns hold
MAX_DIGITS = 30  # a longer number is only described, never converted or shown


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str
    after: str


@dataclass
class Change:
    """One registry object the import creates, updates or finds already up to date.

    ``kind`` is the singular noun (``practice``, ``PCN``); ``key`` its identifier in the file;
    ``fields`` the before → after of an update; ``write`` makes the change (``None`` if unchanged)."""

    action: Action
    kind: str
    key: str
    description: str
    fields: list[FieldChange] = field(default_factory=list)
    write: Callable[[], object] | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict:
        return {
            "action": str(self.action),
            "kind": self.kind,
            "key": self.key,
            "fields": {f.name: {"from": f.before, "to": f.after} for f in self.fields},
        }


@dataclass(frozen=True)
class ImportContext:
    """Who the import is for. From the command line nothing narrows it (``scope`` is ``None``);
    through the web it is limited to the officer's commissioner and what their scope can see."""

    commissioner: Commissioner | None = None
    scope: Scope | None = None  # the uploading officer's

    @property
    def is_scoped(self) -> bool:
        return self.scope is not None


DONE = {Action.CREATE: "created", Action.UPDATE: "updated", Action.UNCHANGED: "unchanged"}
WOULD = {Action.CREATE: "to create", Action.UPDATE: "to update", Action.UNCHANGED: "unchanged"}


def plural(noun: str) -> str:
    return noun + "s"


@dataclass
class Plan:
    """What importing a file would do: its problems, or the changes, one per registry object."""

    noun: str  # the main thing the file lists, e.g. "practice"
    changes: list[Change] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != Action.UNCHANGED]

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"create": n, "update": n, "unchanged": n}}`` in the order kinds are written."""
        counts: dict[str, dict[str, int]] = {}
        for change in self.changes:
            by_action = counts.setdefault(change.kind, {a.value: 0 for a in Action})
            by_action[change.action] += 1
        return counts

    def summary_lines(self, *, would: bool = False) -> list[str]:
        """One line per kind of object, e.g. ``Practices: 3 created, 27 unchanged.`` (``would``:
        ``3 to create``, for a preview)."""
        if not self.pending:
            listed = sum(1 for c in self.changes if c.kind == self.noun)
            if not listed:
                return ["No changes: the file lists no rows."]
            return [
                f"No changes: {listed} {plural(self.noun) if listed != 1 else self.noun} already up to date."
            ]
        lines = []
        for kind, by_action in self.counts().items():
            words = WOULD if would else DONE
            parts = [f"{n} {words[Action(a)]}" for a, n in by_action.items() if n]
            heading = plural(kind)
            lines.append(f"{heading[0].upper()}{heading[1:]}: {', '.join(parts)}.")
        return lines

    def summary(self) -> str:
        return " ".join(self.summary_lines())

    def problem_report(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class ParsedRow:
    """A row read into typed values. ``failed`` names the columns with a problem, so that checks
    across rows (duplicates, existence) still run on the row's good columns."""

    row: Row
    failed: frozenset[str]

    def valid(self, *columns: str) -> bool:
        return not self.failed.intersection(columns)


class Cells:
    """One row's cells, read column by column; every problem found is recorded against the row."""

    def __init__(self, row: Row, problems: list[RowProblem]):
        self.row = row
        self._problems = problems
        self.failed: set[str] = set()  # the columns found wrong

    def problem(self, column: str, reason: str) -> None:
        self.failed.add(column)
        self._problems.append(RowProblem(self.row.number, column, reason))

    def text(self, column: str, *, required: bool = True, max_length: int = 200) -> str:
        value = self.row[column]
        if required and not value:
            self.problem(column, "is blank: it is required.")
        elif len(value) > max_length:
            self.problem(column, f"is {len(value)} characters long: at most {max_length} fit.")
        return value

    def identifier(
        self, column: str, validator: Callable[[str], None], *, upper: bool = True
    ) -> str:
        value = self.row[column].replace(" ", "")
        value = value.upper() if upper else value
        if not value:
            self.problem(column, "is blank: it is required.")
            return value
        try:
            validator(value)
        except ValidationError as error:
            self.problem(column, " ".join(error.messages))
        return value

    def date(self, column: str, *, required: bool = True) -> datetime.date | None:
        value = self.row[column]
        if not value:
            if required:
                self.problem(column, "is blank: it is required.")
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.problem(
                column, f"{value!r} is not a date in the form YYYY-MM-DD (for example 2019-04-01)."
            )
            return None

    def whole_number(self, column: str, *, minimum: int, maximum: int = INTEGER_MAX) -> int | None:
        value = self.row[column]
        if not WHOLE_NUMBER.fullmatch(value):
            reason = (
                "is blank: it is required." if not value else f"{value!r} is not a whole number."
            )
            self.problem(column, reason)
            return None
        digits = value.lstrip("+-").lstrip("0")
        if len(digits) > MAX_DIGITS:
            # Not even converted: Python refuses a number of more than 4,300 digits.
            shown = f"A {len(digits)}-digit number"
            if value.startswith("-"):
                self.problem(column, f"{shown} is too small: it must be at least {minimum}.")
            else:
                self.problem(column, f"{shown} is too large: it must be at most {maximum}.")
            return None
        number = int(value)
        if number < minimum:
            self.problem(column, f"{number} is too small: it must be at least {minimum}.")
            return None
        if number > maximum:
            self.problem(column, f"{number} is too large: it must be at most {maximum}.")
            return None
        return number

    def choice(self, column: str, options: dict[str, object]):
        """The value ``options`` maps the (case-insensitive) cell to."""
        value = self.row[column].lower()
        if value in options:
            return options[value]
        allowed = ", ".join(options)
        reason = "is blank" if not value else f"{self.row[column]!r} is not allowed"
        self.problem(column, f"{reason}: it must be one of {allowed}.")
        return None


def duplicate_keys(
    parsed: Sequence[tuple[Row, str]], column: str, problems: list[RowProblem]
) -> None:
    """Report every repeat of a key, on the rows after its first."""
    first_row: dict[str, int] = {}
    for row, key in parsed:
        if key in first_row:
            problems.append(
                RowProblem(
                    row.number,
                    column,
                    f"{key} is already on row {first_row[key]}: each may appear once.",
                )
            )
        else:
            first_row[key] = row.number


def show(value) -> str:
    """A value as the preview shows it before → after."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def field_changes(pairs: Sequence[tuple[str, object, object]]) -> list[FieldChange]:
    return [
        FieldChange(name, show(before), show(after))
        for name, before, after in pairs
        if show(before) != show(after)
    ]


class Importer:
    """One kind of registry file. Subclasses set the class attributes and implement :meth:`plan`."""

    kind: str = ""  # the registry key, e.g. "practices"
    label: str = ""  # "Practices", for the upload form
    noun: str = ""  # "practice": what one row is
    columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()  # may be in the header too (see ``read_table``)
    help_text: str = ""

    @property
    def action(self) -> str:
        return f"import_{self.kind}"

    def plan(self, rows: list[Row], *, context: ImportContext) -> Plan:
        raise NotImplementedError

    def plan_file(self, content: bytes, filename: str, *, context: ImportContext) -> Plan:
        try:
            table = read_table(content, filename, self.columns, self.optional_columns)
        except TableError as error:
            return Plan(self.noun, problems=error.problems)
        plan = self.plan(table.rows, context=context)
        order = {column: i for i, column in enumerate(self.columns + self.optional_columns)}
        plan.problems = sorted(
            table.problems + plan.problems,
            key=lambda p: (p.row or 0, order.get(p.column, -1)),
        )
        if plan.problems:
            plan.changes = []
        return plan

    @transaction.atomic
    def apply(self, plan: Plan, *, by, batch) -> None:
        """Write every planned change, mark ``batch`` applied and record one audit event, together."""
        if not plan.ok:
            raise ValueError("A plan with problems cannot be applied.")
        for change in plan.pending:
            change.write()
        batch.status = batch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.summary = summary_json(plan)
        batch.save(update_fields=["status", "applied_at", "summary"])
        audit_record(
            by=by,
            action=self.action,
            obj=batch,
            summary=f"Imported {batch.original_filename}: {plan.summary()}",
            after={"file": batch.original_filename, "changes": [c.as_json() for c in plan.pending]},
        )


def save_later(
    instance, values: dict, then: Callable[[object], None] | None = None
) -> Callable[[], object]:
    """The write of one planned change: set ``values`` on ``instance``, save it and, if given, call
    ``then(instance)`` (the rows that hang off it). Values are set only when the plan is applied,
    so that a plan never alters the objects it compared against."""

    def write():
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
        if then is not None:
            then(instance)
        return instance

    return write


def summary_json(plan: Plan) -> dict:
    return {"counts": plan.counts(), "message": plan.summary(), "problems": len(plan.problems)}
