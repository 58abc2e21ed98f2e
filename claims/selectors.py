"""Reads shared by the worksheet pages, the imports and the exports."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from carehomes.models import Alignment, CareHome
from claims import rules
from claims.models import (
    DueDateExtension,
    LatenessBand,
    Quarter,
    Tariff,
    Worksheet,
    WorksheetLine,
)
from claims.rules import DEFAULT_BANDS, Band, InvalidBands, Rates, check_bands
from core.periods import Period
from practices.models import Agreement, Practice


def rates_for(quarter: Quarter) -> Rates:
    """The tariff of the quarter's financial year: its own row, else the most recent earlier one."""
    tariff = Tariff.objects.filter(year__lte=quarter.year).order_by("-year").first()
    if tariff is None:
        raise LookupError(
            f"No tariff covers {quarter.period.financial_year}: an officer must set one."
        )
    return tariff.rates


def effective_due_date(quarter: Quarter, commissioner_id: int | None) -> datetime.date:
    """The day a commissioner's practices' worksheets for ``quarter`` are due: the commissioner's
    extension if it set one (ADR 0043), else the quarter's default. One query."""
    if quarter.pk is None or commissioner_id is None:
        return quarter.due_date
    extended = (
        DueDateExtension.objects.filter(quarter=quarter, commissioner_id=commissioner_id)
        .values_list("due_date", flat=True)
        .first()
    )
    return extended or quarter.due_date


def effective_due_dates(
    quarter: Quarter, practice_ids: Collection[int]
) -> dict[int, datetime.date]:
    """The effective due date of each of these practices (by its commissioner), for every practice
    whose commissioner extended the quarter's due date; the others are due on ``quarter.due_date``.
    One query."""
    if quarter.pk is None:
        return {}
    return dict(
        Practice.objects.filter(
            pk__in=practice_ids,
            pcn__commissioner__due_date_extensions__quarter=quarter,
        ).values_list("pk", "pcn__commissioner__due_date_extensions__due_date")
    )


def bands() -> tuple[Band, ...]:
    """The lateness bands, checked as they are read (:func:`claims.rules.check_bands`): a table
    that breaks the rules raises :class:`claims.rules.InvalidBands`, naming the fault, rather than
    price a claim with it.

    An EMPTY table means the rule book's bands (docs/rules.md, SPEC §6), ``rules.DEFAULT_BANDS``:
    they are the documented rule, and migration 0002 seeds the table with them. The table lets
    officers see (and a commissioner change) the bands; with no rows the documented ones apply."""
    rows = tuple(row.band for row in LatenessBand.objects.order_by("min_days"))
    if not rows:
        return DEFAULT_BANDS
    try:
        check_bands(rows)
    except ValueError as invalid:
        raise InvalidBands(f"The lateness band table cannot be used: {invalid}") from invalid
    return rows


def agreements_in_force(quarter: Quarter):
    """Agreements in force on any day of the quarter: no claim for a quarter that starts after the end."""
    return Agreement.objects.filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=quarter.last_day)
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=quarter.first_day))


def agreement_refusal(claim: Worksheet) -> str | None:
    """Why the claim cannot be checked, approved or paid because of the practice's agreement (SPEC
    §2: no claim for a quarter that starts after the agreement's end), or ``None`` when an agreement
    is in force on some day of its quarter. The one rule, by :func:`agreements_in_force`, that
    submission, review and payment runs all apply."""
    quarter = claim.quarter
    agreements = Agreement.objects.filter(practice_id=claim.practice_id)
    if agreements_in_force(quarter).filter(practice_id=claim.practice_id).exists():
        return None
    ended = agreements.filter(ends_on__lt=quarter.first_day).order_by("-ends_on").first()
    if ended is not None:
        return (
            f"The practice's agreement ended on {ended.ends_on:%-d %B %Y}; no claim is paid for a "
            "quarter starting after it."
        )
    return (
        f"The practice has no LES agreement in force in {quarter.label}; no claim is paid for it."
    )


def quarters_with(worksheets: QuerySet[Worksheet]) -> QuerySet[Quarter]:
    """The quarters with at least one of these worksheets, newest first: one EXISTS per quarter of
    the scheme (a few dozen), each answered from the worksheets' quarter index, rather than
    reading every worksheet of the scope's history (issue 18)."""
    return Quarter.objects.filter(
        Exists(worksheets.filter(quarter_id=OuterRef("pk")).order_by())
    ).order_by("-year", "-number")


def years_with(worksheets: QuerySet[Worksheet]) -> list[int]:
    """The financial years (newest first) with at least one of these worksheets."""
    return list(dict.fromkeys(quarters_with(worksheets).values_list("year", flat=True)))


def claims_covered_by_agreement(claims: QuerySet[Worksheet]) -> QuerySet[Worksheet]:
    """The claims whose practice has an agreement in force on some day of the claim's quarter: the
    queryset form of :func:`agreement_refusal` (``None``), for a payment run to filter what it
    takes. One condition per quarter the claims span, each from :func:`agreements_in_force`."""
    return claims.filter(covered_by_agreement(claims))


def covered_by_agreement(claims: QuerySet[Worksheet], quarters=None) -> Q:
    """:func:`claims_covered_by_agreement`'s condition, for a filter or an aggregate's ``filter``.
    ``quarters``: the quarters the claims span, when the caller has read them (any superset
    serves); otherwise they are read now (one query).

    Each claim's practice's agreements are looked up by the practice (``EXISTS``, the agreements'
    practice index) rather than every agreement in the country read and hashed for each quarter
    (``IN``): inside an ``OR`` or an aggregate's ``FILTER`` the planner cannot turn either into a
    join, and the queue's counts, one ``FILTER`` per status, read the country's agreements once per
    status (issue 18)."""
    covered = Q(pk__in=[])
    for quarter in quarters_with(claims) if quarters is None else quarters:
        covered |= Q(quarter=quarter) & Q(
            Exists(agreements_in_force(quarter).filter(practice_id=OuterRef("practice_id")))
        )
    return covered


def _ids(practices):
    """A queryset of practices as a subquery of their ids (a list of ids or an ``values("pk")``
    queryset as it is)."""
    if isinstance(practices, QuerySet) and practices.model is Practice and not practices._fields:
        return practices.values("pk")
    return practices


def practices_expected(quarter: Quarter, practices=None):
    """Practices that owe a worksheet for the quarter: an agreement in force and an eligible aligned
    home on some day of it, and not closed before it began (ODS's close date, ADR 0024). Any span with ``first_day`` and ``last_day`` serves: a half-year owes an
    outcomes report, a financial year can be audited, by the same rule.

    ``practices`` (a queryset of practices or of their ids, or a list of ids) narrows it before
    anything is joined: the alignments and agreements read are only theirs, so the cost is the
    viewer's practices', not the nation's (issue 18, ADR 0045). Omitted, it is every practice."""
    aligned = Alignment.objects.covering(quarter.first_day, quarter.last_day).filter(
        care_home__in=CareHome.objects.eligible()
    )
    agreed = agreements_in_force(quarter)
    expected = Practice.objects.all()
    if practices is not None:
        practices = _ids(practices)
        expected = expected.filter(pk__in=practices)
        aligned = aligned.filter(practice_id__in=practices)
        agreed = agreed.filter(practice_id__in=practices)
    return (
        expected.filter(pk__in=aligned.values("practice_id"))
        .filter(pk__in=agreed.values("practice_id"))
        .exclude(closed_on__lt=quarter.first_day)
    )


def has_fallen_due(due_date: datetime.date, today: datetime.date) -> bool:
    """Whether a period's due date has passed on ``today`` (a Europe/London date): only then is
    something not sent *missing*. On the due date itself it can still come in on time."""
    return due_date < today


def practices_not_submitted(span, submitted: QuerySet, practices=None) -> QuerySet[Practice]:
    """Practices that owe ``span`` (:func:`practices_expected`, narrowed first to ``practices``
    when given) and are not among ``submitted`` (a queryset of practice ids): whether or not it
    has fallen due. The export's ``missing`` rows."""
    if practices is not None:
        submitted = submitted.filter(practice_id__in=_ids(practices))
    return practices_expected(span, practices).exclude(pk__in=submitted)


def practices_overdue(
    span, submitted: QuerySet, *, today: datetime.date, practices=None
) -> QuerySet[Practice]:
    """THE rule for "owed and not submitted": practices that owe ``span`` (a quarter's worksheet or
    a half-year's outcomes report: anything with ``first_day``, ``last_day`` and ``due_date``), have
    not sent it, and whose due date has passed. The home pages, the outstanding pages and the
    dashboard all count with it, so a period not yet due is never counted as missing. A practice
    whose commissioner extended a quarter's due date (ADR 0043) is not overdue until that passes."""
    if not has_fallen_due(span.due_date, today):
        return Practice.objects.none()
    overdue = practices_not_submitted(span, submitted, practices)
    if isinstance(span, Quarter) and span.pk is not None:
        overdue = overdue.exclude(
            pcn__commissioner_id__in=DueDateExtension.objects.filter(
                quarter=span, due_date__gte=today
            ).values("commissioner_id")
        )
    return overdue


def worksheet_submitters(quarter: Quarter) -> QuerySet:
    """Ids of the practices with a worksheet for the quarter (stored or not yet opened)."""
    return Worksheet.objects.filter(
        quarter__year=quarter.year, quarter__number=quarter.number
    ).values("practice_id")


def worksheets_overdue(
    quarter: Quarter, *, today: datetime.date, practices=None
) -> QuerySet[Practice]:
    """:func:`practices_overdue` for a quarter's worksheets (of ``practices`` when given)."""
    return practices_overdue(
        quarter, worksheet_submitters(quarter), today=today, practices=practices
    )


def quarter_or_default(period: Period) -> Quarter:
    """The stored quarter, or an unsaved one with its default due date if nobody has opened it."""
    return Quarter.objects.filter(year=period.year, number=period.quarter).first() or Quarter(
        year=period.year, number=period.quarter, due_date=period.default_due_date
    )


def last_quarter_due(today: datetime.date) -> Quarter:
    """The latest quarter whose due date has passed on ``today``: the quarter just ended once its
    due date is behind us, else the one before it (due dates fall within the next quarter)."""
    ended = Period.containing(today).previous()
    quarter = quarter_or_default(ended)
    if has_fallen_due(quarter.due_date, today):
        return quarter
    return quarter_or_default(ended.previous())


def previous_quarter(quarter: Quarter) -> Quarter:
    """The quarter before, as stored, or unsaved with its default due date if nobody has opened it."""
    previous = quarter.period.previous()
    return Quarter.objects.filter(year=previous.year, number=previous.quarter).first() or Quarter(
        year=previous.year, number=previous.quarter, due_date=previous.default_due_date
    )


@dataclass(frozen=True)
class CarriedLine:
    """The previous quarter's line an opening is carried forward from, as read for the checks: its
    id, its closing (by :attr:`claims.rules.Line.closing`) and its quarter, not a model instance
    (a national quarter reads 20,000 of them, issue 18)."""

    pk: int
    closing: int
    quarter: Period


@dataclass(frozen=True)
class Opening:
    """What a line's opening will be: carried forward from ``carried_from``, an officer's
    ``corrected`` figure (kept when a queried worksheet is resubmitted), or a baseline to enter."""

    care_home: CareHome
    carried_from: CarriedLine | None
    corrected: int | None = None

    @property
    def value(self) -> int | None:
        if self.corrected is not None:
            return self.corrected
        return self.carried_from.closing if self.carried_from else None

    @property
    def is_baseline(self) -> bool:
        return self.carried_from is None and self.corrected is None

    @property
    def carried_from_id(self) -> int | None:
        return self.carried_from.pk if self.carried_from else None


def openings(practice: Practice, quarter: Quarter) -> list[Opening]:
    """One per eligible aligned home, in name order, with the previous quarter's line for the same
    practice and home where there is one (three queries, whatever the number of homes)."""
    return openings_for(quarter, [practice.pk]).get(practice.pk, [])


def openings_for(quarter: Quarter, practice_ids: Collection[int]) -> dict[int, list[Opening]]:
    """:func:`openings` for many practices at once, in three queries: the pairs aligned (ids), their
    homes, and the previous quarter's lines of those practices (ids and figures)."""
    aligned = (
        Alignment.objects.covering(quarter.first_day, quarter.last_day)
        .filter(practice_id__in=practice_ids, care_home__in=CareHome.objects.eligible())
        .order_by("care_home__name", "care_home_id")
    )
    pairs = list(aligned.values_list("practice_id", "care_home_id"))
    if not pairs:
        return {}
    homes = {
        home.pk: home for home in CareHome.objects.filter(pk__in=aligned.values("care_home_id"))
    }
    by_practice: dict[int, dict[int, CareHome]] = {}
    for practice_id, home_id in pairs:  # a pair aligned twice in one quarter still has one line
        by_practice.setdefault(practice_id, {})[home_id] = homes[home_id]
    previous = quarter.period.previous()
    carried = {
        (practice_id, home_id): CarriedLine(pk, rules.Line(*figures).closing, previous)
        for pk, practice_id, home_id, *figures in WorksheetLine.objects.filter(
            worksheet__practice_id__in=list(by_practice),
            worksheet__quarter__year=previous.year,
            worksheet__quarter__number=previous.quarter,
        ).values_list("pk", "worksheet__practice_id", "care_home_id", *rules.FIELDS)
    }
    return {
        practice_id: [Opening(home, carried.get((practice_id, home.pk))) for home in by_id.values()]
        for practice_id, by_id in by_practice.items()
    }


def missing_predecessor(practice: Practice, quarter: Quarter) -> Quarter | None:
    """The gap rule (SPEC §4): the previous quarter, if the practice owed a worksheet for it, has
    submitted worksheets before it, and has not submitted it. ``None`` when nothing blocks."""
    return missing_predecessors(quarter, [practice.pk]).get(practice.pk)


def missing_predecessors(quarter: Quarter, practice_ids: Collection[int]) -> dict[int, Quarter]:
    """:func:`missing_predecessor` for many practices at once, in four queries."""
    previous = previous_quarter(quarter)
    earlier = Q(quarter__year__lt=quarter.year) | Q(
        quarter__year=quarter.year, quarter__number__lt=quarter.number
    )
    with_history = set(
        Worksheet.objects.filter(earlier, practice_id__in=practice_ids)
        .values_list("practice_id", flat=True)
        .distinct()
    )  # a practice's first worksheet in the service starts its chain: it takes baselines
    if not with_history:
        return {}
    submitted = set(
        Worksheet.objects.filter(
            practice_id__in=with_history,
            quarter__year=previous.year,
            quarter__number=previous.number,
        ).values_list("practice_id", flat=True)
    )
    owed = set(
        practices_expected(previous)
        .filter(pk__in=with_history - submitted)
        .values_list("pk", flat=True)
    )
    return dict.fromkeys(owed, previous)


@dataclass
class QuarterFacts:
    """What the submission checks need to know about a quarter for a set of practices, loaded in a
    fixed number of queries. A form submits with the facts of one practice; a bulk load builds them
    once per quarter for all its practices, so both run exactly the same checks."""

    quarter: Quarter
    bands: tuple[Band, ...]
    in_force: set[int]
    openings: dict[int, list[Opening]]
    blockers: dict[int, Quarter]
    submitted: set[int]
    _rates: Rates | None
    _no_rates: str = ""
    locked: bool = False  # the practices' rows are locked for this transaction
    due_dates: dict[int, datetime.date] = field(default_factory=dict)  # extended ones only

    def due_date(self, practice_id: int) -> datetime.date:
        """The practice's effective due date: its commissioner's extension, else the default."""
        return self.due_dates.get(practice_id, self.quarter.due_date)

    @property
    def rates(self) -> Rates:
        if self._rates is None:
            raise LookupError(self._no_rates)
        return self._rates


def quarter_facts(
    quarter: Quarter, practice_ids: Collection[int], *, lock: bool = False
) -> QuarterFacts:
    """Read the quarter for these practices. With ``lock``, first lock their rows until the caller's
    transaction ends, so no other submission for them can slip in between the checks and the writes."""
    if lock:
        list(Practice.objects.select_for_update().filter(pk__in=practice_ids).values_list("pk"))
    try:
        rates, no_rates = rates_for(quarter), ""
    except LookupError as missing:
        rates, no_rates = None, str(missing)
    return QuarterFacts(
        quarter=quarter,
        bands=bands(),
        in_force=set(
            agreements_in_force(quarter)
            .filter(practice_id__in=practice_ids)
            .values_list("practice_id", flat=True)
        ),
        openings=openings_for(quarter, practice_ids),
        blockers=missing_predecessors(quarter, practice_ids),
        submitted=set(
            Worksheet.objects.filter(
                quarter__year=quarter.year,
                quarter__number=quarter.number,
                practice_id__in=practice_ids,
            ).values_list("practice_id", flat=True)
        ),
        _rates=rates,
        _no_rates=no_rates,
        locked=lock,
        due_dates=effective_due_dates(quarter, practice_ids),
    )


# -- who may act on a claim next (the review queue, the claim page, bulk check and approve) -------


@dataclass(frozen=True)
class ReviewStep:
    """The one review action ``user`` may take on a claim now (``action``: ``check``, ``approve``,
    ``finance_approve``), or, when there is none for them, ``reason`` says who acts next and why.
    The services of ``claims/review/services.py`` enforce the same rules; this only lets a page offer what
    will not be refused (and explain what would be)."""

    action: str | None
    reason: str = ""


def review_step(claim: Worksheet, user) -> ReviewStep:
    S = Worksheet.Status
    status = claim.status
    finance = getattr(user, "is_finance_approver", False)
    if status == S.SUBMITTED:
        step = ReviewStep("check")
    elif status == S.CHECKED:
        if claim.checked_by_id == user.pk:
            return ReviewStep(None, "You checked this claim: a different officer must approve it.")
        step = ReviewStep("approve")
    elif status == S.AWAITING_FINANCE:
        if not finance:
            return ReviewStep(
                None,
                "Its net payment is above the finance threshold: a finance approver must give "
                "the final approval.",
            )
        if user.pk in (claim.checked_by_id, claim.approved_by_id):
            return ReviewStep(
                None,
                "You have already checked or approved this claim: another finance approver must "
                "approve it.",
            )
        step = ReviewStep("finance_approve")
    elif status == S.QUERIED:
        return ReviewStep(None, "Queried: waiting for the practice to answer and resubmit.")
    elif status == S.APPROVED:
        return ReviewStep(None, "Approved: it is paid in a payment run; nothing to review.")
    elif status == S.REJECTED:
        return ReviewStep(None, "Rejected: it is never paid; nothing to review.")
    else:
        return ReviewStep(None, "In a payment run: its figures are final; nothing to review.")
    refusal = agreement_refusal(claim)
    return ReviewStep(None, refusal) if refusal else step


def claims_actionable_by(claims: QuerySet[Worksheet], user) -> QuerySet[Worksheet]:
    """The claims ``user`` can take the next review step on (``review_step`` as a filter): claims
    to check, claims checked by someone else to approve, and, for finance approvers, claims
    awaiting finance approval that they neither checked nor approved; within the practice's
    agreement."""
    return claims.filter(actionable_by(claims, user))


def actionable_by(claims: QuerySet[Worksheet], user, quarters=None) -> Q:
    """:func:`claims_actionable_by`'s condition, for a filter or an aggregate's ``filter``: read
    once (the quarters the actionable claims span, one query, unless ``quarters`` gives them), it
    serves every count and filter of a page over the same claims."""
    can = reviewable_by(user)
    return can & covered_by_agreement(claims.filter(can), quarters=quarters)


def reviewable_by(user) -> Q:
    """The review steps ``user`` may take, by status, before the agreement is considered: claims
    to check, claims checked by someone else to approve, and, for finance approvers, claims
    awaiting finance approval that they neither checked nor approved."""
    S = Worksheet.Status
    can = Q(status=S.SUBMITTED) | (Q(status=S.CHECKED) & ~Q(checked_by=user))
    if getattr(user, "is_finance_approver", False):
        can |= Q(status=S.AWAITING_FINANCE) & ~Q(checked_by=user) & ~Q(approved_by=user)
    return can
