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
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CELERY_BROKER_URL"):
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


def test_production_with_real_settings_starts():
    result = _start(
        APP_ENV="production",
        SECRET_KEY="k" * 64,
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
