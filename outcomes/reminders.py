"""Reminders and late notices for the half-yearly outcomes reports (specification 4.1), and the
daily run of every reminder the service sends (:func:`reminders_run`: the worksheets' from
:mod:`claims.reminders`, then the outcomes reports')."""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from claims.worksheets.reminders import worksheet_reminders
from core.reminders import DAY, MIN_LEAD_DAYS, what_is_due
from core.tasks import enqueue_on_commit
from notices.models import Notice, ReminderCheck
from notices.services import notice_create
from outcomes.models import OutcomesPeriod
from outcomes.services import outcomes_period_for, practices_owing
from practices.models import Commissioner, Practice

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


def _outcomes_reminders(today: datetime.date, created: Counter, practices=None) -> None:
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
            practices_owing(period, practices)
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


def reminders_run(
    today: datetime.date | None = None, *, commissioner_id: int | None = None
) -> Counter:
    """Create (and queue) every reminder and late notice due today, for worksheets and outcomes
    reports, that does not exist yet. Returns how many of each kind this run created.

    Every commissioner's practices (the daily schedule), or ``commissioner_id``'s only (an
    officer's "check now", :func:`reminder_check_run`): nothing else is read or written."""
    today = today or timezone.localdate()
    created: Counter = Counter()
    practices = None
    if commissioner_id is not None:
        practices = Practice.objects.filter(pcn__commissioner_id=commissioner_id).values("pk")
    _outcomes_reminders(today, created, practices)
    worksheet_reminders(today, created, practices)
    return created


# -- an officer's "check now": one commissioner, in the background (ADR 0045) ----------------------

# A check still waiting or running after this long is taken to be lost (its message never reached a
# worker, or the worker died): the officer may ask again.
CHECK_STALE_AFTER = datetime.timedelta(minutes=15)


@transaction.atomic
def reminder_check_request(*, commissioner_id: int, by) -> tuple[ReminderCheck, bool]:
    """Ask for a check of ``commissioner_id``'s reminders due today, run by a worker once this
    commits. Returns the check and whether it is new: while one is waiting or running (and not
    stale) a second press joins it instead of queueing another."""
    # Serialise requests for one commissioner: two officers pressing at once make one check.
    Commissioner.objects.select_for_update().get(pk=commissioner_id)
    pending = (
        ReminderCheck.objects.filter(
            commissioner_id=commissioner_id,
            status__in=[ReminderCheck.Status.QUEUED, ReminderCheck.Status.RUNNING],
            requested_at__gte=timezone.now() - CHECK_STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )
    if pending is not None:
        return pending, False
    check = ReminderCheck.objects.create(
        commissioner_id=commissioner_id, requested_by=by if getattr(by, "pk", None) else None
    )
    from outcomes.tasks import reminder_check_task  # the task module imports this one

    enqueue_on_commit(reminder_check_task, check.pk)
    return check, True


def reminder_check_run(check_id: int, today: datetime.date | None = None) -> ReminderCheck | None:
    """The worker's side: run the check's commissioner's reminders, recording its progress on the
    row. A check already finished is left alone (a message delivered twice writes nothing; the
    reminders themselves are keyed once whatever happens)."""
    with transaction.atomic():
        check = ReminderCheck.objects.select_for_update().filter(pk=check_id).first()
        if check is None or check.finished:
            return check
        check.status, check.started_at = ReminderCheck.Status.RUNNING, timezone.now()
        check.save(update_fields=["status", "started_at"])
    try:
        with transaction.atomic():
            created = reminders_run(today, commissioner_id=check.commissioner_id)
            check.status, check.created = ReminderCheck.Status.DONE, dict(created)
            check.finished_at = timezone.now()
            check.save(update_fields=["status", "created", "finished_at"])
    except Exception as error:
        check.status, check.finished_at = ReminderCheck.Status.FAILED, timezone.now()
        check.error = f"{type(error).__name__}: {error}"[:500]
        check.save(update_fields=["status", "error", "finished_at"])
        raise
    return check
