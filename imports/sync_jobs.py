"""An officer's registry sync as background jobs (ADR 0047, issue 18 "jobs out of requests").

The upload request stores the files and queues :func:`registry_sync_read` (``imports.tasks``): a
worker reads the national files once, keeps the commissioner's rows (a few hundred) on the
:class:`~imports.models.RegistrySync` with the plan in words, and reports how many rows it has
read. The preview plans from those stored rows (the registry only, no file). Confirming applies
the changes in the request when they fit on a page (:data:`APPLY_IN_REQUEST`); more are applied by
:func:`registry_sync_apply` in a worker, all or nothing, with progress. Each job runs once however
often its message is delivered: its state is the sync's ``status``, changed under a row lock."""

from __future__ import annotations

import datetime
import logging

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from core.pagination import PER_PAGE
from core.tasks import enqueue_on_commit
from imports.models import RegistrySync
from imports.sync import (
    SyncFile,
    SyncPlan,
    SyncRows,
    files_of,
    plan_rows,
    read_files,
    sync_apply,
)
from practices.models import Commissioner

logger = logging.getLogger(__name__)

Status = RegistrySync.Status
FILE_FIELDS = RegistrySync.FILE_FIELDS
# Confirming applies at most a page of changes in the request; more are a worker's job.
APPLY_IN_REQUEST = PER_PAGE
# A job still waiting or running after this long is taken to be lost (its message never reached a
# worker, or the worker died): the officer may start it again.
STALE_AFTER = datetime.timedelta(minutes=15)
# The problems of a failed sync kept to show (a file of the wrong kind can have one per row).
PROBLEMS_KEPT = 500


class SyncNotPending(Exception):
    """The sync is not in a state that allows the action; the message says why, for the officer."""


def _refusal(sync: RegistrySync) -> str:
    return {
        Status.QUEUED: "The files have not been read yet: wait until the changes are listed.",
        Status.READING: "The files have not been read yet: wait until the changes are listed.",
        Status.FAILED: "The files could not be read, so there is nothing to apply. Nothing was "
        "changed.",
        Status.APPLYING: "This sync is already being applied; nothing was changed again.",
        Status.APPLIED: "This sync was already applied; nothing was changed again.",
        Status.DISCARDED: "This sync was discarded; nothing was changed.",
    }.get(sync.status, "This sync cannot be changed now.")


# -- the upload: store the files and queue the reading ---------------------------------------------


def registry_sync_create(
    *, commissioner: Commissioner, files: list[SyncFile], files_date: datetime.date, by
) -> RegistrySync:
    """Store an officer's upload and queue the reading of its files once this commits."""
    from imports.tasks import registry_sync_read_task  # the task module imports this one

    with transaction.atomic():
        sync = RegistrySync(
            commissioner=commissioner,
            files_date=files_date,
            uploaded_by=by,
            status=Status.QUEUED,
            queued_at=timezone.now(),
        )
        for file in files:
            setattr(sync, f"{file.role}_filename", file.filename[:255])
            setattr(sync, f"{file.role}_content", file.content)
        sync.save()
        enqueue_on_commit(registry_sync_read_task, sync.pk)
    return sync


def is_stale(sync: RegistrySync, now: datetime.datetime | None = None) -> bool:
    """A job waiting or running for longer than :data:`STALE_AFTER`."""
    if not sync.is_working:
        return False
    since = sync.started_at if sync.status != Status.QUEUED else sync.queued_at
    since = since or sync.queued_at or sync.uploaded_at
    return since < (now or timezone.now()) - STALE_AFTER


# -- the worker's reading --------------------------------------------------------------------------


def registry_sync_read(sync_id: int) -> RegistrySync | None:
    """Read the sync's files once, keep the commissioner's rows and the plan, and leave the sync
    waiting for confirmation, or failed with the files' problems (nothing written either way).

    Runs once however often it is delivered: only a queued sync is read (or one whose reading
    started so long ago that its worker is taken to be lost); a second delivery finds it reading
    or read and does nothing."""
    with transaction.atomic():
        sync = (
            RegistrySync.objects.select_for_update(of=("self",))
            .select_related("commissioner")
            .filter(pk=sync_id)
            .first()
        )
        if sync is None:
            return None
        if not (sync.status == Status.QUEUED or (sync.status == Status.READING and is_stale(sync))):
            return sync
        started = timezone.now()
        sync.status, sync.started_at, sync.error = Status.READING, started, ""
        sync.progress_done = sync.progress_total = 0
        sync.progress_label = "Opening the files"
        sync.save(
            update_fields=[
                "status", "started_at", "error", "progress_done", "progress_total",
                "progress_label",
            ]
        )  # fmt: skip
    mine = RegistrySync.objects.filter(pk=sync.pk, status=Status.READING, started_at=started)
    files = files_of(sync)

    def progress(file: SyncFile, done: int, total: int) -> None:
        number = next(i for i, f in enumerate(files, start=1) if f is file)
        label = f"Reading {file.filename}" + (
            f" (file {number} of {len(files)})" if len(files) > 1 else ""
        )
        mine.update(progress_done=done, progress_total=total, progress_label=label[:300])

    try:
        rows, problems = read_files(sync.commissioner.code, files, progress=progress)
        plan = None
        if not problems:
            plan = plan_rows(
                commissioner=sync.commissioner,
                rows=rows,
                files_date=sync.files_date,
                filenames=sync.filenames,
            )
        with transaction.atomic():
            current = RegistrySync.objects.select_for_update().defer(*FILE_FIELDS).get(pk=sync.pk)
            if current.status != Status.READING or current.started_at != started:
                return current  # discarded meanwhile, or taken over by a later delivery
            if problems:
                current.status = Status.FAILED
                current.problems = [
                    {
                        "file": p.filename,
                        "row": p.problem.row,
                        "column": p.problem.column,
                        "reason": p.problem.reason,
                    }
                    for p in problems[:PROBLEMS_KEPT]
                ]
                current.summary = {"problems": len(problems), "files": sync.filenames}
            else:
                current.status = Status.PREVIEWED
                current.rows = rows.as_json()
                current.summary = plan.as_json()
            current.progress_label = ""
            current.save()
        return current
    except Exception as error:
        logger.exception("Reading the files of registry sync %s failed", sync.pk)
        mine.update(status=Status.FAILED, error=f"{type(error).__name__}: {error}"[:500])
        raise


# -- the preview and the confirmation ------------------------------------------------------------


def registry_sync_plan(sync: RegistrySync) -> SyncPlan:
    """What the sync's stored rows would change in the registry as it is now: no file is read."""
    return plan_rows(
        commissioner=sync.commissioner,
        rows=SyncRows.from_json(sync.rows or {}),
        files_date=sync.files_date,
        filenames=sync.filenames,
    )


@transaction.atomic
def registry_sync_confirm(*, syncs, pk: int, by) -> tuple[RegistrySync, SyncPlan, bool]:
    """Re-plan the stored rows against the registry as it is now and apply them, all or nothing:
    here if they fit on a page, else queued for a worker. ``syncs`` is the officer's scoped
    queryset; the sync row is locked, so it is never confirmed twice. Returns the sync, the plan
    and whether the changes were queued."""
    from imports.tasks import registry_sync_apply_task  # the task module imports this one

    sync = syncs.select_for_update(of=("self",)).get(pk=pk)
    if not sync.is_pending:
        raise SyncNotPending(_refusal(sync))
    # One sync of a commissioner at a time: a worker applying another waits, or this one does.
    Commissioner.objects.select_for_update().get(pk=sync.commissioner_id)
    plan = registry_sync_plan(sync)
    sync.confirmed_by, sync.error = by, ""
    if len(plan.items) <= APPLY_IN_REQUEST:
        sync_apply(plan, by=by, sync=sync)
        return sync, plan, False
    sync.status, sync.queued_at, sync.started_at = Status.APPLYING, timezone.now(), None
    sync.progress_done, sync.progress_total = 0, len(plan.items)
    sync.progress_label = ""
    sync.save()
    enqueue_on_commit(registry_sync_apply_task, sync.pk)
    return sync, plan, True


class _ProgressOutside:
    """How far an apply has got, written where the officer's page can see it before the apply
    commits: on a database connection of its own (autocommit), since the apply's own writes are
    seen only when it commits. PostgreSQL only (SQLite, the embedded default, has one writer at a
    time); elsewhere the page says how many changes there are until they are all made."""

    def __init__(self, sync_id: int):
        self.sync_id = sync_id
        self.connection = None
        if connection.vendor == "postgresql":
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, total: int) -> None:
        if self.connection is None:
            return
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE imports_registrysync SET progress_done = %s, progress_total = %s "
                "WHERE id = %s AND status = %s",
                [done, total, self.sync_id, Status.APPLYING.value],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def registry_sync_apply(sync_id: int) -> RegistrySync | None:
    """The worker's side of a confirmation: re-plan the stored rows against the registry as it is
    now and apply them in one transaction, under the commissioner's row lock (one sync of a
    commissioner at a time). Only a sync still *applying* once the lock is held is applied, so a
    second delivery, or a delivery while the first is running, waits and then does nothing. If
    the apply fails nothing is written and the sync waits for confirmation again, saying why."""
    sync = RegistrySync.objects.defer(*FILE_FIELDS).filter(pk=sync_id).first()
    if sync is None or sync.status != Status.APPLYING:
        return sync
    RegistrySync.objects.filter(pk=sync_id, status=Status.APPLYING).update(
        started_at=timezone.now()
    )
    progress = _ProgressOutside(sync_id)
    try:
        with transaction.atomic():
            Commissioner.objects.select_for_update().get(pk=sync.commissioner_id)
            # Read again now that the lock is held: another delivery may have applied it. (The
            # sync row itself is not locked here but written last, by sync_apply: until then the
            # progress connection updates it without waiting for this transaction.)
            sync = (
                RegistrySync.objects.select_related("commissioner", "confirmed_by")
                .defer(*FILE_FIELDS)
                .get(pk=sync_id)
            )
            if sync.status != Status.APPLYING:
                return sync
            plan = registry_sync_plan(sync)
            sync_apply(plan, by=sync.confirmed_by, sync=sync, progress=progress)
        return sync
    except Exception as error:
        logger.exception("Applying registry sync %s failed; nothing was changed", sync_id)
        RegistrySync.objects.filter(pk=sync_id, status=Status.APPLYING).update(
            status=Status.PREVIEWED,
            started_at=None,
            error="The sync stopped before it finished, so nothing was changed "
            f"({type(error).__name__}). Confirm it again in a few minutes.",
        )
        raise
    finally:
        progress.close()


# -- discarding and starting a lost job again ------------------------------------------------------


@transaction.atomic
def registry_sync_discard(*, syncs, pk: int) -> RegistrySync:
    """Discard a sync waiting for confirmation, or one whose files are still waiting or being read
    (the reading then stores nothing)."""
    sync = syncs.select_for_update(of=("self",)).get(pk=pk)
    if sync.status not in (Status.QUEUED, Status.READING, Status.PREVIEWED):
        raise SyncNotPending(_refusal(sync))
    sync.status = Status.DISCARDED
    sync.save(update_fields=["status"])
    return sync


@transaction.atomic
def registry_sync_restart(*, syncs, pk: int) -> RegistrySync:
    """Queue again a job waiting or running for longer than :data:`STALE_AFTER` (its message lost,
    or its worker gone). Safe if it was only slow: each job runs once whatever is delivered."""
    from imports.tasks import registry_sync_apply_task, registry_sync_read_task

    sync = syncs.select_for_update(of=("self",)).get(pk=pk)
    if not is_stale(sync):
        raise SyncNotPending(
            "This sync is still within its first 15 minutes, or not waiting for a worker: "
            "nothing was started again."
        )
    if sync.status == Status.READING:
        sync.status = Status.QUEUED
    sync.queued_at = timezone.now()
    sync.save(update_fields=["status", "queued_at"])
    task = registry_sync_apply_task if sync.status == Status.APPLYING else registry_sync_read_task
    enqueue_on_commit(task, sync.pk)
    return sync
