from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _retire_kept_reports(sender, **kwargs):
    """A deploy migrates: rates seeded by a migration, or new templates, retire what was kept."""
    from history import generation

    generation.changed()


class HistoryConfig(AppConfig):
    """The append-only history of every change. The package was ``audit``; its label stays ``audit``
    so that its table (``audit_auditevent``), migrations and recorded object labels are unchanged."""

    name = "history"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        post_migrate.connect(_retire_kept_reports, sender=self)
