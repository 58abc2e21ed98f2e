"""TOTP secrets encrypted at rest (ADR 0041).

``EncryptedSecretField`` holds the plain value in Python and a Fernet token in the database: it is
encrypted with ``TOTP_ENCRYPTION_KEY`` as it is written and decrypted with that key or one of
``TOTP_ENCRYPTION_KEY_FALLBACKS`` as it is read. A database dump or backup alone therefore never
gives an authenticator's secret. A token is random each time, so the column cannot be searched."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def totp_fernet() -> MultiFernet:
    """Encrypts with the current key; decrypts with it or any fallback (during a rotation)."""
    keys = [settings.TOTP_ENCRYPTION_KEY, *settings.TOTP_ENCRYPTION_KEY_FALLBACKS]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return totp_fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return totp_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A TOTP secret could not be decrypted: TOTP_ENCRYPTION_KEY (or one of "
            "TOTP_ENCRYPTION_KEY_FALLBACKS) must be the key it was encrypted with."
        ) from None


class EncryptedSecretField(models.TextField):
    """A secret string, a Fernet token in its column."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
