"""Finding the account an NHSmail sign-in is for, linking it the first time. Never creates one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from history.services import audit_record
from nhsmail.models import NHSmailIdentity


class NHSmailRefused(Exception):
    """The sign-in is refused; ``reason`` picks the page the person sees (nhsmail/views.py)."""

    def __init__(self, reason: str, *, email: str = "", detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason
        self.email = email


def _verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def used_mfa(claims: dict) -> bool:
    """Whether the provider says the person gave more than one factor (RFC 8176 ``amr``)."""
    amr = claims.get("amr")
    return isinstance(amr, list) and "mfa" in amr


@transaction.atomic
def account_for_sign_in(*, issuer: str, claims: dict):
    """The active account these verified ID token claims sign in to, and its NHSmail identity.

    After the first sign-in the identity (issuer and ``sub``) decides. The first time, the
    provider's email claim must be verified and match exactly one account's email, ignoring case;
    that account is then linked (in the history). Anything else is refused: no account is made."""
    User = get_user_model()
    subject = claims.get("sub")
    email = str(claims.get("email") or "").strip()
    if not isinstance(subject, str) or not subject:
        raise NHSmailRefused("failed", detail="The ID token has no subject.")
    identity = (
        NHSmailIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is None:
        if not email or not _verified(claims):
            raise NHSmailRefused("unverified", email=email)
        matches = list(User.objects.filter(email__iexact=email)[:2])
        if not matches:
            raise NHSmailRefused("unknown", email=email)
        if len(matches) > 1:
            raise NHSmailRefused("ambiguous", email=email)
        user = matches[0]
        if not user.is_active:
            raise NHSmailRefused("inactive", email=email)
        if NHSmailIdentity.objects.filter(user=user, issuer=issuer).exists():
            raise NHSmailRefused("linked_elsewhere", email=email)
        try:
            with transaction.atomic():
                identity = NHSmailIdentity.objects.create(
                    user=user, issuer=issuer, subject=subject, email=email, name="NHSmail"
                )
        except IntegrityError as exc:  # two first sign-ins at once: the other one linked it
            raise NHSmailRefused("failed", detail="Linked by a concurrent sign-in.") from exc
        audit_record(
            by=user,
            action="nhsmail_linked",
            obj=user,
            summary=f"NHSmail sign-in linked for {user.username} ({email})",
            after={"issuer": issuer, "subject": subject, "email": email},
        )
    if not identity.user.is_active:
        raise NHSmailRefused("inactive", email=identity.email)
    return identity.user, identity
