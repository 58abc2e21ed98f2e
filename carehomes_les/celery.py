"""The Celery application. Task definitions live in each app's ``tasks.py``; they are thin
wrappers that take ids and call services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehomes_les.settings")

app = Celery("carehomes_les")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
