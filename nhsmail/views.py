"""The two NHSmail sign-in URLs (both 404 while NHSmail sign-in is off) and the refusal page.

* start: mozilla-django-oidc's authentication request (state, nonce and a PKCE S256 challenge kept
  in this browser's session), to the issuer's authorization endpoint;
* callback: the library takes the state's nonce and verifier out of the session (once: a replay
  finds nothing), and the backend exchanges the code and checks the ID token. If NHSmail says
  several factors were used, the session is marked verified as the local code does; otherwise
  staff give their local code next (carehomes_les.security.TwoFactorRequiredMiddleware)."""

from __future__ import annotations

import logging

import requests
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.step_up import record_verification
from nhsmail import config
from nhsmail.services import NHSmailRefused

log = logging.getLogger(__name__)

# reason → (status, template context). Every refusal signs no one in and creates no account.
REFUSALS = {
    "unknown": 403,
    "unverified": 403,
    "ambiguous": 403,
    "inactive": 403,
    "linked_elsewhere": 403,
    "failed": 400,
    "unavailable": 503,
}


def refused(request, reason: str, *, email: str = ""):
    return render(
        request,
        "nhsmail/refused.html",
        {"reason": reason, "email": email},
        status=REFUSALS[reason],
    )


class NHSmailStartView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(config.option)

    def __init__(self, **kwargs):
        # The library reads its endpoint here; it comes from discovery, in get().
        View.__init__(self, **kwargs)

    def get(self, request):
        provider = config.provider()
        if provider is None:
            raise Http404("NHSmail sign-in is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = config.metadata(provider)["authorization_endpoint"]
        except config.DiscoveryFailed:
            log.warning("nhsmail sign-in: discovery failed", exc_info=True)
            return refused(request, "unavailable")
        self.OIDC_RP_CLIENT_ID = provider.client_id
        return super().get(request)


class NHSmailCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(config.option)

    def get(self, request):
        if config.provider() is None:
            raise Http404("NHSmail sign-in is not configured.")
        try:
            return super().get(request)
        except NHSmailRefused as refusal:
            log.warning("nhsmail sign-in refused: %s (%s)", refusal.reason, refusal)
            return refused(request, refusal.reason, email=refusal.email)
        except SuspiciousOperation:
            # The state is not one this browser's session began (a forged or replayed callback).
            log.warning("nhsmail sign-in refused: unknown state")
            return refused(request, "failed")
        except (requests.RequestException, config.DiscoveryFailed):
            # The provider refused the code (a wrong PKCE verifier, say) or could not be reached.
            log.warning("nhsmail sign-in: the provider did not complete it", exc_info=True)
            return refused(request, "failed")

    def login_failure(self):
        # An error from the provider (the person cancelled, say) or no sign-in begun here.
        return refused(self.request, "failed")

    def login_success(self):
        response = super().login_success()
        if getattr(self.request, "nhsmail_mfa", False):
            # NHSmail's multi-factor sign-in stands for the local code, and starts the step-up clock.
            record_verification(self.request, self.request.nhsmail_identity)
        return response
