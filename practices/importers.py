"""The practices file (SPEC section 10): one row per practice, with its PCN, its commissioner and its
contact emails. Commissioners and PCNs are created or renamed from the rows that name them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from core.identifiers import validate_commissioner_code, validate_pcn_code, validate_practice_ods
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
from practices.models import PCN, Agreement, Commissioner, Practice, PracticeContact
from practices.services import pcn_membership_follow


@dataclass(frozen=True)
class PracticeRow(ParsedRow):
    ods_code: str
    name: str
    pcn_code: str
    pcn_name: str
    commissioner_code: str
    commissioner_name: str
    emails: tuple[str, ...]  # lower-case, sorted, without repeats
    supplier_number: str | None = None  # None: the file has no supplier_number column


class PracticesImporter(Importer):
    kind = "practices"
    label = "Practices"
    noun = "practice"
    columns = (
        "ods_code",
        "name",
        "pcn_code",
        "pcn_name",
        "commissioner_code",
        "commissioner_name",
        "email",
    )
    # Not in SPEC §10: the finance system's supplier number (docs/adr/0022). A file without the
    # column leaves practices' supplier numbers as they are.
    optional_columns = ("supplier_number",)
    help_text = (
        "One row per practice. email holds one or more addresses separated by semicolons; "
        "they replace the practice's contact list. An optional supplier_number column sets the "
        "practice's supplier number in the finance system."
    )

    def plan(self, rows: list[Row], *, context: ImportContext) -> Plan:
        problems: list[RowProblem] = []
        parsed = [self._parse(row, problems) for row in rows]
        duplicate_keys(
            [(p.row, p.ods_code) for p in parsed if p.valid("ods_code")], "ods_code", problems
        )
        commissioners = _first_of_each(
            [p for p in parsed if p.valid("commissioner_code", "commissioner_name")],
            key=lambda p: p.commissioner_code,
            problems=problems,
            what="commissioner",
            same=[("commissioner_name", lambda p: p.commissioner_name, "is named")],
        )
        pcns = _first_of_each(
            [p for p in parsed if p.valid("pcn_code", "pcn_name", "commissioner_code")],
            key=lambda p: p.pcn_code,
            problems=problems,
            what="PCN",
            same=[
                ("pcn_name", lambda p: p.pcn_name, "is named"),
                ("commissioner_code", lambda p: p.commissioner_code, "belongs to"),
            ],
        )
        existing = _Existing.load(parsed)
        if context.is_scoped:
            self._check_scope(parsed, existing, context, problems)
        if problems:
            return Plan(self.noun, problems=problems)
        return self._changes(parsed, commissioners, pcns, existing)

    # -- reading a row ------------------------------------------------------------------------

    def _parse(self, row: Row, problems: list[RowProblem]) -> PracticeRow:
        cells = Cells(row, problems)
        return PracticeRow(
            row=row,
            ods_code=cells.identifier("ods_code", validate_practice_ods),
            name=cells.text("name"),
            pcn_code=cells.identifier("pcn_code", validate_pcn_code),
            pcn_name=cells.text("pcn_name"),
            commissioner_code=cells.identifier("commissioner_code", validate_commissioner_code),
            commissioner_name=cells.text("commissioner_name"),
            emails=_emails(cells),
            supplier_number=(
                cells.text("supplier_number", required=False, max_length=20)
                if "supplier_number" in row.cells
                else None
            ),
            failed=frozenset(cells.failed),  # last: after every cell is read
        )

    def _check_scope(self, parsed, existing: _Existing, context: ImportContext, problems):
        """Through the web an officer imports only their own commissioner's practices and PCNs."""
        own = context.commissioner
        for p in parsed:
            if not p.valid("commissioner_code"):
                continue
            if p.commissioner_code != own.code:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "commissioner_code",
                        f"{p.commissioner_code} is not your commissioner: you can import practices of {own} only.",
                    )
                )
                continue
            pcn = existing.pcns.get(p.pcn_code) if p.valid("pcn_code") else None
            if pcn is not None and pcn.commissioner_id != own.pk:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "pcn_code",
                        f"PCN {p.pcn_code} is registered with another commissioner: it cannot be imported into {own}.",
                    )
                )
            practice = existing.practices.get(p.ods_code) if p.valid("ods_code") else None
            if practice is not None and practice.pcn.commissioner_id != own.pk:
                problems.append(
                    RowProblem(
                        p.row.number,
                        "ods_code",
                        f"Practice {p.ods_code} is registered with another commissioner: it cannot be imported into {own}.",
                    )
                )

    # -- working out the changes --------------------------------------------------------------

    def _changes(self, parsed, commissioners, pcns, existing: _Existing) -> Plan:
        plan = Plan(self.noun)
        commissioner_objects = {}
        for code, p in commissioners.items():
            current = existing.commissioners.get(code)
            description = f"{p.commissioner_name} ({code})"
            if current is None:
                obj = Commissioner(code=code, name=p.commissioner_name)
                plan.changes.append(
                    Change(Action.CREATE, "commissioner", code, description, write=obj.save)
                )
            else:
                obj = current
                fields = field_changes([("name", current.name, p.commissioner_name)])
                plan.changes.append(
                    _update_or_unchanged(
                        "commissioner", code, description, fields, current, name=p.commissioner_name
                    )
                )
            commissioner_objects[code] = obj

        pcn_objects = {}
        for code, p in pcns.items():
            current = existing.pcns.get(code)
            commissioner = commissioner_objects[p.commissioner_code]
            description = f"{p.pcn_name} ({code}) of {p.commissioner_code}"
            if current is None:
                obj = PCN(code=code, name=p.pcn_name, commissioner=commissioner)
                plan.changes.append(Change(Action.CREATE, "PCN", code, description, write=obj.save))
            else:
                obj = current
                fields = field_changes(
                    [
                        ("name", current.name, p.pcn_name),
                        ("commissioner", current.commissioner.code, p.commissioner_code),
                    ]
                )
                plan.changes.append(
                    _update_or_unchanged(
                        "PCN",
                        code,
                        description,
                        fields,
                        current,
                        name=p.pcn_name,
                        commissioner=commissioner,
                    )
                )
            pcn_objects[code] = obj

        agreements = []
        for p in parsed:
            current = existing.practices.get(p.ods_code)
            pcn = pcn_objects[p.pcn_code]
            description = f"{p.name} ({p.ods_code}) in {p.pcn_name}"
            if current is None:
                practice = Practice(
                    ods_code=p.ods_code,
                    name=p.name,
                    pcn=pcn,
                    supplier_number=p.supplier_number or "",
                )
                plan.changes.append(
                    Change(
                        Action.CREATE,
                        "practice",
                        p.ods_code,
                        f"{description}; contacts {'; '.join(p.emails)}",
                        write=_save_later_with_contacts(practice, emails=p.emails, pcn=pcn),
                    )
                )
                agreement = Agreement(practice=practice, starts_on=None, signed_on=None)
                agreements.append(
                    Change(
                        Action.CREATE,
                        "agreement",
                        p.ods_code,
                        f"Standing LES agreement of {p.name} ({p.ods_code}), in force from the start",
                        write=agreement.save,
                    )
                )
                continue
            current_emails = tuple(sorted({c.email.lower() for c in current.contacts.all()}))
            fields = field_changes(
                [
                    ("name", current.name, p.name),
                    ("PCN", current.pcn.code, p.pcn_code),
                    ("email", "; ".join(current_emails), "; ".join(p.emails)),
                    *(
                        [("supplier_number", current.supplier_number, p.supplier_number)]
                        if p.supplier_number is not None
                        else []
                    ),
                ]
            )
            if not fields:
                plan.changes.append(Change(Action.UNCHANGED, "practice", p.ods_code, description))
                continue
            plan.changes.append(
                Change(
                    Action.UPDATE,
                    "practice",
                    p.ods_code,
                    description,
                    fields,
                    write=_save_later_with_contacts(
                        current,
                        emails=p.emails if p.emails != current_emails else None,
                        name=p.name,
                        pcn=pcn,
                        **(
                            {"supplier_number": p.supplier_number}
                            if p.supplier_number is not None
                            else {}
                        ),
                    ),
                )
            )
        plan.changes.extend(agreements)
        return plan


# -- helpers ------------------------------------------------------------------------------------


@dataclass
class _Existing:
    """The registry objects the file names, fetched once."""

    commissioners: dict[str, Commissioner]
    pcns: dict[str, PCN]
    practices: dict[str, Practice]

    @classmethod
    def load(cls, parsed) -> _Existing:
        return cls(
            commissioners={
                c.code: c
                for c in Commissioner.objects.filter(code__in={p.commissioner_code for p in parsed})
            },
            pcns={
                pcn.code: pcn
                for pcn in PCN.objects.select_related("commissioner").filter(
                    code__in={p.pcn_code for p in parsed}
                )
            },
            practices={
                practice.ods_code: practice
                for practice in Practice.objects.select_related("pcn__commissioner")
                .prefetch_related("contacts")
                .filter(ods_code__in={p.ods_code for p in parsed})
            },
        )


def _emails(cells: Cells) -> tuple[str, ...]:
    value = cells.row["email"]
    emails = sorted({e.strip().lower() for e in value.split(";") if e.strip()})
    if not emails:
        cells.problem("email", "is blank: give at least one address (separate several with ;).")
    for email in emails:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            cells.problem("email", f"{email!r} is not a valid email address.")
    return tuple(emails)


def _first_of_each(parsed, *, key, problems, what, same):
    """The first row naming each key; later rows that describe the same key differently are problems."""
    first = {}
    for p in parsed:
        earlier = first.setdefault(key(p), p)
        for column, value, verb in same:
            if value(p) != value(earlier):
                problems.append(
                    RowProblem(
                        p.row.number,
                        column,
                        f"{what} {key(p)} {verb} {value(earlier)!r} on row {earlier.row.number} but "
                        f"{value(p)!r} here: a {what} must be described the same way on every row.",
                    )
                )
    return first


def _update_or_unchanged(kind, key, description, fields, instance, **values) -> Change:
    if not fields:
        return Change(Action.UNCHANGED, kind, key, description)
    return Change(
        Action.UPDATE,
        kind,
        key,
        description,
        fields,
        write=_save_later_with_contacts(instance, **values),
    )


def _save_later_with_contacts(instance, *, emails=None, **values):
    """:func:`importing.base.save_later`, then, for a practice, its PCN membership follows a new
    PCN and its contact list is replaced with ``emails`` when given."""

    def after(saved):
        if "pcn" in values:
            pcn_membership_follow(practice=saved, on=timezone.localdate())
        if emails is not None:
            _replace_contacts(saved, emails)

    return save_later(instance, values, then=after)


def _replace_contacts(practice: Practice, emails: tuple[str, ...]) -> None:
    current = {c.email.lower(): c for c in practice.contacts.all()}
    for address, contact in current.items():
        if address not in emails:
            contact.delete()
    PracticeContact.objects.bulk_create(
        [PracticeContact(practice=practice, email=e) for e in emails if e not in current]
    )
