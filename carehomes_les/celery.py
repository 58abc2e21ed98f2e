"""The Celery application. Task definitions live in each app's ``tasks.py`` (``notices/tasks.py``:
emails and reminders; ``claims/tasks.py``: remittance advice); they are thin wrappers that take ids
and call services. Schedules live in the database (django-celery-beat), created by
``notices/migrations/0002_schedules.py``."""

import os

from celery import Celery

# Connects the signals that carry the request id across the broker, log a line per task and
# give a worker settings.LOGGING (JSON on stdout) rather than Celery's own logging set-up.
from carehomes_les import task_log  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")

app = Celery("carehomes_les")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
