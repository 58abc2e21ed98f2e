"""The background schedules, kept in the database (django-celery-beat) so a fresh deployment has
them from its first ``migrate``. Officers and administrators can pause one in Django's admin.

- reminders and late notices: daily at 07:00 London time (safe to run more often);
- emails waiting to send (their first queueing lost, say while Redis was down): every 5 minutes;
- remittance advice waiting to build (the same, for PDFs): every 10 minutes.
"""

from django.db import migrations

SCHEDULES = [
    ("Worksheet reminders and late notices", "notices.reminders", {"crontab": ("0", "7")}),
    ("Send emails still waiting", "notices.dispatch_pending", {"every_minutes": 5}),
    ("Build remittance advice still waiting", "claims.remittances_sweep", {"every_minutes": 10}),
]


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    for name, task, when in SCHEDULES:
        if "crontab" in when:
            minute, hour = when["crontab"]
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Europe/London",
            )
            fields = {"crontab": schedule, "interval": None}
        else:
            schedule, _ = IntervalSchedule.objects.get_or_create(
                every=when["every_minutes"], period="minutes"
            )
            fields = {"interval": schedule, "crontab": None}
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, **fields})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
