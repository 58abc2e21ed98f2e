"""Authenticator apps and the one-time codes that let a person add one (ADR 0041).

``Authenticator`` is django-otp's TOTP device with its secret encrypted at rest
(``accounts.secrets.EncryptedSecretField``): the same fields and the same verification as
``django_otp.plugins.otp_totp.models.TOTPDevice`` (whose methods it borrows), but the key column
holds a Fernet token. django-otp finds it as it finds any device (``devices_for_user``,
``match_token``, the session's persistent id). TOTPDevice's own table, whose key column is plain
hex, is emptied by ``accounts/migrations/0004`` and refuses new rows.

``EnrolmentCode`` is what an administrator issues (``accounts.enrolment``): shown once, stored as
its SHA-256 digest only, for one person, used once, expiring."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key, key_validator

from accounts.secrets import EncryptedSecretField


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator app: a TOTP device whose secret is encrypted at rest."""

    key = EncryptedSecretField(
        default=default_key,
        validators=[key_validator],
        editable=False,
        help_text="The hex-encoded secret, encrypted with TOTP_ENCRYPTION_KEY in the database.",
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(
        default=0, help_text="The Unix time at which to begin counting steps."
    )
    digits = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6, help_text="The number of digits to expect in a token."
    )
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0,
        help_text="The number of time steps the prover is known to deviate from our clock.",
    )
    last_t = models.BigIntegerField(
        default=-1,
        help_text="The time step of the latest verified code; the next must be later.",
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    # django-otp's TOTP behaviour, unchanged: it reads the fields above (and ``bin_key``).
    bin_key = TOTPDevice.bin_key
    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings


@receiver(pre_save, sender=TOTPDevice)
def _no_plaintext_secrets(sender, instance, **kwargs):
    raise ImproperlyConfigured(
        "TOTPDevice stores its secret in plain text: authenticator apps are accounts.Authenticator "
        "rows, encrypted at rest (ADR 0041)."
    )


class EnrolmentCode(models.Model):
    """A one-time code an administrator gives a person out of band so that they can add an
    authenticator app. Only its digest is kept; the code itself is shown once, when issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the code.")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("issued_at")),
                name="enrolment_code_expires_after_issue",
            )
        ]

    def __str__(self):
        return f"Set-up code for {self.user}, issued {self.issued_at:%Y-%m-%d %H:%M}"
