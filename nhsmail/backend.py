"""The authentication backend for the NHSmail callback: mozilla-django-oidc's code exchange (with
the PKCE verifier and nonce the callback view takes from the session), then a stricter check of
the ID token than the library's own, then the account (nhsmail/services.py)."""

from __future__ import annotations

import jwt
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.utils.crypto import constant_time_compare
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from nhsmail import config
from nhsmail.services import NHSmailRefused, account_for_sign_in, used_mfa

ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 60


class NHSmailBackend(OIDCAuthenticationBackend):
    """Listed in ``AUTHENTICATION_BACKENDS`` always; answers only the NHSmail callback (which
    passes ``nonce``) and only while NHSmail sign-in is configured. Password sign-ins pass by."""

    get_settings = staticmethod(config.option)

    def __init__(self, *args, **kwargs):
        # The library reads its endpoints here; they come from discovery, when a callback needs them.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        provider = config.provider()
        if request is None or provider is None or "nonce" not in kwargs:
            return None
        self.provider = provider
        metadata = config.metadata(provider)
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = metadata.get("userinfo_endpoint", "")
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The ID token: signed with RS256 by a key the issuer publishes, for this client, from
        this issuer, not expired, and carrying the nonce this browser's sign-in began with. The
        library checks only the signature and the nonce, so every claim is checked here."""
        if not token:
            raise NHSmailRefused("failed", detail="The token response has no ID token.")
        try:
            if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
                raise NHSmailRefused("failed", detail="The ID token is not signed with RS256.")
            key = self.retrieve_matching_jwk(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "sub", "exp", "iat", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise NHSmailRefused("failed", detail="The ID token has expired.") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKError, SuspiciousOperation) as exc:
            raise NHSmailRefused("failed", detail=f"The ID token is not valid: {exc}") from exc
        expected = kwargs.get("nonce")
        if not expected or not constant_time_compare(str(claims.get("nonce")), expected):
            raise NHSmailRefused("failed", detail="The ID token's nonce is not this sign-in's.")
        azp = claims.get("azp")
        if azp is not None and azp != self.provider.client_id:
            raise NHSmailRefused("failed", detail="The ID token was issued to another client.")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        # Everything needed (email, email_verified, amr) is in the verified ID token.
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        user, identity = account_for_sign_in(issuer=self.provider.issuer, claims=payload)
        # For the callback view: mark the session verified only if NHSmail used several factors.
        self.request.nhsmail_identity = identity
        self.request.nhsmail_mfa = used_mfa(payload)
        # For a step-up: when the person last signed in at NHSmail (OpenID Connect Core §2), if said.
        auth_time = payload.get("auth_time")
        self.request.nhsmail_auth_time = (
            auth_time if isinstance(auth_time, int) and not isinstance(auth_time, bool) else None
        )
        return user
