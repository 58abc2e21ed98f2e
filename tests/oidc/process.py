"""Start the test OpenID Connect provider (``tests/oidc/provider``) as its own process, and drive
its pages with an HTTP client the way a browser would."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ["olive", "stranger", "unverified", "switched-off", "twin"]
START_TIMEOUT_SECONDS = 60


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Provider:
    port: int
    client_id: str
    client_secret: str
    password: str
    control_path: Path
    rogue_key: str
    people: dict = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/o"

    def configure(self, settings) -> None:
        """Point the service (pytest-django's ``settings``) at this provider."""
        settings.NHSMAIL_OIDC_ISSUER = self.issuer
        settings.NHSMAIL_OIDC_CLIENT_ID = self.client_id
        settings.NHSMAIL_OIDC_CLIENT_SECRET = self.client_secret
        settings.NHSMAIL_OIDC_SCOPES = "openid email profile"

    def person(self, username: str, **claims) -> None:
        """The claims ``username``'s ID token carries from now on."""
        self.people[username] = claims
        self._write()

    def scenario(self, name: str | None) -> None:
        """How the next ID tokens go wrong: wrong_key, expired, wrong_nonce, wrong_audience,
        stale_sign_in (``auth_time`` an hour ago)."""
        self._scenario = name
        self._write()

    def reset(self) -> None:
        self.people = {}
        self._scenario = None
        self._write()

    def _write(self) -> None:
        self.control_path.write_text(
            json.dumps(
                {
                    "people": self.people,
                    "scenario": getattr(self, "_scenario", None),
                    "rogue_key": self.rogue_key,
                }
            )
        )

    def sign_in(self, authorize_url: str, username: str) -> str:
        """Sign in at the provider's own pages as ``username`` and return where the provider sends
        the browser back to (the service's callback, with ``code`` and ``state``)."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=False, timeout=30)
        assert response.status_code == 302, response.text
        login_url = urljoin(authorize_url, response.headers["Location"])
        page = browser.get(login_url, timeout=30)
        assert page.status_code == 200
        response = browser.post(
            login_url,
            data={
                "username": username,
                "password": self.password,
                "csrfmiddlewaretoken": browser.cookies["op_csrftoken"],
                "next": parse_qs(urlsplit(login_url).query)["next"][0],
            },
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, "the provider refused the sign-in"
        response = browser.get(
            urljoin(login_url, response.headers["Location"]), allow_redirects=False, timeout=30
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@contextlib.contextmanager
def running_provider(tmp_path: Path, redirect_uris: list[str]):
    tmp_path.mkdir(parents=True, exist_ok=True)
    provider_log = tmp_path / "provider.log"
    provider = Provider(
        port=0,
        client_id="care-home-les-" + secrets.token_hex(4),
        client_secret=secrets.token_urlsafe(32),
        password=secrets.token_urlsafe(12),
        control_path=tmp_path / "control.json",
        rogue_key=rsa_private_key_pem(),
    )
    provider.reset()
    env = {
        **os.environ,
        "OP_DATABASE": str(tmp_path / "provider.sqlite3"),
        "OP_RSA_PRIVATE_KEY": rsa_private_key_pem(),
        "OP_CONTROL": str(provider.control_path),
        "OP_PEOPLE": json.dumps(PEOPLE),
        "OP_PASSWORD": provider.password,
        "OP_CLIENT_ID": provider.client_id,
        "OP_CLIENT_SECRET": provider.client_secret,
        "OP_REDIRECT_URIS": " ".join(redirect_uris),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with provider_log.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc.provider.serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            line = process.stdout.readline()  # blocks until it listens, or it dies (EOF)
            if not line.startswith("READY "):
                process.wait(timeout=START_TIMEOUT_SECONDS)
                raise RuntimeError(
                    f"The test OpenID provider did not start:\n{provider_log.read_text()}"
                )
            provider.port = int(line.split()[1])
            yield provider
        finally:
            process.terminate()
            process.wait(timeout=30)
