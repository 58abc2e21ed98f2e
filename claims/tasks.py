"""Remittance advice tasks. They take ids and call ``claims/payments/remittances.py``; building is
idempotent (a built remittance is left alone), so the task acknowledges late and a worker that dies
mid-render hands it to another. Builds run on the ``pdf`` queue (CELERY_TASK_ROUTES)."""

from celery import shared_task

from claims.payments import remittances


@shared_task(
    name="claims.remittance_build",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=remittances.MAX_BUILD_ATTEMPTS - 1,
)
def remittance_build_task(remittance_id: int) -> bool:
    remittance = remittances.remittance_build(remittance_id)
    return bool(remittance and remittance.advice_id)


@shared_task(name="claims.remittances_sweep", acks_late=True)
def remittances_sweep_task() -> int:
    return remittances.remittances_queue_unbuilt()
