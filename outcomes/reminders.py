"""Reminders and late notices for the half-yearly outcomes reports (specification 4.1), and the
daily run of every reminder the service sends (:func:`reminders_run`: the worksheets' from
:mod:`claims.reminders`, then the outcomes reports')."""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from claims.worksheets.reminders import worksheet_reminders
from core.reminders import DAY, MIN_LEAD_DAYS, what_is_due
from notices.models import Notice
from notices.services import notice_create
from outcomes.models import OutcomesPeriod
from outcomes.services import outcomes_period_for, practices_owing

# -- outcomes reports (specification 4.1) -------------------------------------------------------

# A late outcomes report costs no money, so its notice has no band: it goes once, the day after the
# due date, or on the scheduler's next run within four weeks if it was down that day.
OUTCOMES_LATE_NOTICE_DAYS = 28


def what_outcomes_report_is_due(
    today: datetime.date, due: datetime.date, lead_days: int
) -> str | None:
    """``"reminder"``, ``"missed"``, ``"late"`` or ``None``: the one timing rule
    (:func:`core.reminders.what_is_due`), a late notice going for four weeks."""
    return what_is_due(today, due, lead_days, OUTCOMES_LATE_NOTICE_DAYS)


def _outcomes_link(period, practice) -> str:
    return settings.SITE_URL + reverse(
        "outcomes:report", kwargs={"ods_code": practice.ods_code, "period": period.slug}
    )


def _outcomes_email(period, practice, due: str) -> tuple[str, str]:
    when = f"{period.due_date:%-d %B %Y}"
    if due == "late":
        subject = f"Late: care home LES outcomes report for {period.label} was due {when}"
        opening = f"Your outcomes report for {period.label} was due on {when} and we have not received it."
    else:
        subject = f"Reminder: care home LES outcomes report for {period.label} due {when}"
        opening = f"Your outcomes report for {period.label} is due by {when}. We have not received it yet."
    body = "\n".join(
        [
            f"Dear {practice.name} ({practice.ods_code}),",
            "",
            opening,
            "",
            "It gives the number of emergency admissions from your care homes, the relevant "
            "actions taken, the number of unplanned visits to the homes and any changes in "
            "practice as a result of your discussions with the homes' managers.",
            "",
            f"Send it here: {_outcomes_link(period, practice)}",
        ]
    )
    return subject, body


def _outcomes_reminders(today: datetime.date, created: Counter) -> None:
    year, half = OutcomesPeriod.containing(today)
    outcomes_period_for(year, half)
    outcomes_period_for(*OutcomesPeriod.before(year, half))
    horizon = today + max(settings.REMINDER_LEAD_DAYS, MIN_LEAD_DAYS) * DAY
    periods = OutcomesPeriod.objects.filter(
        due_date__gte=today - OUTCOMES_LATE_NOTICE_DAYS * DAY, due_date__lte=horizon
    )
    for period in periods:
        due = what_outcomes_report_is_due(today, period.due_date, settings.REMINDER_LEAD_DAYS)
        if due is None:
            continue
        owing = (
            practices_owing(period)
            .exclude(pk__in=period.reports.values("practice_id"))
            .order_by("ods_code")
        )
        for practice in owing:
            subject, body = _outcomes_email(period, practice, due)
            late = due == "late"
            _, new = notice_create(
                key=f"outcomes-{'late' if late else 'reminder'}:{period.slug}:{practice.ods_code}",
                kind=Notice.Kind.OUTCOMES_LATE if late else Notice.Kind.OUTCOMES_REMINDER,
                practice_id=practice.pk,
                outcomes_period_id=period.pk,
                subject=subject,
                body=body,
                status=Notice.Status.MISSED if due == "missed" else Notice.Status.PENDING,
                reason=(
                    "The reminder window passed before the reminder could be sent."
                    if due == "missed"
                    else ""
                ),
            )
            if new:
                created[
                    "missed"
                    if due == "missed"
                    else ("outcomes_late" if late else "outcomes_reminder")
                ] += 1


def reminders_run(today: datetime.date | None = None) -> Counter:
    """Create (and queue) every reminder and late notice due today, for worksheets and outcomes
    reports, that does not exist yet. Returns how many of each kind this run created."""
    today = today or timezone.localdate()
    created: Counter = Counter()
    _outcomes_reminders(today, created)
    worksheet_reminders(today, created)
    return created
