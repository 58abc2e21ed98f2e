"""Writes and shared reads of the outcomes reports: the half-years (created with their default due
dates when first needed), who owes a report, submitting one, and where each practice stands."""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from claims.selectors import practices_expected
from core.periods import LONDON
from history.services import audit_record
from outcomes.models import OutcomesPeriod, OutcomesReport
from practices.models import Practice

FIGURES = ["emergency_admissions", "unplanned_visits", "actions_taken", "changes_in_practice"]


def outcomes_period_for(year: int, half: int) -> OutcomesPeriod:
    period, _ = OutcomesPeriod.objects.get_or_create(
        year=year, half=half, defaults={"due_date": OutcomesPeriod.default_due_date(year, half)}
    )
    return period


def practices_owing(period: OutcomesPeriod, practices=None):
    """Practices that owe a report for the half-year: the same rule as a worksheet's (SPEC §2); of
    ``practices`` only when given (narrowed before anything is joined, ADR 0045)."""
    return practices_expected(period, practices)


@transaction.atomic
def outcomes_report_submit(
    *, practice: Practice, period: OutcomesPeriod, figures: dict, by, submitted_at=None
) -> OutcomesReport:
    """Record the practice's report for the half-year, once. Refuses, saying why, a half-year that
    has not started, a practice that owes none, and a second report."""
    submitted_at = submitted_at or timezone.now()
    if submitted_at.astimezone(LONDON).date() < period.opens_on:
        raise ValidationError(
            f"The outcomes report for {period.label} can be sent from "
            f"{period.opens_on:%-d %B %Y}: it reports on the whole half-year."
        )
    if not practices_owing(period, [practice.pk]).exists():
        raise ValidationError(
            f"{practice.name} owes no outcomes report for {period.label}: it had no agreement "
            "in force or no eligible care home aligned in that half-year."
        )
    try:
        with transaction.atomic():
            report = OutcomesReport.objects.create(
                practice=practice,
                period=period,
                submitted_at=submitted_at,
                submitted_by=by if getattr(by, "pk", None) else None,
                **{name: figures[name] for name in FIGURES},
            )
    except IntegrityError:
        raise ValidationError(
            f"{practice.name} has already sent its outcomes report for {period.label}."
        ) from None
    audit_record(
        by=by,
        action="outcomes_report_submit",
        obj=report,
        summary=f"Outcomes report {period.label} of {practice.ods_code} submitted",
        after={name: figures[name] for name in FIGURES},
    )
    return report


@dataclass(frozen=True)
class Standing:
    """Where a practice stands with one half-year's report, in words for a page."""

    label: str  # "Sent on time", "Sent 3 days late", "Due by 30 September 2026", "Late"
    tag: str  # an nhsuk-tag modifier
    days_late: int | None = None


def standing(
    period: OutcomesPeriod, report: OutcomesReport | None, today: datetime.date
) -> Standing:
    due = period.due_date
    if report is not None:
        late = max((report.submitted_at.astimezone(LONDON).date() - due).days, 0)
        if late == 0:
            return Standing("Sent on time", "nhsuk-tag--green", 0)
        return Standing(
            f"Sent {late} day{'s' if late != 1 else ''} late", "nhsuk-tag--orange", late
        )
    if today < period.opens_on:
        return Standing(f"Opens {period.opens_on:%-d %B %Y}", "nhsuk-tag--grey")
    if today <= due:
        return Standing(f"Due by {due:%-d %B %Y}", "nhsuk-tag--blue")
    late = (today - due).days
    return Standing(f"Late: due {due:%-d %B %Y}", "nhsuk-tag--red", late)


def recent_periods(today, count: int = 4) -> list[OutcomesPeriod]:
    """The half-year containing ``today`` and the ``count - 1`` before it, newest first (created
    with their default due dates if nobody has opened them)."""
    year, half = OutcomesPeriod.containing(today)
    wanted = []
    for _ in range(count):
        wanted.append((year, half))
        year, half = OutcomesPeriod.before(year, half)
    if not wanted:
        return []
    # The stored ones in one query; only a half-year nobody has opened is created.
    stored = {
        (period.year, period.half): period
        for period in OutcomesPeriod.objects.filter(
            reduce(operator.or_, (Q(year=year, half=half) for year, half in wanted))
        )
    }
    return [stored.get(key) or outcomes_period_for(*key) for key in wanted]
