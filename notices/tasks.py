"""Email tasks (the reminders' daily task is ``outcomes/tasks.py``). Each takes ids (or nothing) and calls a service; all are idempotent,
so they acknowledge late: a worker that dies mid-task hands the message to another."""

import datetime

from celery import shared_task

from notices import services


@shared_task(
    name="notices.send",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.SendFailed,),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=None,  # bounded by NOTICE_MAX_ATTEMPTS in the service
)
def notice_send_task(notice_id: int) -> str | None:
    notice = services.notice_send(notice_id)
    return notice.status if notice else None


@shared_task(name="notices.dispatch_pending", acks_late=True)
def dispatch_pending_task() -> int:
    return services.notices_dispatch_pending(older_than=datetime.timedelta(minutes=10))
