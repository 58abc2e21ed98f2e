"""Keeping a commissioner's registry in step with the national files (ADR 0024).

:func:`plan_sync` reads up to three files (ODS's epraccur and ePCN, CQC's active locations), keeps
the rows of one commissioner and works out every change, in words, grouped for the officer, with
what the officer must resolve by hand. A plan with a problem in any file changes nothing.
:func:`sync_apply` writes a plan in one transaction, each change with its history row naming the
file and its date."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from carehomes.models import Alignment, CareHome, CqcCategory, category_for_cqc
from claims.models import Worksheet
from core.identifiers import (
    normalise_postcode,
    validate_cqc_location_id,
    validate_pcn_code,
    validate_practice_ods,
    validate_uk_postcode,
)
from core.tabular import RowProblem, TableError, cell_text
from history.services import audit_record
from imports.national import (
    CellError,
    Sheet,
    epraccur_rows,
    national_date,
    sheet_rows,
    workbook,
    yes,
)
from practices.models import PCN, Agreement, Commissioner, PCNMembership, Practice

ROLES = ("practices", "pcns", "care_homes")
FILE_LABELS = {
    "practices": "GP practices (ODS epraccur.csv)",
    "pcns": "PCNs (ODS ePCN.xlsx)",
    "care_homes": "Care homes (CQC HSCA Active Locations, .ods or .xlsx)",
}
SECTIONS = (
    "New PCNs",
    "PCNs renamed",
    "New practices",
    "Practices updated",
    "Practices closed",
    "PCN moves",
    "PCN memberships dated",
    "New care homes",
    "Care homes updated",
    "Care homes deregistered",
    "Alignments ended",
)
OPEN_CLAIM_STATUSES = ("submitted", "queried", "checked", "awaiting_finance", "approved")
PRESCRIBING_SETTING_GP = "4"
EXAMPLES = 5  # homes named in a count of those left out

# epraccur's columns, 1-based as the ODS documentation numbers them.
E_CODE, E_NAME, E_POSTCODE, E_OPEN, E_CLOSE, E_STATUS, E_COMMISSIONER, E_SETTING = (
    1,
    2,
    10,
    11,
    12,
    13,
    15,
    26,
)
E_NAMES = {
    E_CODE: "1 (organisation code)",
    E_NAME: "2 (name)",
    E_POSTCODE: "10 (postcode)",
    E_OPEN: "11 (open date)",
    E_CLOSE: "12 (close date)",
    E_STATUS: "13 (status code)",
}

PCN_DETAILS = "PCNDetails"
PCN_PARTNERS = "PCN Core Partner Details"
PCN_COLUMNS = ("PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Open Date", "Close Date")
PARTNER_COLUMNS = (
    "Partner Organisation Code",
    "Practice Parent Sub ICB Loc Code",
    "PCN Code",
    "Practice to PCN Relationship Start Date",
    "Practice to PCN Relationship End Date",
)
CQC_COLUMNS = (
    "Location ID",
    "Location Name",
    "Care home?",
    "Dormant (Y/N)",
    "Care homes beds",
    "Location HSCA start date",
    "Location Postal Code",
    "Location ONSPD CCG",
    "Service type - Care home service with nursing",
    "Service type - Care home service without nursing",
    "Service user band - Older People",
    "Service user band - Dementia",
    "Service user band - Learning disabilities or autistic spectrum disorder",
)


KEEP_UPPER = {"NHS", "PCN", "GP", "ICB", "UK", "HMP", "MC", "PMS", "GMS", "APMS", "UTC"}


def ods_name(name: str) -> str:
    """ODS publishes names in capitals (``BROOM LANE MEDICAL CENTRE``): shown as words, with the
    usual initialisms kept (``Broom Lane Medical Centre``, ``Raven PCN``)."""
    if name != name.upper():
        return name
    return " ".join(
        word if word in KEEP_UPPER or any(c.isdigit() for c in word) else word.capitalize()
        for word in name.split()
    )


def same_name(registry: str, published: str) -> bool:
    """A registry name that differs from the file's only in capitals is kept as typed."""
    return registry.casefold() == published.casefold()


def day(value: datetime.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else "(none)"


@dataclass(frozen=True)
class SyncFile:
    role: str  # one of ROLES
    filename: str
    content: bytes


@dataclass(frozen=True)
class FileProblem:
    filename: str
    problem: RowProblem

    def __str__(self) -> str:
        return f"{self.filename}: {self.problem}"


@dataclass
class Item:
    """One change: its section, the object's key, the change in words, and its write (which
    returns the object the history row is about)."""

    section: str
    key: str
    words: str
    write: Callable[[Writes], models.Model] = field(repr=False)
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


@dataclass
class Writes:
    """The registry objects the writes share: PCNs and practices by code, filled as they are made."""

    commissioner: Commissioner
    pcns: dict[str, PCN]
    practices: dict[str, Practice]


@dataclass
class SyncPlan:
    commissioner: Commissioner
    files_date: datetime.date
    filenames: list[str]
    items: list[Item] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    # what the writes start from
    pcns: dict[str, PCN] = field(default_factory=dict, repr=False)
    practices: dict[str, Practice] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def sections(self) -> list[tuple[str, list[Item]]]:
        grouped = defaultdict(list)
        for item in self.items:
            grouped[item.section].append(item)
        return [(name, grouped[name]) for name in SECTIONS if grouped[name]]

    def summary_lines(self) -> list[str]:
        if not self.items:
            return ["No changes: the registry already matches the files."]
        return [f"{name}: {len(items)}." for name, items in self.sections()]

    def summary(self) -> str:
        return " ".join(self.summary_lines())

    def as_json(self) -> dict:
        """The plan as stored on its :class:`~imports.models.RegistrySync`: the counts and, in
        words, every change and every point for the officer (what an applied sync's page lists)."""
        return {
            "files_date": self.files_date.isoformat(),
            "files": list(self.filenames),
            "counts": {name: len(items) for name, items in self.sections()},
            "message": self.summary(),
            "attention": len(self.attention),
            "problems": len(self.problems),
            "changes": [[name, [i.words for i in items]] for name, items in self.sections()],
            "notes": list(self.attention),
        }


# == reading the files ===========================================================================

Progress = Callable[[int, int], None]  # (rows read, rows in the file)
PROGRESS_EVERY = 2_000  # rows between two reports of how far the reading has got


def _counted(rows, total: int, progress: Progress | None, *, offset: int = 0):
    """``rows`` (``(row number, cells)``) as they are, telling ``progress`` how far they have got
    every :data:`PROGRESS_EVERY` rows (and once at the start)."""
    if progress is None:
        yield from rows
        return
    progress(offset, total)
    for number, cells in rows:
        if number % PROGRESS_EVERY == 0:
            progress(min(offset + number, total), total)
        yield number, cells


class _Reader:
    def __init__(self, filename: str, problems: list[FileProblem]):
        self.filename = filename
        self.problems = problems
        self.failed = False

    def problem(self, row: int | None, column: str, reason: str) -> None:
        self.failed = True
        self.problems.append(FileProblem(self.filename, RowProblem(row, column, reason)))

    def date(self, row: int, column: str, value, *, required: bool = False):
        try:
            found = national_date(value)
        except CellError as error:
            self.problem(row, column, str(error))
            return None
        if found is None and required:
            self.problem(row, column, "is blank: it is required.")
        return found

    def code(self, row: int, column: str, value, validator) -> str:
        code = cell_text(value).replace(" ", "").upper()
        try:
            validator(code)
        except ValidationError as error:
            self.problem(row, column, f"{code!r}: " + " ".join(error.messages))
        return code

    def text(self, row: int, column: str, value, *, max_length: int = 200) -> str:
        text = " ".join(cell_text(value).split())
        if not text:
            self.problem(row, column, "is blank: it is required.")
        elif len(text) > max_length:
            self.problem(row, column, f"is {len(text)} characters long: at most {max_length} fit.")
        return text

    def postcode(self, row: int, column: str, value) -> str:
        postcode = normalise_postcode(cell_text(value))
        try:
            validate_uk_postcode(postcode)
        except ValidationError:
            self.problem(row, column, f"{cell_text(value)!r} is not a UK postcode.")
        return postcode


@dataclass(frozen=True)
class PracticeRow:
    row: int
    ods_code: str
    name: str
    postcode: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    status: str


def read_practices(
    file: SyncFile, code: str, problems: list[FileProblem], progress: Progress | None = None
) -> list[PracticeRow]:
    """The commissioner's GP practices (prescribing setting 4) of epraccur."""
    reader = _Reader(file.filename, problems)
    found, first_row = [], {}
    total = file.content.count(b"\n") + (not file.content.endswith(b"\n"))
    for number, cells in _counted(epraccur_rows(file.content, file.filename), total, progress):
        if cells[E_COMMISSIONER - 1].upper() != code:
            continue
        if cells[E_SETTING - 1] != PRESCRIBING_SETTING_GP:
            continue
        ods = reader.code(number, E_NAMES[E_CODE], cells[E_CODE - 1], validate_practice_ods)
        status = cells[E_STATUS - 1].upper()
        if status not in Practice.OdsStatus.values:
            reader.problem(
                number, E_NAMES[E_STATUS], f"{status!r} is not A, C, D or P (the ODS status codes)."
            )
        row = PracticeRow(
            row=number,
            ods_code=ods,
            name=ods_name(reader.text(number, E_NAMES[E_NAME], cells[E_NAME - 1])),
            postcode=reader.postcode(number, E_NAMES[E_POSTCODE], cells[E_POSTCODE - 1]),
            opened_on=reader.date(number, E_NAMES[E_OPEN], cells[E_OPEN - 1], required=True),
            closed_on=reader.date(number, E_NAMES[E_CLOSE], cells[E_CLOSE - 1]),
            status=status,
        )
        if ods in first_row:
            reader.problem(number, E_NAMES[E_CODE], f"{ods} is already on line {first_row[ods]}.")
        first_row.setdefault(ods, number)
        found.append(row)
    return found


@dataclass(frozen=True)
class PcnRow:
    row: int
    code: str
    name: str
    closed_on: datetime.date | None


@dataclass(frozen=True)
class PartnerRow:
    row: int
    ods_code: str
    pcn_code: str
    start_date: datetime.date | None
    end_date: datetime.date | None


def _value(sheet: Sheet, record: list, column: str):
    return sheet.cell(record, column)


def read_pcns(
    file: SyncFile, code: str, problems: list[FileProblem], progress: Progress | None = None
) -> tuple[list[PcnRow], list[PartnerRow]]:
    reader = _Reader(file.filename, problems)
    book = workbook(file.content, file.filename, allowed=(".xlsx",))
    details = sheet_rows(book, PCN_DETAILS, PCN_COLUMNS)
    partners_sheet = sheet_rows(book, PCN_PARTNERS, PARTNER_COLUMNS)
    total = details.height + partners_sheet.height
    pcns = []
    for number, record in _counted(details.rows, total, progress):
        if cell_text(_value(details, record, "Current Sub ICB Loc Code")).upper() != code:
            continue
        column = f"PCN Code ({PCN_DETAILS})"
        pcn_code = reader.code(
            number, column, _value(details, record, "PCN Code"), validate_pcn_code
        )
        name = ods_name(
            reader.text(number, f"PCN Name ({PCN_DETAILS})", _value(details, record, "PCN Name"))
        )
        reader.date(number, f"Open Date ({PCN_DETAILS})", _value(details, record, "Open Date"))
        closed = reader.date(
            number, f"Close Date ({PCN_DETAILS})", _value(details, record, "Close Date")
        )
        pcns.append(PcnRow(number, pcn_code, name, closed))
    partners = []
    for number, record in _counted(partners_sheet.rows, total, progress, offset=details.height):
        parent = cell_text(_value(partners_sheet, record, "Practice Parent Sub ICB Loc Code"))
        if parent.upper() != code:
            continue

        def at(column):
            return f"{column} ({PCN_PARTNERS})"

        start = reader.date(
            number,
            at("Practice to PCN Relationship Start Date"),
            _value(partners_sheet, record, "Practice to PCN Relationship Start Date"),
        )
        end = reader.date(
            number,
            at("Practice to PCN Relationship End Date"),
            _value(partners_sheet, record, "Practice to PCN Relationship End Date"),
        )
        if start and end and end < start:
            reader.problem(
                number,
                at("Practice to PCN Relationship End Date"),
                f"{day(end)} is before the start date {day(start)}.",
            )
        partners.append(
            PartnerRow(
                number,
                reader.code(
                    number,
                    at("Partner Organisation Code"),
                    _value(partners_sheet, record, "Partner Organisation Code"),
                    validate_practice_ods,
                ),
                reader.code(
                    number,
                    at("PCN Code"),
                    _value(partners_sheet, record, "PCN Code"),
                    validate_pcn_code,
                ),
                start,
                end,
            )
        )
    return pcns, partners


@dataclass(frozen=True)
class HomeRow:
    row: int
    cqc_location_id: str
    name: str
    postcode: str
    beds: int | None
    nursing: bool
    cqc_category: str  # blank: none of the three bands
    registered_on: datetime.date | None


def read_care_homes(
    file: SyncFile, code: str, problems: list[FileProblem], progress: Progress | None = None
) -> list[HomeRow]:
    """CQC's active care homes (``Care home?`` Y, not dormant) in the commissioner's area (``Location
    ONSPD CCG`` ends with its code)."""
    reader = _Reader(file.filename, problems)
    book = workbook(file.content, file.filename, allowed=(".ods", ".xlsx"))
    sheet = sheet_rows(book, None, CQC_COLUMNS)
    area = re.compile(rf"(^|[^A-Z0-9]){re.escape(code)}$")
    homes, first_row = [], {}
    for number, record in _counted(sheet.rows, sheet.height, progress):

        def value(column, record=record):
            return sheet.cell(record, column)

        if not yes(value("Care home?")) or yes(value("Dormant (Y/N)")):
            continue
        if not area.search(cell_text(value("Location ONSPD CCG")).upper()):
            continue
        location_id = reader.code(
            number, "Location ID", value("Location ID"), validate_cqc_location_id
        )
        beds = _beds(reader, number, value("Care homes beds"))
        learning = yes(
            value("Service user band - Learning disabilities or autistic spectrum disorder")
        )
        dementia = yes(value("Service user band - Dementia"))
        older = yes(value("Service user band - Older People"))
        if learning:
            category = CqcCategory.MIXED if (dementia or older) else CqcCategory.LEARNING_DISABILITY
        elif dementia:
            category = CqcCategory.EMI
        elif older:
            category = CqcCategory.ELDERLY
        else:
            category = ""
        homes.append(
            HomeRow(
                row=number,
                cqc_location_id=location_id,
                name=reader.text(number, "Location Name", value("Location Name")),
                postcode=reader.postcode(
                    number, "Location Postal Code", value("Location Postal Code")
                ),
                beds=beds,
                nursing=yes(value("Service type - Care home service with nursing")),
                cqc_category=str(category),
                registered_on=reader.date(
                    number, "Location HSCA start date", value("Location HSCA start date")
                ),
            )
        )
        if location_id in first_row:
            reader.problem(
                number, "Location ID", f"{location_id} is already on row {first_row[location_id]}."
            )
        first_row.setdefault(location_id, number)
    return homes


def _beds(reader: _Reader, number: int, value) -> int | None:
    text = cell_text(value)
    if not re.fullmatch(r"[0-9]{1,5}", text) or int(text) < 1:
        reader.problem(
            number,
            "Care homes beds",
            "is blank: a care home has registered beds."
            if not text
            else f"{text!r} is not a number of beds (a whole number, at least 1).",
        )
        return None
    return int(text)


# == planning ====================================================================================


@dataclass
class SyncRows:
    """The commissioner's rows of the files, as read: a few hundred where the files hold tens of
    thousands. ``None`` for a file not given. Stored as JSON on the
    :class:`~imports.models.RegistrySync` (:meth:`as_json`), so the preview and the confirmation
    plan from them without reading the files again."""

    practices: list[PracticeRow] | None = None
    pcns: list[PcnRow] | None = None
    partners: list[PartnerRow] | None = None
    care_homes: list[HomeRow] | None = None

    KINDS = {"practices": PracticeRow, "pcns": PcnRow, "partners": PartnerRow,
             "care_homes": HomeRow}  # fmt: skip
    DATES = {"opened_on", "closed_on", "start_date", "end_date", "registered_on"}

    def as_json(self) -> dict:
        def row(r) -> dict:
            return {
                k: (v.isoformat() if isinstance(v, datetime.date) else v)
                for k, v in r.__dict__.items()
            }

        return {
            kind: None if getattr(self, kind) is None else [row(r) for r in getattr(self, kind)]
            for kind in self.KINDS
        }

    @classmethod
    def from_json(cls, data: dict) -> SyncRows:
        def row(kind, values: dict):
            return kind(
                **{
                    k: (datetime.date.fromisoformat(v) if k in cls.DATES and v else v)
                    for k, v in values.items()
                }
            )

        return cls(
            **{
                name: None if data.get(name) is None else [row(kind, v) for v in data[name]]
                for name, kind in cls.KINDS.items()
            }
        )

    def count(self) -> int:
        return sum(len(getattr(self, kind) or ()) for kind in self.KINDS)


def read_files(
    code: str,
    files: list[SyncFile],
    *,
    progress: Callable[[SyncFile, int, int], None] | None = None,
) -> tuple[SyncRows, list[FileProblem]]:
    """Read each file once, keeping commissioner ``code``'s rows; every problem found, by file,
    row and column. ``progress(file, rows read, rows in the file)`` is told how far each file has
    got."""
    problems: list[FileProblem] = []
    rows = SyncRows()
    for file in files:

        def told(done, total, file=file):
            if progress is not None:
                progress(file, done, total)

        try:
            if file.role == "practices":
                rows.practices = read_practices(file, code, problems, told)
            elif file.role == "pcns":
                rows.pcns, rows.partners = read_pcns(file, code, problems, told)
            elif file.role == "care_homes":
                rows.care_homes = read_care_homes(file, code, problems, told)
            else:
                raise ValueError(f"Unknown file role {file.role!r}")
        except TableError as error:
            problems += [FileProblem(file.filename, p) for p in error.problems]
    return rows, problems


def plan_rows(
    *,
    commissioner: Commissioner,
    rows: SyncRows,
    files_date: datetime.date,
    filenames: list[str],
) -> SyncPlan:
    """What the commissioner's ``rows`` (read from the files named) would change in its registry
    as it is now. Reads the registry only: no file."""
    plan = SyncPlan(commissioner, files_date, list(filenames))
    _plan_registry(plan, rows.practices, rows.pcns, rows.partners)
    if rows.care_homes is not None:
        _plan_care_homes(plan, rows.care_homes)
    return plan


def plan_sync(
    *, commissioner: Commissioner, files: list[SyncFile], files_date: datetime.date
) -> SyncPlan:
    """What syncing ``files`` (each optional) would change in ``commissioner``'s registry: the
    files read (:func:`read_files`) and the rows planned (:func:`plan_rows`)."""
    rows, problems = read_files(commissioner.code, files)
    if problems:
        return refused(commissioner, files, files_date, problems)
    return plan_rows(
        commissioner=commissioner,
        rows=rows,
        files_date=files_date,
        filenames=[f.filename for f in files],
    )


def refused(
    commissioner: Commissioner,
    files: list[SyncFile],
    files_date: datetime.date,
    problems: list[FileProblem],
) -> SyncPlan:
    """The plan of files that could not be read: their problems, and nothing to change."""
    plan = SyncPlan(commissioner, files_date, [f.filename for f in files])
    plan.problems = problems
    return plan


def _plan_registry(plan: SyncPlan, practice_rows, pcn_rows, partner_rows) -> None:
    commissioner = plan.commissioner
    pcn_codes = {p.code for p in pcn_rows or []} | {p.pcn_code for p in partner_rows or []}
    plan.pcns = {
        pcn.code: pcn
        for pcn in PCN.objects.filter(Q(commissioner=commissioner) | Q(code__in=pcn_codes))
    }
    ods_codes = {p.ods_code for p in practice_rows or []} | {p.ods_code for p in partner_rows or []}
    plan.practices = {
        practice.ods_code: practice
        for practice in Practice.objects.filter(
            Q(pcn__commissioner=commissioner) | Q(ods_code__in=ods_codes)
        )
        .select_related("pcn")
        .prefetch_related("pcn_memberships__pcn")
    }
    ours_pcn = {c for c, pcn in plan.pcns.items() if pcn.commissioner_id == commissioner.pk}
    pcn_names = {c: pcn.name for c, pcn in plan.pcns.items()}

    # -- PCNs
    for row in pcn_rows or []:
        current = plan.pcns.get(row.code)
        if current is None:
            plan.items.append(
                Item(
                    "New PCNs",
                    row.code,
                    f"{row.name} ({row.code}) is added.",
                    _pcn_create(row),
                    after={"name": row.name},
                )
            )
            ours_pcn.add(row.code)
        elif current.commissioner_id != commissioner.pk:
            plan.attention.append(
                f"{row.name} ({row.code}) belongs to another commissioner in the registry: it "
                "was not changed."
            )
            continue
        elif not same_name(current.name, row.name):
            plan.items.append(
                Item(
                    "PCNs renamed",
                    row.code,
                    f"{current.name} ({row.code}) is renamed {row.name}.",
                    _pcn_rename(row),
                    before={"name": current.name},
                    after={"name": row.name},
                )
            )
        pcn_names[row.code] = row.name
        if row.closed_on:
            plan.attention.append(f"{row.name} ({row.code}) closed on {day(row.closed_on)}.")

    # -- memberships from the file, per practice
    wanted: dict[str, list[PartnerRow]] = defaultdict(list)
    blocked = set()
    for row in partner_rows or []:
        if row.pcn_code not in ours_pcn:
            plan.attention.append(
                f"{row.ods_code} is in PCN {row.pcn_code}, which is not one of your PCNs: its "
                "PCN membership was not changed."
            )
            blocked.add(row.ods_code)
        wanted[row.ods_code].append(row)
    wanted = {k: sorted(v, key=_by_start) for k, v in wanted.items() if k not in blocked}

    # -- practices
    created: set[str] = set()
    for row in practice_rows or []:
        current = plan.practices.get(row.ods_code)
        closed_on = row.closed_on if row.status == Practice.OdsStatus.CLOSED else None
        values = {
            "name": row.name,
            "postcode": row.postcode,
            "opened_on": row.opened_on,
            "closed_on": closed_on,
            "ods_status": row.status,
        }
        if current is None:
            if row.status == Practice.OdsStatus.CLOSED:
                continue  # never in the registry and now closed: nothing to keep
            memberships = wanted.get(row.ods_code)
            if not memberships:
                plan.attention.append(
                    f"{row.name} ({row.ods_code}) is a new practice in no PCN of yours"
                    + (" in the PCN file" if partner_rows is not None else "")
                    + ": it was not added. Sync the PCN file with it, or add it by hand."
                )
                continue
            pcn_code = _current(memberships, plan.files_date).pcn_code
            plan.items.append(
                Item(
                    "New practices",
                    row.ods_code,
                    f"{row.name} ({row.ods_code}) is added, in {pcn_names[pcn_code]}, opened "
                    f"{day(row.opened_on)}. It has no LES agreement yet.",
                    _practice_create(row.ods_code, values, pcn_code),
                    after={**values, "pcn": pcn_code},
                )
            )
            created.add(row.ods_code)
            continue
        if current.pcn.commissioner_id != commissioner.pk:
            plan.attention.append(
                f"{current} belongs to another commissioner in the registry: it was not changed."
            )
            wanted.pop(row.ods_code, None)
            continue
        if same_name(current.name, row.name):
            values["name"] = current.name
        before = {name: getattr(current, name) for name in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            continue
        closing = "closed_on" in changed and closed_on is not None
        words = [
            f"{_field_label(k)} {_shown(before[k])} → {_shown(v)}"
            for k, v in changed.items()
            if not (closing and k in ("closed_on", "ods_status"))
        ]
        if closing:
            text = f"{current.name} ({row.ods_code}) is closed from {day(closed_on)}." + (
                f" Also: {'; '.join(words)}." if words else ""
            )
            plan.attention += _open_business(current, closed_on)
        else:
            text = f"{current.name} ({row.ods_code}): {'; '.join(words)}."
        plan.items.append(
            Item(
                "Practices closed" if closing else "Practices updated",
                row.ods_code,
                text,
                _practice_update(row.ods_code, changed),
                before={k: before[k] for k in changed},
                after=changed,
            )
        )

    # -- memberships
    for ods, rows in wanted.items():
        practice = plan.practices.get(ods)
        if practice is None and ods not in created:
            continue  # not in the registry (the practices file adds practices)
        target = [(r.pcn_code, r.start_date, r.end_date) for r in rows]
        now = _current(rows, plan.files_date).pcn_code
        if practice is not None:
            existing = sorted(practice.pcn_memberships.all(), key=_by_start)
            have = [(m.pcn.code, m.start_date, m.end_date) for m in existing]
            if have == target and practice.pcn.code == now:
                continue
            old_moves = set(_moves(have))
        else:
            have, old_moves = [], set()
        moves = [m for m in _moves(target) if m not in old_moves]
        label = practice.name if practice else ods
        if moves and practice is not None:
            text = " ".join(
                f"{ods} moves from {pcn_names.get(a, a)} to {pcn_names.get(b, b)} on {day(on)}."
                for a, b, on in moves
            )
            section = "PCN moves"
        else:
            text = f"{label} ({ods}): " + "; ".join(
                f"{pcn_names.get(c, c)}"
                + (f" from {day(s)}" if s else "")
                + (f" to {day(e)}" if e else "")
                for c, s, e in target
            )
            section = "PCN memberships dated"
        plan.items.append(
            Item(
                section,
                ods,
                text,
                _memberships_set(ods, target, now),
                before={"memberships": [_membership_json(m) for m in have]},
                after={"memberships": [_membership_json(m) for m in target], "pcn": now},
            )
        )


def _by_start(m):
    start = m.start_date
    return (start or datetime.date.min, m.end_date or datetime.date.max)


def _current(rows, on: datetime.date):
    """The membership in force on ``on``; else the latest started by then; else the first."""
    for r in rows:
        if (r.start_date is None or r.start_date <= on) and (
            r.end_date is None or on <= r.end_date
        ):
            return r
    started = [r for r in rows if r.start_date is None or r.start_date <= on]
    return started[-1] if started else rows[0]


def _moves(memberships) -> list[tuple[str, str, datetime.date]]:
    """``(from PCN, to PCN, on)`` for each change of PCN from one membership to the next."""
    return [
        (a[0], b[0], b[1])
        for a, b in zip(memberships, memberships[1:], strict=False)
        if a[0] != b[0] and b[1] is not None
    ]


def _membership_json(m) -> dict:
    return {
        "pcn": m[0],
        "start": m[1].isoformat() if m[1] else None,
        "end": m[2].isoformat() if m[2] else None,
    }


FIELD_LABELS = {
    "name": "name",
    "postcode": "postcode",
    "opened_on": "opened",
    "closed_on": "closed from",
    "ods_status": "ODS status",
    "beds": "beds",
    "nursing": "nursing",
    "cqc_category": "CQC's category",
    "category": "category",
    "cqc_registered_on": "registered with CQC",
    "deregistered_on": "deregistered from",
}


def _field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _shown(value) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return day(value)
    if value in CqcCategory.values:
        return CqcCategory(value).label
    return str(value)


def _open_business(practice: Practice, closed_on: datetime.date) -> list[str]:
    """What a closing practice still has, for the officer to resolve."""
    lines = []
    for alignment in (
        Alignment.objects.filter(practice=practice)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=closed_on))
        .select_related("care_home")
    ):
        lines.append(
            f"{practice.ods_code} closes on {day(closed_on)} but is still aligned with "
            f"{alignment.care_home.name} ({alignment.care_home.cqc_location_id})"
            + (f" until {day(alignment.end_date)}" if alignment.end_date else "")
            + ": end the alignment or align the home with another practice."
        )
    for agreement in Agreement.objects.filter(practice=practice).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=closed_on)
    ):
        lines.append(
            f"{practice.ods_code} closes on {day(closed_on)} but its LES agreement is "
            + (f"in force until {day(agreement.ends_on)}." if agreement.ends_on else "in force.")
        )
    for claim in Worksheet.objects.filter(
        practice=practice, status__in=OPEN_CLAIM_STATUSES
    ).select_related("quarter"):
        lines.append(
            f"{practice.ods_code} closes on {day(closed_on)} with its {claim.quarter.label} "
            f"claim still {claim.get_status_display().lower()}."
        )
    return lines


def _plan_care_homes(plan: SyncPlan, rows: list[HomeRow]) -> None:
    commissioner = plan.commissioner
    ids = {r.cqc_location_id for r in rows}
    homes = {
        h.cqc_location_id: h
        for h in CareHome.objects.filter(Q(commissioner=commissioner) | Q(cqc_location_id__in=ids))
    }
    month = plan.files_date.replace(day=1)
    left_out = []
    for row in rows:
        home = homes.get(row.cqc_location_id)
        label = f"{row.name} ({row.cqc_location_id})"
        if home is not None and home.commissioner_id != commissioner.pk:
            plan.attention.append(
                f"{home} is registered to another commissioner here, though CQC places it in "
                "your area: it was not changed."
            )
            continue
        if not row.cqc_category:
            if home is None:
                left_out.append(row.cqc_location_id)
            else:
                plan.attention.append(
                    f"{home} lists none of the older people, dementia or learning disability "
                    f"bands in CQC's file: check its category (now {home.get_category_display()})."
                )
            continue
        derived = category_for_cqc(row.cqc_category)
        values = {
            "name": row.name,
            "postcode": row.postcode,
            "beds": row.beds,
            "nursing": row.nursing,
            "cqc_category": row.cqc_category,
            "cqc_registered_on": row.registered_on,
            "deregistered_on": None,
        }
        mixed = row.cqc_category == CqcCategory.MIXED
        if home is None:
            values["category"] = derived
            plan.items.append(
                Item(
                    "New care homes",
                    row.cqc_location_id,
                    f"{label} is added: {CareHome.Category(derived).label}, "
                    f"{'nursing' if row.nursing else 'residential'}, {row.beds} beds, {row.postcode}.",
                    _home_create(row.cqc_location_id, values),
                    after=values,
                )
            )
            if mixed:
                plan.attention.append(_mixed_words(label))
            continue
        if home.category_overridden:
            if home.category != derived:
                plan.attention.append(
                    f"{home}: your category {home.get_category_display()} is kept; CQC's bands "
                    f"say {CqcCategory(row.cqc_category).label}."
                )
        else:
            values["category"] = derived
        if same_name(home.name, row.name):
            values["name"] = home.name
        before = {k: getattr(home, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            continue
        if mixed and "cqc_category" in changed and not home.category_overridden:
            plan.attention.append(_mixed_words(label))
        words = "; ".join(
            f"{_field_label(k)} {_shown(before[k])} → {_shown(v)}" for k, v in changed.items()
        )
        plan.items.append(
            Item(
                "Care homes updated",
                row.cqc_location_id,
                f"{home.name} ({row.cqc_location_id}): {words}.",
                _home_update(home, changed),
                before={k: before[k] for k in changed},
                after=changed,
            )
        )
    if left_out:
        shown = ", ".join(sorted(left_out)[:EXAMPLES])
        more = f" and {len(left_out) - EXAMPLES} more" if len(left_out) > EXAMPLES else ""
        plan.attention.append(
            f"{len(left_out)} care home{'s' if len(left_out) != 1 else ''} in CQC's file for your "
            f"area list none of the older people, dementia or learning disability bands and were "
            f"not added ({shown}{more})."
        )

    # homes missing from the file are deregistered from its month; their alignments end
    present = {r.cqc_location_id for r in rows}
    for home in sorted(homes.values(), key=lambda h: h.cqc_location_id):
        if home.commissioner_id != commissioner.pk or home.cqc_location_id in present:
            continue
        if home.deregistered_on is not None:
            continue
        plan.items.append(
            Item(
                "Care homes deregistered",
                home.cqc_location_id,
                f"{home} is not among CQC's active care homes: deregistered from {day(month)}.",
                _home_update(home, {"deregistered_on": month}),
                before={"deregistered_on": None},
                after={"deregistered_on": month},
            )
        )
        ends = month - datetime.timedelta(days=1)
        for alignment in (
            Alignment.objects.filter(care_home=home)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=ends))
            .select_related("practice")
        ):
            end = max(ends, alignment.start_date)
            plan.items.append(
                Item(
                    "Alignments ended",
                    home.cqc_location_id,
                    f"The alignment of {home.name} with {alignment.practice} ends on {day(end)}.",
                    _alignment_end(alignment.pk, end),
                    before={"end_date": alignment.end_date},
                    after={"end_date": end},
                )
            )


def _mixed_words(label: str) -> str:
    return (
        f"{label} is registered for learning disabilities and other bands: it is recorded as "
        "Learning disability (not paid) until you set its category on the care home's page."
    )


# -- the writes -------------------------------------------------------------------------------


def _pcn_create(row: PcnRow):
    def write(w: Writes):
        pcn = PCN(code=row.code, name=row.name, commissioner=w.commissioner)
        pcn.full_clean()
        pcn.save()
        w.pcns[row.code] = pcn
        return pcn

    return write


def _pcn_rename(row: PcnRow):
    def write(w: Writes):
        pcn = w.pcns[row.code]
        pcn.name = row.name
        pcn.save(update_fields=["name"])
        return pcn

    return write


def _practice_create(ods: str, values: dict, pcn_code: str):
    def write(w: Writes):
        practice = Practice(ods_code=ods, pcn=w.pcns[pcn_code], **values)
        practice.full_clean()
        practice.save()
        w.practices[ods] = practice
        return practice

    return write


def _practice_update(ods: str, changed: dict):
    def write(w: Writes):
        practice = w.practices[ods]
        for name, value in changed.items():
            setattr(practice, name, value)
        practice.save(update_fields=list(changed))
        return practice

    return write


def _memberships_set(ods: str, target: list, now: str):
    def write(w: Writes):
        practice = w.practices[ods]
        PCNMembership.objects.filter(practice=practice).delete()
        PCNMembership.objects.bulk_create(
            PCNMembership(practice=practice, pcn=w.pcns[c], start_date=s, end_date=e)
            for c, s, e in target
        )
        if practice.pcn_id != w.pcns[now].pk:
            practice.pcn = w.pcns[now]
            practice.save(update_fields=["pcn"])
        return practice

    return write


def _home_create(location_id: str, values: dict):
    def write(w: Writes):
        home = CareHome(cqc_location_id=location_id, commissioner=w.commissioner, **values)
        home.full_clean()
        home.save()
        return home

    return write


def _home_update(home: CareHome, changed: dict):
    def write(w: Writes):
        for name, value in changed.items():
            setattr(home, name, value)
        home.save(update_fields=list(changed))
        return home

    return write


def _alignment_end(pk: int, end: datetime.date):
    def write(w: Writes):
        alignment = Alignment.objects.select_for_update().get(pk=pk)
        alignment.end_date = end
        alignment.save(update_fields=["end_date"])
        return alignment

    return write


# == applying ====================================================================================


def sync_apply(plan: SyncPlan, *, by, sync, progress: Progress | None = None) -> None:
    """Write every change of ``plan`` with its history row, and mark ``sync`` applied. The caller
    holds the transaction (and the commissioner's row lock, see :func:`sync_run` and
    :mod:`imports.sync_jobs`). ``progress(changes written, changes)`` is told how far it has got
    every :data:`APPLY_PROGRESS_EVERY` changes."""
    if not plan.ok:
        raise ValueError("A plan with problems cannot be applied.")
    names = ", ".join(plan.filenames)
    source = {"files": list(plan.filenames), "files_date": plan.files_date}
    writes = Writes(plan.commissioner, dict(plan.pcns), dict(plan.practices))
    for done, item in enumerate(plan.items):
        if progress is not None and done % APPLY_PROGRESS_EVERY == 0:
            progress(done, len(plan.items))
        obj = item.write(writes)
        audit_record(
            by=by,
            action="registry_sync",
            obj=obj,
            summary=f"{item.words} (from {names} of {day(plan.files_date)})",
            before=item.before,
            after={**item.after, **source},
        )
    sync.status = sync.Status.APPLIED
    sync.applied_at = timezone.now()
    sync.summary = plan.as_json()
    sync.progress_done = sync.progress_total = len(plan.items)
    sync.save()
    audit_record(
        by=by,
        action="registry_sync",
        obj=sync,
        summary=f"Registry synced from {names} of {day(plan.files_date)}: {plan.summary()}",
        after={**source, "changes": [f"{i.section}: {i.words}" for i in plan.items]},
    )


APPLY_PROGRESS_EVERY = 10  # changes between two reports of how far an apply has got


def files_of(sync) -> list[SyncFile]:
    return [
        SyncFile(role, getattr(sync, f"{role}_filename"), bytes(getattr(sync, f"{role}_content")))
        for role in ROLES
        if getattr(sync, f"{role}_filename")
    ]


def sync_run(
    *,
    commissioner: Commissioner,
    files: list[SyncFile],
    files_date: datetime.date,
    by=None,
    dry_run: bool = False,
) -> SyncPlan:
    """The command line's sync, in its own process and all at once: read the files, plan and,
    unless a dry run or there are problems or no changes, apply, recorded as an applied
    :class:`~imports.models.RegistrySync` (with the rows read, like an officer's)."""
    from imports.models import RegistrySync

    # The files are read before any lock is taken: reading is the slow part, and writes nothing.
    rows, problems = read_files(commissioner.code, files)
    if problems:
        return refused(commissioner, files, files_date, problems)
    with transaction.atomic():
        # One sync of a commissioner at a time: the second waits, then plans against the first.
        Commissioner.objects.select_for_update().get(pk=commissioner.pk)
        plan = plan_rows(
            commissioner=commissioner,
            rows=rows,
            files_date=files_date,
            filenames=[f.filename for f in files],
        )
        if not plan.items or dry_run:
            return plan
        sync = RegistrySync(
            commissioner=commissioner,
            files_date=files_date,
            uploaded_by=by,
            status=RegistrySync.Status.PREVIEWED,
            rows=rows.as_json(),
        )
        for file in files:
            setattr(sync, f"{file.role}_filename", file.filename[:255])
            setattr(sync, f"{file.role}_content", file.content)
        sync.save()
        sync_apply(plan, by=by, sync=sync)
    return plan
