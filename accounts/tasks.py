"""The email telling a person that an authenticator app was added to or removed from their account
(``accounts/enrolment.py``; ASVS 2.2.3). Not through the practices' outbox (``notices.Notice`` is a
practice's email): sent to the address on the user's account, retried with backoff if the mail
server fails."""

from __future__ import annotations

import datetime
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from core.formatting import day

logger = logging.getLogger(__name__)

MESSAGES = {
    "added": (
        "An authenticator app was added to your account",
        "An authenticator app was added for two-factor sign-in to your Care Home LES account "
        "({username}) on {when}.\n\n"
        "If this was you, there is nothing to do. If it was not, tell your administrator at once: "
        "someone else may hold your password.",
    ),
    "removed": (
        "The authenticator app on your account was removed",
        "An administrator removed the authenticator app from your Care Home LES account "
        "({username}) on {when}.\n\n"
        "To sign in again you need a new set-up code from your administrator. If you did not ask "
        "for this, tell your administrator at once.",
    ),
}


@shared_task(
    name="accounts.security_email",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def security_email_task(user_id: int, event: str, at: str) -> bool:
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        logger.warning("No address to tell user %s that an authenticator was %s", user_id, event)
        return False
    moment = timezone.localtime(datetime.datetime.fromisoformat(at))
    subject, body = MESSAGES[event]
    send_mail(
        subject=f"{settings.SERVICE_NAME}: {subject}",
        message=body.format(username=user.username, when=f"{day(moment)} at {moment:%H:%M}"),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True
