"""Authenticator apps set up before ADR 0041 were django-otp TOTPDevice rows whose key column held
the secret in plain hex. Each becomes an ``accounts.Authenticator`` with the same secret, now
encrypted with TOTP_ENCRYPTION_KEY (the field encrypts as it writes), keeping its confirmation,
drift, last code step, throttling and dates; the plaintext rows are then deleted. People stay
enrolled (their apps' codes still work); a session verified with an old row asks for a code again.

Backwards, the secrets are decrypted into TOTPDevice rows again."""

from django.db import migrations

COPIED = [
    "user_id",
    "name",
    "confirmed",
    "key",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "last_used_at",
]


def _move(source, target, alias):
    for old in source.objects.using(alias).order_by("pk"):
        new = target.objects.using(alias).create(**{f: getattr(old, f) for f in COPIED})
        target.objects.using(alias).filter(pk=new.pk).update(created_at=old.created_at)
    source.objects.using(alias).all().delete()


def encrypt_secrets(apps, schema_editor):
    _move(
        apps.get_model("otp_totp", "TOTPDevice"),
        apps.get_model("accounts", "Authenticator"),
        schema_editor.connection.alias,
    )


def decrypt_secrets(apps, schema_editor):
    _move(
        apps.get_model("accounts", "Authenticator"),
        apps.get_model("otp_totp", "TOTPDevice"),
        schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_authenticator_enrolment_code"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
