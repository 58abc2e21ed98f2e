from django.apps import AppConfig


class HistoryConfig(AppConfig):
    """The append-only history of every change. The package was ``audit``; its label stays ``audit``
    so that its table (``audit_auditevent``), migrations and recorded object labels are unchanged."""

    name = "history"
    label = "audit"
    verbose_name = "Audit trail"
