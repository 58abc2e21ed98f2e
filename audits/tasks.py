"""Audit pack task: takes a case id and calls ``audits/packs.py``; building is idempotent (a pack
newer than the request is left alone), so it acknowledges late. It runs on the ``pdf`` queue."""

from celery import shared_task

from audits import packs


@shared_task(
    name="audits.pack_build",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=2,
)
def audit_pack_build_task(case_id: int) -> bool:
    case = packs.audit_pack_build(case_id)
    return bool(case and case.pack_id)
