"""Care-home coverage: what NHS England's care-home support letter (seed 004) asks every home to
have, which of it each home lacks, and the officers' record of it (docs/adr/0014).

- :func:`coverage_gaps` is the rule: a pure function from a home's facts to its gaps, in words.
- :func:`coverage_rows` is the read the coverage page and the sitrep export share: every home in
  the user's scope with its current aligned practices, their PCNs, its coverage and its gaps, in a
  constant number of queries however many homes there are.
- :func:`coverage_record` is the write: an upsert of a home's coverage (and its acuity tier) with
  an audit event of what changed, in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch

from carehomes.models import Alignment, CareHome, Coverage
from history.services import audit_record

# -- the rule ------------------------------------------------------------------------------------

NO_PRACTICE = "No aligned practice"
NO_CLINICAL_LEAD = "No named clinical lead"
NO_CHECK_IN = "No weekly check-in"
NO_MDT = "No MDT"
NO_OUT_OF_HOURS = "No out-of-hours provider"
NO_CARE_PLANS = "No personalised care plans recorded"
GAPS = (NO_PRACTICE, NO_CLINICAL_LEAD, NO_CHECK_IN, NO_MDT, NO_OUT_OF_HOURS, NO_CARE_PLANS)


@dataclass(frozen=True)
class CoverageFacts:
    """What is known of one home's coverage. The defaults are a home nobody has recorded: it has
    every gap."""

    aligned_practices: int = 0
    clinical_lead: str = ""
    check_in_day: int | None = None
    check_in_by: str = ""
    mdt_in_place: bool = False
    out_of_hours_provider: str = ""
    care_plans_recorded: bool = False


def _blank(text: str) -> bool:
    return not (text or "").strip()


def coverage_gaps(facts: CoverageFacts) -> list[str]:
    """The home's gaps, in the order of :data:`GAPS`; empty when it is covered.

    A weekly check-in is only in place when both its day and who does it are known: a day with
    nobody named (or a name with no day) is not a check-in the home can rely on."""
    gaps = []
    if facts.aligned_practices < 1:
        gaps.append(NO_PRACTICE)
    if _blank(facts.clinical_lead):
        gaps.append(NO_CLINICAL_LEAD)
    if facts.check_in_day is None or _blank(facts.check_in_by):
        gaps.append(NO_CHECK_IN)
    if not facts.mdt_in_place:
        gaps.append(NO_MDT)
    if _blank(facts.out_of_hours_provider):
        gaps.append(NO_OUT_OF_HOURS)
    if not facts.care_plans_recorded:
        gaps.append(NO_CARE_PLANS)
    return gaps


def facts_of(coverage: Coverage | None, *, aligned_practices: int) -> CoverageFacts:
    if coverage is None:
        return CoverageFacts(aligned_practices=aligned_practices)
    return CoverageFacts(
        aligned_practices=aligned_practices,
        clinical_lead=coverage.clinical_lead,
        check_in_day=coverage.check_in_day,
        check_in_by=coverage.check_in_by,
        mdt_in_place=coverage.mdt_in_place,
        out_of_hours_provider=coverage.out_of_hours_provider,
        care_plans_recorded=coverage.care_plans_recorded,
    )


# -- the read ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One home on the coverage page and in the sitrep."""

    care_home: CareHome
    alignments: list[Alignment]  # current on the day, ordered by practice name
    coverage: Coverage | None  # None: nothing recorded yet
    gaps: list[str]

    @property
    def practices(self) -> list:
        # A practice aligned twice on one day cannot happen (alignments of a pair never overlap).
        return [alignment.practice for alignment in self.alignments]

    @property
    def pcns(self) -> list:
        seen: dict[int, object] = {}
        for practice in self.practices:
            seen.setdefault(practice.pcn_id, practice.pcn)
        return list(seen.values())

    @property
    def has_gap(self) -> bool:
        return bool(self.gaps)

    @property
    def clinical_lead(self) -> str:
        return self.coverage.clinical_lead if self.coverage else ""

    @property
    def check_in_day(self) -> str:
        if self.coverage is None or self.coverage.check_in_day is None:
            return ""
        return self.coverage.get_check_in_day_display()

    @property
    def check_in_by(self) -> str:
        return self.coverage.check_in_by if self.coverage else ""

    @property
    def mdt_in_place(self) -> bool:
        return bool(self.coverage and self.coverage.mdt_in_place)

    @property
    def out_of_hours_provider(self) -> str:
        return self.coverage.out_of_hours_provider if self.coverage else ""

    @property
    def care_plans_recorded(self) -> bool:
        return bool(self.coverage and self.coverage.care_plans_recorded)


# A home's columns and its coverage's, as values: what the gap index and the sitrep read.
_HOME_VALUES = ("pk", "cqc_location_id", "name", "postcode", "category", "beds")
_COVERAGE_VALUES = tuple(
    f"coverage__{name}"
    for name in (
        "clinical_lead", "check_in_day", "check_in_by", "mdt_in_place", "out_of_hours_provider",
        "care_plans_recorded",
    )
)  # fmt: skip


def _home_values(scope):
    """Every home in scope, by name: its columns then its coverage's (``None`` when none)."""
    return (
        CareHome.objects.visible_to(scope)
        .order_by("name", "cqc_location_id")
        .values_list(*_HOME_VALUES, *_COVERAGE_VALUES)
    )


def _facts(coverage_values: tuple, aligned: int) -> CoverageFacts:
    """The rule's facts from a home's coverage values (all ``None``: nothing recorded)."""
    lead, day, by, mdt, out_of_hours, plans = coverage_values
    return CoverageFacts(
        aligned_practices=aligned,
        clinical_lead=lead or "",
        check_in_day=day,
        check_in_by=by or "",
        mdt_in_place=bool(mdt),
        out_of_hours_provider=out_of_hours or "",
        care_plans_recorded=bool(plans),
    )


def coverage_gap_index(scope, today: datetime.date) -> list[tuple[int, list[str]]]:
    """Every home in ``CareHome.objects.visible_to(scope)``, by name, with its gaps: the ids and
    the facts the rule needs, read as values in two queries (issue 18). The coverage page counts
    and filters with this, then draws only its page's homes with :func:`coverage_rows`; the gaps
    are the same (``tests/carehomes/test_coverage.py`` compares the two)."""
    aligned = dict(
        Alignment.objects.visible_to(scope)
        .current(today)
        .order_by()
        .values("care_home_id")
        .annotate(n=Count("pk"))
        .values_list("care_home_id", "n")
    )
    width = len(_HOME_VALUES)
    return [
        (row[0], coverage_gaps(_facts(row[width:], aligned.get(row[0], 0))))
        for row in _home_values(scope)
    ]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def sitrep_lines(scope, today: datetime.date):
    """The sitrep's rows (``SITREP_HEADER`` of the view), one per home in scope, by name, read as
    values in two queries (issue 18: no model instance per home, alignment, practice and PCN)."""
    practices: dict[int, list[tuple]] = {}
    for home_id, *practice in (
        Alignment.objects.visible_to(scope)
        .current(today)
        .order_by("practice__name", "practice__ods_code")
        .values_list(
            "care_home_id", "practice__ods_code", "practice__name", "practice__pcn_id",
            "practice__pcn__code", "practice__pcn__name",
        )
    ):  # fmt: skip
        practices.setdefault(home_id, []).append(practice)
    day_names = dict(Coverage._meta.get_field("check_in_day").choices)
    width = len(_HOME_VALUES)
    for row in _home_values(scope):
        pk, cqc_location_id, name, postcode, category, beds = row[:width]
        lead, day, by, mdt, out_of_hours, plans = row[width:]
        theirs = practices.get(pk, [])
        pcns = {pcn_id: (code, pcn_name) for _ods, _name, pcn_id, code, pcn_name in theirs}
        yield [
            cqc_location_id, name, postcode, category, beds,
            "; ".join(p[0] for p in theirs), "; ".join(p[1] for p in theirs),
            "; ".join(code for code, _ in pcns.values()),
            "; ".join(pcn_name for _, pcn_name in pcns.values()),
            lead or "", day_names.get(day, "") if day is not None else "", by or "",
            _yes_no(bool(mdt)), out_of_hours or "", _yes_no(bool(plans)),
            "; ".join(coverage_gaps(_facts(row[width:], len(theirs)))),
        ]  # fmt: skip


def coverage_rows(scope, today: datetime.date, *, ids=None) -> list[CoverageRow]:
    """Every home in ``CareHome.objects.visible_to(scope)`` (learning disability homes too: they are outside the
    LES but NHS England's letter covers every care home), by name, with the alignments current on
    ``today`` (a London date) that the user may see. Two queries, whatever the number of homes."""
    current = (
        Alignment.objects.visible_to(scope)
        .current(today)
        .select_related("practice__pcn")
        .order_by("practice__name", "practice__ods_code")
    )
    homes = CareHome.objects.visible_to(scope)
    if ids is not None:  # the homes of one page (the coverage page, issue 18)
        homes = homes.filter(pk__in=list(ids))
    homes = (
        homes.select_related("coverage")
        .prefetch_related(Prefetch("alignments", queryset=current, to_attr="current_alignments"))
        .order_by("name", "cqc_location_id")
    )
    rows = []
    for home in homes:
        coverage = getattr(home, "coverage", None)  # the reverse one-to-one raises when absent
        facts = facts_of(coverage, aligned_practices=len(home.current_alignments))
        rows.append(
            CoverageRow(
                care_home=home,
                alignments=home.current_alignments,
                coverage=coverage,
                gaps=coverage_gaps(facts),
            )
        )
    return rows


# -- the write -----------------------------------------------------------------------------------

COVERAGE_FIELDS = (
    "clinical_lead",
    "check_in_day",
    "check_in_by",
    "mdt_in_place",
    "out_of_hours_provider",
    "care_plans_recorded",
)
TEXT_FIELDS = ("clinical_lead", "check_in_by", "out_of_hours_provider")


def _label(name: str) -> str:
    model = CareHome if name == "acuity_tier" else Coverage
    return str(model._meta.get_field(name).verbose_name)


@transaction.atomic
def coverage_record(*, care_home: CareHome, by, **fields) -> Coverage:
    """Record (create or change) ``care_home``'s coverage: any of :data:`COVERAGE_FIELDS` and the
    home's ``acuity_tier``; fields not given keep their value. One audit event, on the home, holds
    the before and after of each field that changed. Bad values raise ``ValidationError`` naming
    the field, and nothing is written."""
    unknown = set(fields) - set(COVERAGE_FIELDS) - {"acuity_tier"}
    if unknown:
        raise TypeError(f"coverage_record() got unknown fields: {', '.join(sorted(unknown))}")
    # Lock the home: two officers saving the same home at once must not both create its row.
    home = CareHome.objects.select_for_update().get(pk=care_home.pk)
    coverage = Coverage.objects.filter(care_home=home).first()
    creating = coverage is None
    if creating:
        coverage = Coverage(care_home=home)

    before = {name: getattr(coverage, name) for name in COVERAGE_FIELDS}
    before["acuity_tier"] = home.acuity_tier
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(home if name == "acuity_tier" else coverage, name, value)
    errors = {}
    try:
        coverage.full_clean(exclude=["care_home", "updated_by"], validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        home._meta.get_field("acuity_tier").clean(home.acuity_tier, home)
    except ValidationError as error:
        errors["acuity_tier"] = error.messages
    if errors:
        raise ValidationError(errors)

    after = {name: getattr(coverage, name) for name in COVERAGE_FIELDS}
    after["acuity_tier"] = home.acuity_tier
    changed = [name for name in after if after[name] != before[name]]
    if not (creating or changed):
        return coverage

    coverage.updated_by = by if getattr(by, "pk", None) else None
    coverage.save()
    if "acuity_tier" in changed:
        home.save(update_fields=["acuity_tier"])
    what = ", ".join(_label(name) for name in changed) or "nothing yet"
    audit_record(
        by=by,
        action="coverage_record",
        obj=home,
        summary=f"Coverage of {home.name} ({home.cqc_location_id}) "
        + ("recorded: " if creating else "changed: ")
        + what,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    care_home.acuity_tier = home.acuity_tier  # the caller's copy shows what was saved
    return coverage
