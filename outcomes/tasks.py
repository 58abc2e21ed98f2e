"""The daily reminders task. It keeps its first name, ``notices.reminders``, which the schedule in
the database (``notices/migrations/0002_schedules.py``) names; it lives here because it sends the
worksheets' reminders (:mod:`claims.reminders`) and the outcomes reports' (:mod:`outcomes.reminders`)."""

from celery import shared_task

from outcomes import reminders


@shared_task(name="notices.reminders", acks_late=True)
def reminders_task() -> dict:
    return dict(reminders.reminders_run())


@shared_task(name="outcomes.reminder_check", acks_late=True)
def reminder_check_task(check_id: int) -> dict | None:
    """An officer's "check now": one commissioner's reminders, recorded on its ``ReminderCheck``."""
    check = reminders.reminder_check_run(check_id)
    return dict(check.created) if check else None
