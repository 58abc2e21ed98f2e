"""The Care Home LES project: settings, URLs, the Celery app and shared building blocks."""

from carehomes_les.celery import app as celery_app

__all__ = ["celery_app"]
