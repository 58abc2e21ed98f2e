"""The registry sync's background jobs (ADR 0047): reading an officer's national files once, and
applying a confirmed sync that does not fit on a page. Each takes the sync's id and runs once
however often it is delivered (its state is the sync's status, changed under a row lock), so both
acknowledge late: a worker that dies mid-way hands the message to another."""

from celery import shared_task

from imports import sync_jobs


@shared_task(name="imports.registry_sync_read", acks_late=True)
def registry_sync_read_task(sync_id: int) -> str | None:
    sync = sync_jobs.registry_sync_read(sync_id)
    return sync.status if sync else None


@shared_task(name="imports.registry_sync_apply", acks_late=True)
def registry_sync_apply_task(sync_id: int) -> str | None:
    sync = sync_jobs.registry_sync_apply(sync_id)
    return sync.status if sync else None
