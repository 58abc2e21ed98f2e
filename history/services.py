"""Writing audit events. Called by services inside their own transaction, never from signals."""

import datetime
from decimal import Decimal

from django.db import models

from core.bulk import insert_rows
from history import generation
from history.models import AuditEvent


def _plain(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The named (or all concrete) fields of ``instance`` as JSON-ready values."""
    names = fields or [f.attname for f in instance._meta.concrete_fields if f.name != "id"]
    return {name: _plain(getattr(instance, name)) for name in names}


def audit_record(
    *,
    by,
    action: str,
    obj: models.Model,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    event = audit_event(
        by=by, action=action, obj=obj, summary=summary, before=before, after=after, reason=reason
    )
    event.save(force_insert=True)
    generation.changed()
    return event


def audit_record_all(events: list[AuditEvent]) -> None:
    """Insert events built with :func:`audit_event` together (a batch import's, say)."""
    insert_rows(events)
    generation.changed()


def audit_event(
    *,
    by,
    action: str,
    obj: models.Model,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """The event :func:`audit_record` writes, not yet saved: a bulk load builds its events with this
    and inserts them together (:func:`audit_record_all`), so they are the same rows."""
    return AuditEvent(
        actor=by if getattr(by, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        before={k: _plain(v) for k, v in (before or {}).items()},
        after={k: _plain(v) for k, v in (after or {}).items()},
        reason=reason,
    )


def changed_fields(before: dict, after: dict) -> dict:
    return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}


def save_audited(*, instance: models.Model, by, action: str, reason: str = "") -> models.Model:
    """Validate and save ``instance``, recording what changed as an audit event.

    The caller wraps this in ``transaction.atomic`` (services do), so the row and its event land
    together. ``full_clean`` runs the model's validators and constraints first, so an invalid
    registry row never reaches the database."""
    creating = instance._state.adding
    before = {} if creating else snapshot(type(instance).objects.get(pk=instance.pk))
    instance.full_clean()
    instance.save()
    after = snapshot(instance)
    changes = after if creating else changed_fields(before, after)
    if creating or changes:
        verb = "created" if creating else "changed " + ", ".join(sorted(changes))
        audit_record(
            by=by,
            action=action,
            obj=instance,
            summary=f"{instance._meta.verbose_name.capitalize()} {instance}: {verb}",
            before=before,
            after=after,
            reason=reason,
        )
    return instance
