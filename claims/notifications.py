"""Emails that tell a practice what happened to its claim (a query, an opening correction).

Each is recorded in the outbox (``notices.Notice``) in the same transaction as the change, keyed by
the history event that made it, and sent by a Celery task after the transaction commits: a
rolled-back change mails nobody, and a change mails the practice once."""

from audit.models import AuditEvent
from claims.models import Worksheet
from notices.models import Notice
from notices.services import notice_create


def practice_notify(*, event: AuditEvent, claim: Worksheet, subject: str, body: str) -> Notice:
    notice, _ = notice_create(
        key=f"claim:{event.pk}",
        kind=Notice.Kind.CLAIM,
        practice_id=claim.practice_id,
        quarter_id=claim.quarter_id,
        subject=subject,
        body=body,
    )
    return notice
