"""Writing and sending the emails to practices (the outbox in ``notices.models.Notice``).

``notice_create`` records an email under its unique key and queues the send once the transaction
commits; a second call with the same key finds the first and does nothing. ``notice_send`` sends a
pending email under a row lock and marks it sent in the same transaction, so two workers (or a task
redelivered after a worker died) never both send it; a failure is recorded and retried with backoff
by the task, and after ``NOTICE_MAX_ATTEMPTS`` the email is marked failed for officers to see."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit
from notices.models import Notice
from practices.models import PracticeContact

logger = logging.getLogger(__name__)

NO_RECIPIENTS = "The practice has no contact email address: add one on the practice's page."


class SendFailed(Exception):
    """Sending failed this time; the task retries with backoff."""


def practice_recipients(practice_id: int) -> list[str]:
    return sorted(
        PracticeContact.objects.filter(practice_id=practice_id).values_list("email", flat=True)
    )


def notice_create(
    *,
    key: str,
    kind: str,
    practice_id: int,
    subject: str,
    body: str,
    quarter_id: int | None = None,
    outcomes_period_id: int | None = None,
    remittance_id: int | None = None,
    status: str = Notice.Status.PENDING,
    reason: str = "",
) -> tuple[Notice, bool]:
    """Record the email ``key`` (once) and queue it for sending after commit. Returns the notice
    and whether this call created it. ``status=MISSED`` records an email deliberately not sent."""
    existing = Notice.objects.filter(key=key).first()
    if existing:
        return existing, False
    recipients = practice_recipients(practice_id)
    if status == Notice.Status.PENDING and not recipients:
        status, reason = Notice.Status.FAILED, NO_RECIPIENTS
    try:
        with transaction.atomic():  # a savepoint: a racing twin's insert loses quietly
            notice = Notice.objects.create(
                key=key,
                kind=kind,
                practice_id=practice_id,
                quarter_id=quarter_id,
                outcomes_period_id=outcomes_period_id,
                remittance_id=remittance_id,
                recipients="\n".join(recipients),
                subject=subject,
                body=body,
                status=status,
                last_error=reason,
            )
    except IntegrityError:
        return Notice.objects.get(key=key), False
    if notice.status == Notice.Status.PENDING:
        from notices.tasks import notice_send_task

        enqueue_on_commit(notice_send_task, notice.pk)
    return notice, True


def _message(notice: Notice) -> EmailMessage:
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=notice.recipient_list,
        headers={"Message-ID": notice.message_id},
    )
    if notice.remittance_id:
        advice = notice.remittance.advice
        if advice is None:
            raise SendFailed("The remittance advice has not been built yet.")
        message.attach(advice.filename, bytes(advice.content), advice.content_type)
    return message


def notice_send(notice_id: int) -> Notice | None:
    """Send the notice if it is still waiting. Raises :class:`SendFailed` when the attempt failed
    and another is due; marks it failed after the last attempt."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related("remittance__advice")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.status != Notice.Status.PENDING:
            return notice  # gone, sent already, or given up on
        notice.attempts += 1
        try:
            _message(notice).send()
        except Exception as error:  # SMTP, network, a missing attachment: all recorded
            notice.last_error = f"{type(error).__name__}: {error}"
            if notice.attempts >= settings.NOTICE_MAX_ATTEMPTS:
                notice.status = Notice.Status.FAILED
            notice.save(update_fields=["attempts", "last_error", "status"])
            logger.warning("Email %s attempt %s failed: %s", notice.key, notice.attempts, error)
            if notice.status == Notice.Status.PENDING:
                retry = SendFailed(notice.last_error)
            else:
                return notice
        else:
            notice.status, notice.sent_at, notice.last_error = (
                Notice.Status.SENT,
                timezone.now(),
                "",
            )
            notice.save(update_fields=["attempts", "last_error", "status", "sent_at"])
            return notice
    raise retry


def notice_retry(notice: Notice) -> Notice:
    """An officer asks for a failed email to be tried again (after fixing the contact, say)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != Notice.Status.FAILED:
            return notice
        recipients = practice_recipients(notice.practice_id)
        notice.recipients = "\n".join(recipients)
        notice.status = Notice.Status.PENDING if recipients else Notice.Status.FAILED
        notice.last_error = "" if recipients else NO_RECIPIENTS
        notice.attempts = 0
        notice.save(update_fields=["recipients", "status", "last_error", "attempts"])
        if recipients:
            from notices.tasks import notice_send_task

            enqueue_on_commit(notice_send_task, notice.pk)
    return notice


def notices_dispatch_pending(*, older_than: datetime.timedelta) -> int:
    """Queue every email still waiting after ``older_than`` (its first queueing was lost, say
    because Redis was down when the change committed). Sending is idempotent, so a notice queued
    twice is still sent once."""
    from notices.tasks import notice_send_task

    ids = list(
        Notice.objects.filter(
            status=Notice.Status.PENDING, created_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit(notice_send_task, pk)
    return len(ids)
