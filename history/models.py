"""The audit trail: who changed what in the registry, when, and the figures before and after."""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """History rows are written once and never changed."""


class AuditEvent(models.Model):
    """One change to the registry (a practice, home, alignment, agreement, import…), written by the
    service that made the change in the same transaction. Rows are never updated or deleted: code
    refuses, and on PostgreSQL a trigger refuses too (migration 0002)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")
