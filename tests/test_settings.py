"""Production mode refuses to start without real settings, and says what to set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "SECRET_KEY",
            "TOTP_ENCRYPTION_KEY",
            "TOTP_ENCRYPTION_KEY_FALLBACKS",
            "ALLOWED_HOSTS",
            "CELERY_BROKER_URL",
            "REDIS_URL",
            "EMAIL_HOST",
            "DEBUG",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="carehomes_les.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_settings_refuses_and_names_each_fix():
    result = _start(APP_ENV="production")
    assert result.returncode != 0
    for name in (
        "SECRET_KEY",
        "TOTP_ENCRYPTION_KEY",
        "DATABASE_URL",
        "ALLOWED_HOSTS",
        "CELERY_BROKER_URL",
    ):
        assert name in result.stderr


def test_production_refuses_sqlite_database():
    result = _start(
        APP_ENV="production",
        SECRET_KEY="x" * 64,
        ALLOWED_HOSTS="les.example.nhs.uk",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="sqlite:///tmp/x.db",
        EMAIL_HOST="smtp.example",
    )
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


TOTP_KEY = "dGVzdHMtb25seS10b3RwLWtleS1ub3QtZm9yLXVzZSE="


def test_production_with_real_settings_starts():
    result = _start(
        APP_ENV="production",
        SECRET_KEY="k" * 64,
        TOTP_ENCRYPTION_KEY=TOTP_KEY,
        ALLOWED_HOSTS="les.example.nhs.uk",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        EMAIL_HOST="smtp.example",
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_embedded_default_starts_with_nothing_set():
    result = _start()
    assert result.returncode == 0, result.stderr


def _production(**env):
    return _start(
        APP_ENV="production",
        SECRET_KEY="k" * 64,
        ALLOWED_HOSTS="les.example.nhs.uk",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://u@127.0.0.1:5432/db",
        EMAIL_HOST="smtp.example",
        **env,
    )


def test_production_refuses_a_totp_key_that_is_not_a_fernet_key():
    result = _production(TOTP_ENCRYPTION_KEY="not-a-key")
    assert result.returncode != 0
    assert "TOTP_ENCRYPTION_KEY is not a Fernet key" in result.stderr


def test_production_refuses_the_embedded_defaults_totp_key():
    from carehomes_les.totp_key import totp_development_key

    result = _production(TOTP_ENCRYPTION_KEY=totp_development_key())
    assert result.returncode != 0
    assert "TOTP_ENCRYPTION_KEY is the embedded default's key" in result.stderr


def test_production_refuses_totp_key_fallbacks_that_are_not_keys():
    result = _production(TOTP_ENCRYPTION_KEY=TOTP_KEY, TOTP_ENCRYPTION_KEY_FALLBACKS="old")
    assert result.returncode != 0
    assert "TOTP_ENCRYPTION_KEY_FALLBACKS must list only old Fernet keys" in result.stderr
