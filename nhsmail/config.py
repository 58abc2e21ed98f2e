"""Where NHSmail is: the issuer and this service's client, from settings (the environment), and the
issuer's endpoints from its OpenID Connect discovery document.

mozilla-django-oidc reads every option through ``get_settings``; the backend and views here answer
from ``option()``, so the endpoints come from discovery rather than four more variables, and the
choices that make the flow safe (PKCE with S256, a nonce, RS256 only, never create a user) are fixed
in code, not left to configuration."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from django.conf import settings
from mozilla_django_oidc.utils import import_from_settings

DISCOVERY_TTL_SECONDS = 3600
TIMEOUT_SECONDS = 10

FIXED = {
    "OIDC_USE_PKCE": True,
    "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
    "OIDC_USE_NONCE": True,
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_CREATE_USER": False,
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
    "OIDC_AUTHENTICATION_CALLBACK_URL": "nhsmail:callback",
    "OIDC_REDIRECT_FIELD_NAME": "next",
    "OIDC_TIMEOUT": TIMEOUT_SECONDS,
    "OIDC_VERIFY_SSL": True,
    "OIDC_VERIFY_KID": True,
    "OIDC_ALLOW_UNSECURED_JWT": False,
}


class DiscoveryFailed(Exception):
    """The issuer's discovery document could not be read or does not describe that issuer."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def provider() -> Provider | None:
    """The configured provider, or None when NHSmail sign-in is off (settings.py refuses to start
    with only some of the three variables set)."""
    issuer = getattr(settings, "NHSMAIL_OIDC_ISSUER", "")
    if not issuer:
        return None
    return Provider(
        issuer=issuer,
        client_id=settings.NHSMAIL_OIDC_CLIENT_ID,
        client_secret=settings.NHSMAIL_OIDC_CLIENT_SECRET,
        scopes=settings.NHSMAIL_OIDC_SCOPES,
    )


_discovered: dict[str, tuple[float, dict]] = {}


def metadata(p: Provider) -> dict:
    """The issuer's discovery document (OpenID Connect Discovery 1.0), kept for an hour. Its
    ``issuer`` must be exactly the configured one (Discovery §4.3), or nothing it names is used."""
    cached = _discovered.get(p.discovery_url)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    try:
        response = requests.get(p.discovery_url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryFailed(f"Could not read {p.discovery_url}: {exc}") from exc
    if not isinstance(document, dict) or document.get("issuer") != p.issuer:
        raise DiscoveryFailed(f"{p.discovery_url} does not describe the issuer {p.issuer}.")
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not document.get(key)
    ]
    if missing:
        raise DiscoveryFailed(f"{p.discovery_url} names no {', '.join(missing)}.")
    _discovered[p.discovery_url] = (time.monotonic(), document)
    return document


def option(attr: str, *default):
    """mozilla-django-oidc's ``get_settings``: fixed choices, then the configured provider and its
    discovered endpoints, then Django settings (``LOGIN_REDIRECT_URL`` and the like)."""
    if attr in FIXED:
        return FIXED[attr]
    p = provider()
    if p is not None:
        if attr == "OIDC_RP_CLIENT_ID":
            return p.client_id
        if attr == "OIDC_RP_CLIENT_SECRET":
            return p.client_secret
        if attr == "OIDC_RP_SCOPES":
            return p.scopes
        endpoint = {
            "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
            "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
            "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
        }.get(attr)
        if endpoint:
            return metadata(p)[endpoint]
    return import_from_settings(attr, *default)
