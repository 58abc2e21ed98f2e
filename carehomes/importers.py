"""The care homes and alignments files (SPEC section 10)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from carehomes.models import Alignment, CareHome
from core.identifiers import (
    normalise_postcode,
    validate_cqc_location_id,
    validate_practice_ods,
    validate_uk_postcode,
)
from core.tabular import Row, RowProblem
from importing.base import (
    Action,
    Cells,
    Change,
    ImportContext,
    Importer,
    ParsedRow,
    Plan,
    duplicate_keys,
    field_changes,
    save_later,
)
from practices.models import Practice

CATEGORIES = {c.value: c.value for c in CareHome.Category}
YES_NO = {"yes": True, "no": False}


# -- care homes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareHomeRow(ParsedRow):
    cqc_location_id: str
    name: str
    postcode: str
    category: str
    nursing: bool
    beds: int


class CareHomesImporter(Importer):
    """Homes by CQC location ID. A new home is registered with the import's commissioner; a home
    already registered keeps its commissioner (through the web, an officer may update only homes
    registered with their own)."""

    kind = "care_homes"
    label = "Care homes"
    noun = "care home"
    columns = ("cqc_location_id", "name", "postcode", "category", "nursing", "beds")
    help_text = (
        "One row per home. category is elderly, emi or learning_disability; nursing is yes or no; "
        "beds is the number of registered beds."
    )

    def plan(self, rows: list[Row], *, context: ImportContext) -> Plan:
        problems: list[RowProblem] = []
        parsed = [self._parse(row, problems) for row in rows]
        duplicate_keys(
            [(p.row, p.cqc_location_id) for p in parsed if p.valid("cqc_location_id")],
            "cqc_location_id",
            problems,
        )
        existing = {
            home.cqc_location_id: home
            for home in CareHome.objects.select_related("commissioner").filter(
                cqc_location_id__in={p.cqc_location_id for p in parsed}
            )
        }
        commissioner = context.commissioner
        for p in parsed:
            home = existing.get(p.cqc_location_id)
            if not p.valid("cqc_location_id"):
                continue
            if home is None and commissioner is None:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "cqc_location_id",
                        "is a new home, but no commissioner was given to register it with.",
                    )
                )
            elif home is not None and context.is_scoped and home.commissioner_id != commissioner.pk:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "cqc_location_id",
                        f"Care home {p.cqc_location_id} is registered with another commissioner: "
                        "only that commissioner's officers can update it.",
                    )
                )
        if problems:
            return Plan(self.noun, problems=problems)

        plan = Plan(self.noun)
        for p in parsed:
            home = existing.get(p.cqc_location_id)
            values = {
                "name": p.name,
                "postcode": p.postcode,
                "category": p.category,
                "nursing": p.nursing,
                "beds": p.beds,
            }
            description = f"{p.name} ({p.cqc_location_id}), {p.postcode}"
            if home is None:
                new = CareHome(
                    cqc_location_id=p.cqc_location_id, commissioner=commissioner, **values
                )
                plan.changes.append(
                    Change(
                        Action.CREATE, "care home", p.cqc_location_id, description, write=new.save
                    )
                )
                continue
            fields = field_changes(
                [(name, getattr(home, name), value) for name, value in values.items()]
            )
            if fields:
                plan.changes.append(
                    Change(
                        Action.UPDATE,
                        "care home",
                        p.cqc_location_id,
                        description,
                        fields,
                        write=save_later(home, values),
                    )
                )
            else:
                plan.changes.append(
                    Change(Action.UNCHANGED, "care home", p.cqc_location_id, description)
                )
        return plan

    def _parse(self, row: Row, problems: list[RowProblem]) -> CareHomeRow:
        cells = Cells(row, problems)
        return CareHomeRow(
            row=row,
            cqc_location_id=cells.identifier("cqc_location_id", validate_cqc_location_id),
            name=cells.text("name"),
            postcode=_postcode(cells),
            category=cells.choice("category", CATEGORIES),
            nursing=cells.choice("nursing", YES_NO),
            beds=cells.whole_number("beds", minimum=1),
            failed=frozenset(cells.failed),  # last: after every cell is read
        )


def _postcode(cells: Cells) -> str:
    typed = cells.row["postcode"]
    postcode = normalise_postcode(typed)
    if not postcode:
        cells.problem("postcode", "is blank: it is required.")
        return postcode
    try:
        validate_uk_postcode(postcode)
    except ValidationError as error:
        # The validator quotes the normalised form; the officer looks for what they typed.
        cells.problem("postcode", " ".join(error.messages).replace(repr(postcode), repr(typed), 1))
    return postcode


# -- alignments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlignmentRow(ParsedRow):
    cqc_location_id: str
    practice_ods: str
    start_date: datetime.date
    end_date: datetime.date | None
    lead_gp: str

    @property
    def identity(self) -> tuple[str, str, datetime.date]:
        return (self.cqc_location_id, self.practice_ods, self.start_date)


@dataclass(frozen=True)
class _Span:
    """An alignment's dates and where it comes from, for the overlap check."""

    start: datetime.date
    end: datetime.date | None
    row: int | None  # None: already recorded in the registry

    def overlaps(self, other: _Span) -> bool:
        return (other.end is None or self.start <= other.end) and (
            self.end is None or other.start <= self.end
        )

    @property
    def dates(self) -> str:
        return f"from {self.start.isoformat()}" + (
            f" to {self.end.isoformat()}" if self.end else ""
        )

    def __str__(self) -> str:
        return self.dates + (f" (row {self.row})" if self.row else " (already recorded)")


class AlignmentsImporter(Importer):
    """Alignments of a home with a practice, identified by home, practice and start date. Both must
    already be registered; through the web the practice must be one of the officer's commissioner,
    while the home may be any registered home (a large home across a boundary, seed 001)."""

    kind = "alignments"
    label = "Alignments"
    noun = "alignment"
    columns = ("cqc_location_id", "practice_ods", "start_date", "end_date", "lead_gp")
    help_text = (
        "One row per alignment of a home with a practice. Dates are YYYY-MM-DD; end_date may be "
        "blank while the alignment continues. The home and the practice must already be registered."
    )

    def plan(self, rows: list[Row], *, context: ImportContext) -> Plan:
        problems: list[RowProblem] = []
        parsed = [self._parse(row, problems) for row in rows]
        homes = {
            h.cqc_location_id: h
            for h in CareHome.objects.filter(
                cqc_location_id__in={p.cqc_location_id for p in parsed}
            )
        }
        practices_visible = (
            Practice.objects.visible_to(context.scope)
            if context.is_scoped
            else Practice.objects.all()
        )
        practices = {
            p.ods_code: p
            for p in practices_visible.filter(ods_code__in={p.practice_ods for p in parsed})
        }
        for p in parsed:
            if p.valid("cqc_location_id") and p.cqc_location_id not in homes:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "cqc_location_id",
                        f"no care home {p.cqc_location_id} is registered: import the care homes file first.",
                    )
                )
            if p.valid("practice_ods") and p.practice_ods not in practices:
                where = "in your commissioner's registry" if context.is_scoped else "registered"
                problems.append(
                    RowProblem(
                        p.row.number,
                        "practice_ods",
                        f"no practice {p.practice_ods} is {where}: import the practices file first.",
                    )
                )
        identified = [p for p in parsed if p.valid("cqc_location_id", "practice_ods", "start_date")]
        duplicate_keys(
            [
                (
                    p.row,
                    f"the alignment of {p.cqc_location_id} with {p.practice_ods} from {p.start_date.isoformat()}",
                )
                for p in identified
            ],
            "start_date",
            problems,
        )
        known = [
            p
            for p in identified
            if p.valid("end_date") and p.cqc_location_id in homes and p.practice_ods in practices
        ]
        existing = {
            (a.care_home.cqc_location_id, a.practice.ods_code, a.start_date): a
            for a in Alignment.objects.select_related("care_home", "practice").filter(
                care_home__in=[homes[p.cqc_location_id] for p in known],
                practice__in=[practices[p.practice_ods] for p in known],
            )
        }
        _check_overlaps(known, existing, problems)
        if problems:
            return Plan(self.noun, problems=problems)

        plan = Plan(self.noun)
        for p in parsed:
            home, practice = homes[p.cqc_location_id], practices[p.practice_ods]
            key = f"{p.cqc_location_id} / {p.practice_ods} / {p.start_date.isoformat()}"
            description = (
                f"{home.name} ({home.cqc_location_id}) with {practice.name} ({practice.ods_code}) "
                f"{_Span(p.start_date, p.end_date, None).dates}, lead GP {p.lead_gp}"
            )
            current = existing.get(p.identity)
            if current is None:
                new = Alignment(
                    care_home=home,
                    practice=practice,
                    start_date=p.start_date,
                    end_date=p.end_date,
                    lead_gp=p.lead_gp,
                )
                plan.changes.append(
                    Change(Action.CREATE, "alignment", key, description, write=new.save)
                )
                continue
            values = {"end_date": p.end_date, "lead_gp": p.lead_gp}
            fields = field_changes(
                [(name, getattr(current, name), value) for name, value in values.items()]
            )
            if fields:
                plan.changes.append(
                    Change(
                        Action.UPDATE,
                        "alignment",
                        key,
                        description,
                        fields,
                        write=save_later(current, values),
                    )
                )
            else:
                plan.changes.append(Change(Action.UNCHANGED, "alignment", key, description))
        return plan

    def _parse(self, row: Row, problems: list[RowProblem]) -> AlignmentRow:
        cells = Cells(row, problems)
        cqc_location_id = cells.identifier("cqc_location_id", validate_cqc_location_id)
        practice_ods = cells.identifier("practice_ods", validate_practice_ods)
        start_date = cells.date("start_date")
        end_date = cells.date("end_date", required=False)
        if start_date and end_date and end_date < start_date:
            cells.problem(
                "end_date",
                f"{end_date.isoformat()} is before the start date {start_date.isoformat()}.",
            )
        return AlignmentRow(
            row=row,
            cqc_location_id=cqc_location_id,
            practice_ods=practice_ods,
            start_date=start_date,
            end_date=end_date,
            lead_gp=cells.text("lead_gp"),
            failed=frozenset(cells.failed),  # last: after every cell is read
        )


def _check_overlaps(rows: list[AlignmentRow], existing: dict, problems: list[RowProblem]) -> None:
    """Alignments of one home–practice pair may follow each other but never overlap, so a quarter
    never counts the same home twice for a practice. The file's rows replace the recorded
    alignments they name; the others stay and are checked too."""
    pairs: dict[tuple[str, str], dict] = {}
    for (cqc, ods, start), alignment in existing.items():
        pairs.setdefault((cqc, ods), {})[start] = _Span(start, alignment.end_date, None)
    for p in rows:
        # A repeated identity is already a problem; the first row stands for it here.
        spans = pairs.setdefault((p.cqc_location_id, p.practice_ods), {})
        if spans.get(p.start_date) is None or spans[p.start_date].row is None:
            spans[p.start_date] = _Span(p.start_date, p.end_date, p.row.number)
    for (cqc, ods), spans in pairs.items():
        ordered = sorted(spans.values(), key=lambda s: (s.start, s.row or 0))
        for i, later in enumerate(ordered):
            for earlier in ordered[:i]:
                if not earlier.overlaps(later):
                    continue
                # Report on a row of the file: the later one when both are.
                in_file = [s for s in (earlier, later) if s.row]
                if not in_file:
                    continue
                at = max(in_file, key=lambda s: s.row)
                other = earlier if at is later else later
                problems.append(
                    RowProblem(
                        at.row,
                        "start_date",
                        f"overlaps the alignment of {cqc} with {ods} {other}: alignments of the "
                        "same home and practice cannot overlap.",
                    )
                )
