"""The background schedules exist after ``migrate`` (a fresh deployment has them) and each names a
task the workers know."""

import pytest
from django_celery_beat.models import PeriodicTask

from carehomes_les.celery import app

pytestmark = pytest.mark.django_db


def test_schedules_created_by_migration_name_registered_tasks():
    schedules = {t.task: t for t in PeriodicTask.objects.filter(enabled=True)}
    assert {"notices.reminders", "notices.dispatch_pending", "claims.remittances_sweep"} <= set(
        schedules
    )
    app.loader.import_default_modules()
    for name in schedules:
        assert name in app.tasks, f"the schedule runs {name}, which no worker defines"


def test_reminders_run_daily_at_seven_london_time():
    reminders = PeriodicTask.objects.get(task="notices.reminders")
    assert (reminders.crontab.hour, reminders.crontab.minute) == ("7", "0")
    assert str(reminders.crontab.timezone) == "Europe/London"
