"""The key that encrypts TOTP secrets at rest (ADR 0041), checked when the settings load.

Read by ``carehomes_les/settings.py`` before Django is set up, so it imports nothing of Django's."""

from __future__ import annotations

import base64
import binascii
import hashlib

GENERATE = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def totp_development_key() -> str:
    """The embedded default's key: derived from a fixed label, so it is the same on every machine
    and useless anywhere else (production refuses it)."""
    digest = hashlib.sha256(b"care-home-les embedded default: TOTP secrets at rest").digest()
    return base64.urlsafe_b64encode(digest).decode()


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def totp_key_problems(key: str, fallbacks: list[str]) -> list[str]:
    """What is wrong with the production key and its fallbacks, each naming the fix."""
    problems = []
    if not key:
        problems.append(f"TOTP_ENCRYPTION_KEY must be set to a Fernet key ({GENERATE}).")
    elif not _is_fernet_key(key):
        problems.append(
            f"TOTP_ENCRYPTION_KEY is not a Fernet key (32 bytes, url-safe base64): {GENERATE}."
        )
    elif key == totp_development_key():
        problems.append(
            f"TOTP_ENCRYPTION_KEY is the embedded default's key: generate a real one ({GENERATE})."
        )
    if any(not _is_fernet_key(old) for old in fallbacks):
        problems.append(
            "TOTP_ENCRYPTION_KEY_FALLBACKS must list only old Fernet keys, comma-separated "
            "(or be unset)."
        )
    return problems
