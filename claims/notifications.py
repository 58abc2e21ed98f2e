"""Emails that tell a practice what happened to its claim. Sent only after the transaction that made
the change commits (``transaction.on_commit``), so a rolled-back change never mails anyone.

Issue 5 moves the sending into a Celery task with retries; callers will not change."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from practices.models import PracticeContact


def _send(practice_id: int, subject: str, body: str) -> None:
    recipients = list(
        PracticeContact.objects.filter(practice_id=practice_id).values_list("email", flat=True)
    )
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def practice_notify_on_commit(*, practice_id: int, subject: str, body: str) -> None:
    transaction.on_commit(lambda: _send(practice_id, subject, body))
