"""The link between a person's account here and their NHSmail (OpenID Connect) identity."""

from django.db import models
from django_otp.models import Device, DeviceManager


class _NotOfferedForCodes(DeviceManager):
    """django-otp lists a user's devices to ask for a code (``devices_for_user``, ``match_token``)
    and to decide between "enter your code" and "set up your app". An NHSmail identity takes no
    code, so it is never among them: it only stands in the session for NHSmail's own multi-factor
    sign-in (see ``NHSmailIdentity``)."""

    def devices_for_user(self, user, confirmed=None):
        return self.none()


class NHSmailIdentity(Device):
    """One person's NHSmail account, linked to their account here on their first NHSmail sign-in
    (by the provider's verified email claim) and matched by ``issuer`` and ``subject`` after that.

    It is also a django-otp device: when NHSmail's ID token says multi-factor sign-in was used
    (``amr`` contains ``mfa``), the session is marked verified with this device, exactly as the
    local TOTP code marks it with the authenticator app, so every "staff must be verified" check
    holds unchanged. It verifies no codes itself (``verify_token`` is django-otp's ``False``)."""

    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    email = models.EmailField("NHSmail address when linked")
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = _NotOfferedForCodes()

    class Meta:
        verbose_name = "NHSmail identity"
        verbose_name_plural = "NHSmail identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="nhsmail_identity_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="nhsmail_one_identity_a_user"),
        ]

    def __str__(self):
        return f"NHSmail {self.email} for {self.user}"
