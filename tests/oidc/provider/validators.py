"""django-oauth-toolkit's validator with the test's control file (``OP_CONTROL``) deciding each
person's claims and, when asked, how the ID token goes wrong."""

import json
import os
import time
from pathlib import Path

import jwt
from oauth2_provider.oauth2_validators import OAuth2Validator


def control() -> dict:
    return json.loads(Path(os.environ["OP_CONTROL"]).read_text())


class ScenarioValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes in the ID token, whatever the scopes

    def get_additional_claims(self, request):
        return dict(control()["people"].get(request.user.username, {}))

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        if control().get("scenario") == "expired":
            claims["exp"] = int(time.time()) - 600  # ten minutes ago
        if control().get("scenario") == "stale_sign_in":
            # A provider that answered from an earlier sign-in, ignoring max_age=0.
            claims["auth_time"] = int(time.time()) - 3600
        return claims, expiration_time

    def finalize_id_token(self, id_token, token, token_handler, request):
        scenario = control().get("scenario")
        if scenario == "wrong_nonce":
            id_token["nonce"] = "a-nonce-this-sign-in-never-sent"
        if scenario == "wrong_audience":
            id_token["aud"] = "another-client"
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if scenario == "wrong_key":
            # The same header (the real key's kid) and claims, signed by a key the provider does
            # not publish: a forged token.
            header = jwt.get_unverified_header(signed)
            claims = jwt.decode(signed, options={"verify_signature": False})
            return jwt.encode(
                claims, control()["rogue_key"], algorithm="RS256", headers={"kid": header["kid"]}
            )
        return signed
