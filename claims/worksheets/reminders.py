"""Reminders and late notices for quarterly worksheets (SPEC §3).

The timing rules are the pure functions at the top; :func:`worksheet_reminders` applies them to the
stored quarters. The daily schedule (and an officer's "check now") calls it through
:func:`outcomes.reminders.reminders_run`, which sends the outcomes reports' reminders too. It is safe to
run any number of times a day: each email's unique key (``reminder:2026-27-Q2:C87001``) is the
record that it exists, so a practice is reminded once per quarter and told it is late once.

- A **reminder** goes to every practice that owes a worksheet and has not submitted, from
  ``REMINDER_LEAD_DAYS`` (default 10) before the due date until 7 days before it. A window the
  scheduler missed is recorded for officers as "not sent: window missed", never sent late.
- A **late notice** goes the day after the due date to a practice still without a worksheet, naming
  the band it is in and when the next begins. If the scheduler was down that day it goes on the
  next run, while a late worksheet can still earn a payment (up to the last band that pays).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Q

from claims import selectors, wording
from claims.models import Quarter, Worksheet
from claims.rules import Band, band_for, last_paying_day_late
from claims.worksheets.notifications import worksheet_link
from claims.worksheets.services import quarter_for
from core import reminders
from core.periods import Period
from core.reminders import DAY, MIN_LEAD_DAYS, reminder_window
from notices.models import Notice
from notices.services import notice_create

# -- the timing rules (pure) ------------------------------------------------------------------------


def what_is_due(
    today: datetime.date, due: datetime.date, lead_days: int, bands: Sequence[Band]
) -> str | None:
    """``"reminder"``, ``"missed"`` (the reminder window passed unsent), ``"late"`` or ``None``:
    the one timing rule (:func:`core.reminders.what_is_due`), late notices going while a late
    worksheet is still paid (:func:`claims.rules.still_paid`)."""
    return reminders.what_is_due(today, due, lead_days, last_paying_day_late(bands))


def band_timetable(due: datetime.date, bands: Sequence[Band], from_days: int) -> list[str]:
    """Sentences naming each band from ``from_days`` late on, with the date it starts."""
    lines = []
    for band in bands:
        if band.max_days is not None and band.max_days < from_days:
            continue
        starts = due + max(band.min_days, from_days) * DAY
        effect = wording.consequence(band.deduction_percent, band.release)
        lines.append(f"- submitted from {starts:%-d %B %Y}: {effect}")
    return lines


# -- applying them ----------------------------------------------------------------------------------


def _quarters_to_consider(today: datetime.date) -> list[Quarter]:
    """The quarter that has just ended (its due date is ahead or just past) and the one before,
    created with the default due date if nobody has opened them yet; plus any stored quarter
    whose due date falls near today."""
    current = Period.containing(today)
    for period in (current.previous(), current.previous().previous()):
        quarter_for(period)
    horizon = today + max(settings.REMINDER_LEAD_DAYS, MIN_LEAD_DAYS) * DAY
    # A commissioner's extended due date (ADR 0043) brings its quarter in too.
    near = Q(due_date__gte=today - 31 * DAY, due_date__lte=horizon) | Q(
        extensions__due_date__gte=today - 31 * DAY, extensions__due_date__lte=horizon
    )
    return list(Quarter.objects.filter(near).distinct().order_by("year", "number"))


def _owing(quarter: Quarter, practices=None):
    submitted = Worksheet.objects.filter(quarter=quarter)
    if practices is not None:
        submitted = submitted.filter(practice_id__in=practices)
    submitted = submitted.values("practice_id")
    return (
        selectors.practices_expected(quarter, practices)
        .exclude(pk__in=submitted)
        .order_by("ods_code")
    )


def _link(quarter: Quarter, practice) -> str:
    return worksheet_link(practice, quarter)


def _reminder(quarter: Quarter, practice, bands, due_date: datetime.date) -> tuple[str, str]:
    subject = f"Reminder: care home LES worksheet for {quarter.label} due {due_date:%-d %B %Y}"
    body = "\n".join(
        [
            f"Dear {practice.name} ({practice.ods_code}),",
            "",
            f"Your care home LES data worksheet for {quarter.label} "
            f"({quarter.first_day:%-d %B} to {quarter.last_day:%-d %B %Y}) is due by "
            f"{wording.due_day(due_date, quarter.due_date)}. We have not received it yet.",
            "",
            f"Submit it here: {_link(quarter, practice)}",
            "",
            "A worksheet submitted after the due date has a deduction:",
            *band_timetable(due_date, bands, 1),
            "",
            "If you have already sent it since this email was written, thank you: please ignore this.",
        ]
    )
    return subject, body


def _late_notice(
    quarter: Quarter, practice, bands, today: datetime.date, due_date: datetime.date
) -> tuple[str, str]:
    days = (today - due_date).days
    band = band_for(days, bands)
    subject = f"Late: care home LES worksheet for {quarter.label} was due {due_date:%-d %B %Y}"
    body = "\n".join(
        [
            f"Dear {practice.name} ({practice.ods_code}),",
            "",
            f"Your care home LES data worksheet for {quarter.label} was due on "
            f"{wording.due_day(due_date, quarter.due_date)} and we have not received it.",
            "",
            f"Submitted today it is {days} day{'s' if days != 1 else ''} late, in the "
            f"{band.label} band: {band.deduction_percent.normalize():f}% will be deducted.",
            "The deduction grows the longer it waits:",
            *band_timetable(due_date, bands, days),
            "",
            f"Submit it here: {_link(quarter, practice)}",
            "",
            "If exceptional circumstances stopped you submitting, tell your contracting officer.",
        ]
    )
    return subject, body


def worksheet_reminders(today: datetime.date, created: Counter, practices=None) -> None:
    """Create (and queue) every worksheet reminder and late notice due ``today`` that does not exist
    yet, counting what it created in ``created``: to every practice, or to ``practices`` (a
    queryset of practice ids: one commissioner's, for an officer's "check now") only."""
    bands = selectors.bands()
    for quarter in _quarters_to_consider(today):
        owing = list(_owing(quarter, practices))
        # Each practice by its commissioner's due date: the default, or an extension (ADR 0043).
        due_dates = selectors.effective_due_dates(quarter, [p.pk for p in owing])
        for practice in owing:
            due_date = due_dates.get(practice.pk, quarter.due_date)
            due = what_is_due(today, due_date, settings.REMINDER_LEAD_DAYS, bands)
            if due is None:
                continue
            if due == "late":
                subject, body = _late_notice(quarter, practice, bands, today, due_date)
                key, kind, status = f"late:{quarter.slug}:{practice.ods_code}", Notice.Kind.LATE, ""
            else:
                subject, body = _reminder(quarter, practice, bands, due_date)
                key, kind = f"reminder:{quarter.slug}:{practice.ods_code}", Notice.Kind.REMINDER
                status = "missed" if due == "missed" else ""
            _, new = notice_create(
                key=key,
                kind=kind,
                practice_id=practice.pk,
                quarter_id=quarter.pk,
                subject=subject,
                body=body,
                status=Notice.Status.MISSED if status else Notice.Status.PENDING,
                reason=(
                    f"The reminder window ({reminder_window(due_date, settings.REMINDER_LEAD_DAYS)[1]:%-d %B %Y} "
                    "at the latest) passed before the reminder could be sent."
                    if status
                    else ""
                ),
            )
            if new:
                created[status or kind] += 1
