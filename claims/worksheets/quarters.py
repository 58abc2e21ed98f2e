"""Where each quarter of a practice stands (due, open, submitted, late and what lateness costs):
read by the worksheets pages and the practice manager's home page."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from accounts.access import Scope
from carehomes.models import Alignment, CareHome
from claims import selectors, wording
from claims.models import DueDateExtension, Quarter, Worksheet
from claims.rules import Band, band_for, still_paid
from core.periods import LONDON, Period
from practices.models import Agreement, Practice


class Status(enum.StrEnum):
    NOT_YET_OPEN = "not_yet_open"  # the quarter has not ended: it can be filled in, not submitted
    OPEN = "open"  # ended, not yet due
    DUE_TODAY = "due_today"
    SUBMITTED = "submitted"
    LATE = "late"  # past its due date, not submitted, a submission would still be paid
    MISSING = "missing"  # not submitted and so late that a submission would be paid nothing
    NOT_DUE = "not_due"  # nothing owed: no eligible aligned home, or no agreement in force


@dataclass(frozen=True)
class QuarterStatus:
    period: Period
    due_date: datetime.date
    status: Status
    title: str  # "Submitted 9 days late"
    detail: str  # "on 23 October 2019; 8–14 days late: 10% deducted, paid one run later"
    worksheet: Worksheet | None = None
    homes: int = 0
    blocked_by: Period | None = None  # the gap rule: submit this quarter first
    default_due_date: datetime.date | None = None  # the quarter's own, when ours was extended

    @property
    def extended_from(self) -> datetime.date | None:
        """The quarter's default due date when the practice's commissioner extended it (ADR
        0043), else ``None``."""
        if self.default_due_date is None or self.default_due_date == self.due_date:
            return None
        return self.default_due_date

    @property
    def due_text(self) -> str:
        """``21 January 2027 (extended by your commissioner from 14 January 2027)``."""
        return wording.due_day(self.due_date, self.default_due_date)

    @property
    def slug(self) -> str:
        return self.period.slug

    @property
    def tag(self) -> str:
        """The nhsuk-tag colour."""
        if self.status == Status.SUBMITTED:
            return "nhsuk-tag--green" if self.worksheet.days_late == 0 else "nhsuk-tag--orange"
        return {
            Status.NOT_YET_OPEN: "nhsuk-tag--white",
            Status.OPEN: "nhsuk-tag--blue",
            Status.DUE_TODAY: "nhsuk-tag--yellow",
            Status.LATE: "nhsuk-tag--red",
            Status.MISSING: "nhsuk-tag--red",
            Status.NOT_DUE: "nhsuk-tag--grey",
        }[self.status]

    @property
    def owed(self) -> bool:
        return self.status not in (Status.NOT_DUE, Status.SUBMITTED)

    @property
    def submittable(self) -> bool:
        """Owed and open for submission now (the gap rule aside)."""
        return self.owed and self.status != Status.NOT_YET_OPEN

    @property
    def opens_on(self) -> datetime.date:
        """The first day the worksheet can be submitted: the day after the quarter ends."""
        return self.period.opens_on


def quarter_status(
    *,
    period: Period,
    due_date: datetime.date,
    today: datetime.date,
    worksheet: Worksheet | None,
    homes: int,
    in_force: bool,
    bands: Sequence[Band],
    blocked_by: Period | None = None,
    default_due_date: datetime.date | None = None,
) -> QuarterStatus:
    """Where one quarter's worksheet stands on ``today`` (a Europe/London date). ``due_date`` is
    the practice's (its commissioner's extension, ADR 0043); ``default_due_date`` the quarter's own,
    to say so when they differ."""
    due_text = wording.due_day(due_date, default_due_date)

    def status(kind, title, detail):
        return QuarterStatus(
            period, due_date, kind, title, detail, worksheet, homes, blocked_by, default_due_date
        )

    if worksheet is not None:
        late = worksheet.days_late
        when = f"On {wording.day(worksheet.first_submitted_at.astimezone(LONDON).date())}"
        if late == 0:
            return status(Status.SUBMITTED, "Submitted on time", f"{when}: no lateness deduction.")
        label = band_for(late, bands).label
        if worksheet.waived:
            effect = "deduction waived (exceptional circumstances)"
        else:
            effect = wording.consequence(worksheet.band_deduction_percent, worksheet.release)
        return status(
            Status.SUBMITTED, f"Submitted {wording.days(late)} late", f"{when}: {label}: {effect}."
        )
    if not homes:
        return status(
            Status.NOT_DUE, "Not due", "No elderly or EMI care home was aligned with the practice."
        )
    if not in_force:
        return status(Status.NOT_DUE, "Not due", "No LES agreement was in force.")
    late = (today - due_date).days
    if not period.has_ended(today):
        opens = period.opens_on
        return status(
            Status.NOT_YET_OPEN,
            f"Opens {wording.day(opens)}",
            f"The quarter has not ended: fill it in as you go, submit it from "
            f"{wording.day(opens)}. Due by {due_text}.",
        )
    if late < 0:
        return status(Status.OPEN, "Open", f"Due in {wording.days(-late)}, on {due_text}.")
    if late == 0:
        return status(
            Status.DUE_TODAY,
            "Due today",
            "Submit it by the end of today to avoid a lateness deduction.",
        )
    band = band_for(late, bands)
    if not still_paid(late, bands):
        return status(
            Status.MISSING,
            "Missing",
            f"Not submitted, {wording.days(late)} late: {wording.band_text(band)}. Submit it all "
            "the same so its closing figures carry forward.",
        )
    detail = f"{wording.days(late)} late now, heading into {wording.band_text(band)}."
    if band.max_days is not None:
        following = band_for(band.max_days + 1, bands)
        starts = due_date + datetime.timedelta(days=following.min_days)
        detail += f" From {wording.day(starts)}: {wording.band_text(following)}."
    return status(Status.LATE, "Late: not submitted", detail)


def practice_quarters(
    scope: Scope,
    practice: Practice,
    *,
    today: datetime.date,
    bands: Sequence[Band] | None = None,
    worksheets: Iterable[Worksheet] | None = None,
):
    """Every quarter of the practice, most recent first. A caller that has already read the
    lateness bands or the practice's worksheets (``Worksheet.objects.visible_to(scope)`` of the
    practice, with their quarters) passes them rather than have them read again."""
    current = Period.containing(today)
    alignments = list(
        Alignment.objects.visible_to(scope)
        .filter(practice=practice, care_home__in=CareHome.objects.eligible())
        .values_list("care_home_id", "start_date", "end_date")
    )
    agreements = list(
        Agreement.objects.visible_to(scope)
        .filter(practice=practice)
        .values_list("starts_on", "ends_on")
    )
    if worksheets is None:
        worksheets = Worksheet.objects.visible_to(scope).filter(practice=practice)
    worksheets = {w.quarter.period: w for w in worksheets}
    first = min(
        [Period.containing(start) for _, start, _ in alignments] + list(worksheets),
        default=current,
    )
    first = min(max(first, wording.SCHEME_START), current)
    # Each stored quarter's default due date and, in the same query, the extension the practice's
    # commissioner set for it (ADR 0043), if any.
    extension = DueDateExtension.objects.filter(
        quarter=OuterRef("pk"), commissioner__pcns__practices=practice
    ).values("due_date")[:1]
    stored = {
        (year, number): (due, extended)
        for year, number, due, extended in Quarter.objects.filter(
            year__gte=first.year, year__lte=current.year
        )
        .annotate(extended=Subquery(extension))
        .values_list("year", "number", "due_date", "extended")
    }
    bands = bands if bands is not None else selectors.bands()

    def homes(p: Period) -> int:
        return len(
            {
                home
                for home, start, end in alignments
                if start <= p.last_day and (end is None or end >= p.first_day)
            }
        )

    def in_force(p: Period) -> bool:
        return any(
            (start is None or start <= p.last_day) and (end is None or end >= p.first_day)
            for start, end in agreements
        )

    earliest = min(worksheets, default=None)
    rows = []
    period = first
    while period <= current:
        blocked_by = None
        previous = period.previous()
        if (
            period not in worksheets
            and earliest is not None
            and earliest < period
            and previous not in worksheets
            and homes(previous)
            and in_force(previous)
        ):
            blocked_by = previous  # the gap rule (SPEC §4), as claims.selectors.missing_predecessor
        default_due, extended = stored.get(
            (period.year, period.quarter), (period.default_due_date, None)
        )
        rows.append(
            quarter_status(
                period=period,
                due_date=extended or default_due,
                default_due_date=default_due,
                today=today,
                worksheet=worksheets.get(period),
                homes=homes(period),
                in_force=in_force(period),
                bands=bands,
                blocked_by=blocked_by,
            )
        )
        period = period.next()
    return list(reversed(rows))


def now_and_earlier(
    rows: list[QuarterStatus],
) -> tuple[list[QuarterStatus], list[QuarterStatus]]:
    """The quarters in the order a practice works through them, in two parts: *now*, those it can
    submit, oldest first (the gap rule makes it submit them in that order), then the quarter not
    yet open; *earlier*, the rest, most recent first (the part that grows with its history)."""
    submittable = sorted((r for r in rows if r.submittable), key=lambda r: r.period)
    not_open = [r for r in rows if r.status == Status.NOT_YET_OPEN]
    rest = [r for r in rows if not r.submittable and r.status != Status.NOT_YET_OPEN]
    return submittable + not_open, rest
