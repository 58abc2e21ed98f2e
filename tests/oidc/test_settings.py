"""NHSmail sign-in is configured by all three variables or none; half a configuration refuses to
start, naming what is missing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("NHSMAIL_OIDC_ISSUER", "NHSMAIL_OIDC_CLIENT_ID", "NHSMAIL_OIDC_CLIENT_SECRET")


def _start(**env):
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    clean.update(env, DJANGO_SETTINGS_MODULE="carehomes_les.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_half_a_configuration_refuses_to_start_and_names_what_is_missing():
    result = _start(NHSMAIL_OIDC_ISSUER="https://login.example.nhs.uk/tenant/v2.0")
    assert result.returncode != 0
    assert "NHSMAIL_OIDC_CLIENT_ID, NHSMAIL_OIDC_CLIENT_SECRET" in result.stderr


def test_all_three_start_and_none_start():
    configured = _start(
        NHSMAIL_OIDC_ISSUER="https://login.example.nhs.uk/tenant/v2.0",
        NHSMAIL_OIDC_CLIENT_ID="care-home-les",
        NHSMAIL_OIDC_CLIENT_SECRET="s3cret",
    )
    assert configured.returncode == 0, configured.stderr
    assert _start().returncode == 0
