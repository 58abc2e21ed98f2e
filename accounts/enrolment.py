"""Adding and removing authenticator apps, out of band (ADR 0041; ASVS 2.2.3, 2.5).

A password alone never adds a second factor. An administrator issues a one-time **set-up code** for
a person (``enrolment_code_issue``): shown to the administrator once, kept only as its SHA-256
digest, for that person only, used once, void after ``CODE_LIFETIME``. The administrator hands it
over another way (in person, on the phone). After their password the person types it on the set-up
page (``enrolment_code_redeem``), which uses it up and only then draws the new app's secret; the app
is added once it shows a right code (``authenticator_confirm``). Administrators reset a lost app
with a reason (``authenticator_reset``). Each step is in the history; the person is emailed when an
app is added or removed, at the address on their account, once the change commits."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import needs_two_factor
from accounts.devices import Authenticator, EnrolmentCode
from core.formatting import day
from core.tasks import enqueue_on_commit
from history.services import audit_record

CODE_LIFETIME = datetime.timedelta(hours=72)
# 16 characters from 32 that cannot be mistaken for each other (no 0/O, 1/I): 80 random bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16

REFUSED = (
    "That set-up code is not right, has been used or has expired. Ask your administrator for a new "
    "set-up code."
)


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def code_digest(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def _shown(code: str) -> str:
    """``ABCDEFGHJKLMNPQR`` as ``ABCD-EFGH-JKLM-NPQR``: easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _when(moment: datetime.datetime) -> str:
    return f"{day(moment)} at {timezone.localtime(moment):%H:%M}"


@transaction.atomic
def enrolment_code_issue(
    *, user, by, now: datetime.datetime | None = None
) -> tuple[str, EnrolmentCode]:
    """A new set-up code for ``user``, returned in the clear this once. Any earlier unused code of
    theirs is withdrawn. Refused for someone who needs no second factor or already has an app."""
    now = now or timezone.now()
    if not needs_two_factor(user):
        raise ValidationError(
            f"{user.username} signs in with a password alone ({user.role_label or 'no role'}): "
            "there is no authenticator app to set up."
        )
    if Authenticator.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(
            f"{user.username} already has an authenticator app. Reset it, with the reason, before "
            "issuing a set-up code."
        )
    withdrawn = user.enrolment_codes.filter(used_at__isnull=True).delete()[0]
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = EnrolmentCode.objects.create(
        user=user,
        digest=code_digest(code),
        issued_by=by,
        issued_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    audit_record(
        by=by,
        action="two_factor_code_issued",
        obj=user,
        summary=f"Two-factor set-up code issued for {user.username}, valid until "
        f"{_when(row.expires_at)}" + (" (the earlier code withdrawn)" if withdrawn else ""),
        after={"expires_at": row.expires_at},
    )
    return _shown(code), row


@transaction.atomic
def enrolment_code_redeem(
    *, user, code: str, now: datetime.datetime | None = None
) -> Authenticator:
    """Use up ``user``'s set-up ``code`` and draw the secret of a new, unconfirmed app for them.
    A wrong, used, expired or someone else's code is refused (``REFUSED``) and nothing is written."""
    now = now or timezone.now()
    row = (
        EnrolmentCode.objects.select_for_update()
        .filter(user=user, digest=code_digest(code))
        .first()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationError(REFUSED)
    if Authenticator.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError("You already have an authenticator app: sign in with its code.")
    row.used_at = now
    row.save(update_fields=["used_at"])
    Authenticator.objects.filter(user=user, confirmed=False).delete()
    device = Authenticator.objects.create(user=user, name="Authenticator app", confirmed=False)
    audit_record(
        by=user,
        action="two_factor_code_used",
        obj=user,
        summary=f"Two-factor set-up code used by {user.username}",
    )
    return device


@transaction.atomic
def authenticator_confirm(*, device: Authenticator, token: str) -> bool:
    """Add the app if ``token`` is the code it shows now (throttled by django-otp)."""
    device = Authenticator.objects.select_for_update().get(pk=device.pk)
    if device.confirmed:
        return False
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user = device.user
    audit_record(
        by=user,
        action="two_factor_setup",
        obj=user,
        summary=f"Two-factor sign-in set up for {user.username}",
    )
    _tell(user, "added")
    return True


@transaction.atomic
def authenticator_reset(*, user, by, reason: str) -> int:
    """Remove ``user``'s authenticator apps (and any unused set-up code), with the reason, in the
    history. Their sessions lose the second factor at once. Returns the apps removed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason for resetting their two-factor sign-in.")
    devices = list(Authenticator.objects.select_for_update().filter(user=user))
    if not devices:
        raise ValidationError(f"{user.username} has no authenticator app to reset.")
    confirmed = [d.name for d in devices if d.confirmed]
    Authenticator.objects.filter(pk__in=[d.pk for d in devices]).delete()
    user.enrolment_codes.filter(used_at__isnull=True).delete()
    audit_record(
        by=by,
        action="two_factor_reset",
        obj=user,
        summary=f"Two-factor sign-in reset for {user.username}: authenticator app removed",
        before={"authenticators": confirmed},
        reason=reason,
    )
    if confirmed:
        _tell(user, "removed")
    return len(devices)


def _tell(user, event: str) -> None:
    from accounts.tasks import security_email_task

    enqueue_on_commit(security_email_task, user.pk, event, timezone.now().isoformat())
