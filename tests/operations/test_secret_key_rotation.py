"""Rotating SECRET_KEY (docs/operations.md): with the old key in SECRET_KEY_FALLBACKS people stay
signed in; without it every session ends."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
OLD = "old-key-" + "o" * 60
NEW = "new-key-" + "n" * 60


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "/accounts/login/" not in response.get("Location", "")


def test_secret_key_rotation_with_fallback_keeps_sessions(client, db):
    manager = f.practice_manager(f.PracticeFactory())
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        client.force_login(manager)
        assert _signed_in(client)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        assert _signed_in(client)


def test_secret_key_rotation_without_fallback_ends_sessions(client, db):
    manager = f.practice_manager(f.PracticeFactory())
    with override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[]):
        client.force_login(manager)
        assert _signed_in(client)
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert not _signed_in(client)


def _fallbacks(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY_FALLBACKS"}
    clean.update(env, DJANGO_SETTINGS_MODULE="carehomes_les.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SECRET_KEY_FALLBACKS)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_fallbacks_read_from_the_environment_as_a_list():
    result = _fallbacks(SECRET_KEY_FALLBACKS=f"{OLD}, {NEW}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([OLD, NEW])


def test_production_refuses_a_short_fallback_key():
    result = _fallbacks(
        APP_ENV="production",
        SECRET_KEY=NEW,
        SECRET_KEY_FALLBACKS="short",
        ALLOWED_HOSTS="les.example.nhs.uk",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
        EMAIL_HOST="smtp.example",
        DEBUG="false",
    )
    assert result.returncode != 0
    assert "SECRET_KEY_FALLBACKS" in result.stderr
