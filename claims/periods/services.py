"""Writes for quarters and tariffs: a quarter's due date and a year's tariff, with history."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import DueDateExtension, Quarter, Tariff
from claims.selectors import effective_due_date
from claims.worksheets.services import quarter_for
from core.periods import Period
from history.services import audit_record, save_audited
from practices.models import Commissioner


@transaction.atomic
def quarter_set_due_date(
    *, period: Period, due_date: datetime.date, today: datetime.date, by, reason: str = ""
) -> Quarter:
    """Move a quarter's submission due date. Only while the current due date has not passed, and never
    to a day already gone: a practice's lateness must not change after the event."""
    quarter = quarter_for(period)
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    if quarter.due_date < today:
        raise ValidationError(
            f"The {quarter.label} due date ({quarter.due_date:%-d %B %Y}) has passed and cannot be "
            "changed."
        )
    if due_date < today:
        raise ValidationError("The new due date cannot be in the past.")
    if due_date <= quarter.last_day:
        raise ValidationError(
            f"The due date must be after the quarter ends ({quarter.last_day:%-d %B %Y})."
        )
    quarter.due_date = due_date
    return save_audited(instance=quarter, by=by, action="quarter_set_due_date", reason=reason)


@transaction.atomic
def due_date_extend(
    *,
    quarter: Quarter,
    commissioner: Commissioner,
    due_date: datetime.date,
    today: datetime.date,
    by,
    reason: str,
) -> DueDateExtension:
    """Give a commissioner's practices a later due date for a quarter (ADR 0043), with a reason and
    history. Never before the scheme-wide default, never to a day already gone, and only while the
    commissioner's current due date has not passed: lateness must not change after the event."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the extension."})
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    current = effective_due_date(quarter, commissioner.pk)
    if current < today:
        raise ValidationError(
            f"The {quarter.label} due date for {commissioner.name} ({current:%-d %B %Y}) has passed "
            "and cannot be changed."
        )
    if due_date < quarter.due_date:
        raise ValidationError(
            {
                "due_date": f"The extended due date cannot be before the default due date "
                f"({quarter.due_date:%-d %B %Y})."
            }
        )
    if due_date < today:
        raise ValidationError({"due_date": "The extended due date cannot be in the past."})
    extension = (
        DueDateExtension.objects.select_for_update()
        .filter(quarter=quarter, commissioner=commissioner)
        .first()
    )
    before = {"due_date": current}
    if extension is None:
        extension = DueDateExtension(quarter=quarter, commissioner=commissioner)
    extension.due_date, extension.set_by, extension.reason = due_date, by, reason
    extension.save()
    audit_record(
        by=by,
        action="due_date_extend",
        obj=extension,
        summary=f"{quarter.label} due date for {commissioner.name} extended to "
        f"{due_date:%-d %B %Y}",
        before=before,
        after={"due_date": due_date},
        reason=reason,
    )
    return extension


@transaction.atomic
def tariff_save(*, tariff: Tariff, today: datetime.date, by) -> Tariff:
    """Add or change a financial year's rates, only before that year starts (SPEC §5: never silently
    changed afterwards)."""
    starts = Period(tariff.year, 1).first_day
    if starts <= today:
        raise ValidationError(
            f"The {Period(tariff.year, 1).financial_year} tariff cannot be set or changed: the year started on "
            f"{starts:%-d %B %Y}."
        )
    if tariff.pk:
        stored = Tariff.objects.select_for_update().get(pk=tariff.pk)
        if stored.year != tariff.year:
            raise ValidationError(
                "A tariff's year cannot be changed; add a tariff for the other year."
            )
    return save_audited(instance=tariff, by=by, action="tariff_save")
