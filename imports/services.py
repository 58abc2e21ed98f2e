"""The writes of an import: from the command line in one go (:func:`import_file`); through the web
as an uploaded batch that is previewed, then confirmed or discarded."""

from django.db import IntegrityError, transaction

from accounts.access import scope_for
from core.tabular import RowProblem
from importing.base import ImportContext, Plan, summary_json
from imports.models import ImportBatch
from imports.registry import importer_for

REGISTRY_CHANGED = RowProblem(
    None,
    "",
    "The registry changed while this file was being imported, so nothing was imported: try again.",
)


class BatchNotPending(Exception):
    """The batch was already imported or discarded: it cannot be confirmed (again)."""


def import_file(
    *, kind: str, content: bytes, filename: str, context: ImportContext, by=None, dry_run=False
) -> Plan:
    """Validate the whole file and, unless ``dry_run`` or it has problems, apply all of it.

    An applied file is recorded as a batch (the audit event points at it). A file that changes
    nothing writes nothing at all."""
    importer = importer_for(kind)
    with transaction.atomic():
        plan = importer.plan_file(content, filename, context=context)
        if not plan.ok or not plan.pending or dry_run:
            return plan
        batch = ImportBatch.objects.create(
            kind=kind,
            original_filename=filename[:255],
            content=content,
            uploaded_by=by,
            commissioner=context.commissioner,
        )
        _apply(importer, plan, batch=batch, by=by)
        if not plan.ok:
            transaction.set_rollback(True)  # not even the batch is kept
    return plan


def import_batch_create(
    *, kind: str, filename: str, content: bytes, by
) -> tuple[ImportBatch, Plan]:
    """Store an officer's upload for their commissioner, with the counts of its preview."""
    importer_for(kind)  # an unknown kind fails here, not at preview
    batch = ImportBatch(
        kind=kind,
        original_filename=filename[:255],
        content=content,
        uploaded_by=by,
        commissioner_id=by.commissioner_id,
    )
    plan = import_batch_preview(batch=batch, user=by)
    batch.summary = summary_json(plan)
    batch.save()
    return batch, plan


def import_batch_preview(*, batch: ImportBatch, user) -> Plan:
    """What confirming ``batch`` would do now, for the officer ``user``."""
    context = ImportContext(commissioner=batch.commissioner, scope=scope_for(user))
    return importer_for(batch.kind).plan_file(
        bytes(batch.content), batch.original_filename, context=context
    )


@transaction.atomic
def import_batch_confirm(*, batches, pk: int, by) -> tuple[ImportBatch, Plan]:
    """Re-validate the batch against the registry as it is now and apply it, all or nothing.

    ``batches`` is the officer's scoped queryset (``ImportBatch.objects.visible_to(scope)``). The batch row is
    locked, so two confirmations of one batch never apply it twice: the second is refused."""
    batch = batches.select_for_update(of=("self",)).get(pk=pk)
    if not batch.is_pending:
        raise BatchNotPending(
            f"This file was already {batch.get_status_display().lower()}; nothing was imported again."
        )
    plan = import_batch_preview(batch=batch, user=by)
    if plan.ok:
        _apply(importer_for(batch.kind), plan, batch=batch, by=by)
    return batch, plan


@transaction.atomic
def import_batch_discard(*, batches, pk: int) -> ImportBatch:
    batch = batches.select_for_update(of=("self",)).get(pk=pk)
    if not batch.is_pending:
        raise BatchNotPending(f"This file was already {batch.get_status_display().lower()}.")
    batch.status = ImportBatch.Status.DISCARDED
    batch.save(update_fields=["status"])
    return batch


def _apply(importer, plan: Plan, *, batch: ImportBatch, by) -> None:
    """Apply in a savepoint: if another officer's change makes a write collide (a practice created
    meanwhile, say), the whole import is undone and reported as a problem, not as an error page."""
    try:
        with transaction.atomic():
            importer.apply(plan, by=by, batch=batch)
    except IntegrityError:
        plan.problems.append(REGISTRY_CHANGED)
        plan.changes = []
        batch.refresh_from_db()
