"""The two NHSmail sign-in URLs (both 404 while NHSmail sign-in is off) and the refusal page.

* start: mozilla-django-oidc's authentication request (state, nonce and a PKCE S256 challenge kept
  in this browser's session), to the issuer's authorization endpoint;
* callback: the library takes the state's nonce and verifier out of the session (once: a replay
  finds nothing), and the backend exchanges the code and checks the ID token. If NHSmail says
  several factors were used, the session is marked verified as the local code does; otherwise
  staff give their local code next (carehomes_les.security.TwoFactorRequiredMiddleware);
* step_up: before money moves, a signed-in person with no authenticator app here signs in at
  NHSmail again (``prompt=login``, ``max_age=0``: the provider must ask, not reuse its session).
  The callback restarts the step-up clock (``accounts.step_up``) only if the ID token is for the
  same person, says several factors were used, and (if it carries ``auth_time``) that they signed
  in after the step-up began; otherwise nothing is unlocked and a message says why."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    get_next_url,
)

from accounts.access import needs_two_factor
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
    "step_up_other_person": 403,
    "unavailable": 503,
}


def refused(request, reason: str, *, email: str = "", step_up_next: str | None = None):
    """The refusal page; for a step-up (``step_up_next``, where to go back to) it says the person
    is still signed in and nothing has been done."""
    return render(
        request,
        "nhsmail/refused.html",
        {"reason": reason, "email": email, "step_up": step_up_next is not None,
         "next": step_up_next},
        status=REFUSALS[reason],
    )  # fmt: skip


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


# The step-ups begun in this session: the authentication request's ``state`` → who asked and when
# (seconds since the epoch). Taken out by the callback, once, like the library's own state.
STEP_UPS = "nhsmail_step_ups"
# How far a provider's clock may be behind ours for ``auth_time`` (as for the token's times).
AUTH_TIME_SKEW_SECONDS = 60


def now() -> float:
    """The real time, as the provider's ``auth_time`` is (not the step-up clock tests move on)."""
    return time.time()


class NHSmailStepUpView(LoginRequiredMixin, NHSmailStartView):
    """Sign in at NHSmail again before money moves (``accounts.step_up`` sends people without an
    authenticator app here): the same authentication request as signing in, plus ``prompt=login``
    and ``max_age=0``, so NHSmail asks for the person's password and second factor again rather
    than answering from its own session (OpenID Connect Core §3.1.2.1)."""

    def get_extra_params(self, request):
        return {"prompt": "login", "max_age": "0"}

    def dispatch(self, request, *args, **kwargs):
        if config.provider() is None:  # off: 404, signed in or not, as the other NHSmail URLs
            raise Http404("NHSmail sign-in is not configured.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if not needs_two_factor(request.user):
            # Nothing to step up to (as the code's step-up page).
            return redirect(get_next_url(request, "next") or "home")
        response = super().get(request)
        if isinstance(response, HttpResponseRedirect) and response.url.startswith("http"):
            state = parse_qs(urlsplit(response.url).query).get("state", [""])[0]
            step_ups = request.session.get(STEP_UPS, {})
            step_ups[state] = {"user": request.user.pk, "at": int(now())}
            request.session[STEP_UPS] = step_ups
        return response


class NHSmailCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(config.option)
    step_up: dict | None = None

    def get(self, request):
        if config.provider() is None:
            raise Http404("NHSmail sign-in is not configured.")
        state = request.GET.get("state", "")
        step_ups = request.session.get(STEP_UPS, {})
        if state in step_ups:
            self.step_up = step_ups.pop(state)
            request.session[STEP_UPS] = step_ups
            request.session.save()
            if request.GET.get("error"):
                # Cancelled at NHSmail, say: the person stays signed in, nothing is unlocked.
                request.session.get("oidc_states", {}).pop(state, None)
                request.session.save()
                return self.step_up_not_done(
                    "You did not finish signing in with NHSmail again, so nothing has been done."
                )
        try:
            return super().get(request)
        except NHSmailRefused as refusal:
            log.warning("nhsmail sign-in refused: %s (%s)", refusal.reason, refusal)
            return self.refused(refusal.reason, email=refusal.email)
        except SuspiciousOperation:
            # The state is not one this browser's session began (a forged or replayed callback).
            log.warning("nhsmail sign-in refused: unknown state")
            return self.refused("failed")
        except (requests.RequestException, config.DiscoveryFailed):
            # The provider refused the code (a wrong PKCE verifier, say) or could not be reached.
            log.warning("nhsmail sign-in: the provider did not complete it", exc_info=True)
            return self.refused("failed")

    def refused(self, reason: str, *, email: str = ""):
        step_up_next = self.success_url if self.step_up is not None else None
        return refused(self.request, reason, email=email, step_up_next=step_up_next)

    def login_failure(self):
        # An error from the provider (the person cancelled, say) or no sign-in begun here.
        return self.refused("failed")

    def step_up_not_done(self, why: str):
        messages.error(self.request, f"{why} Try again when you are ready.")
        return HttpResponseRedirect(self.success_url)

    def step_up_success(self):
        """The callback of a step-up: the ID token has passed every check of a sign-in (the
        backend's); now it must be the same person's, with several factors, given just now."""
        if self.user.pk != self.step_up["user"]:
            # Someone else signed in at NHSmail: that is not this person giving a factor again.
            log.warning("nhsmail step-up refused: the ID token is another person's")
            return self.refused("step_up_other_person")
        if not getattr(self.request, "nhsmail_mfa", False):
            return self.step_up_not_done(
                "NHSmail did not confirm that you used a second factor (such as the Authenticator "
                "app or a text message code) when you signed in again, so nothing has been done."
            )
        auth_time = getattr(self.request, "nhsmail_auth_time", None)
        if auth_time is not None and auth_time < self.step_up["at"] - AUTH_TIME_SKEW_SECONDS:
            return self.step_up_not_done(
                "NHSmail did not ask you to sign in again (it used an earlier sign-in), so "
                "nothing has been done."
            )
        record_verification(self.request, self.request.nhsmail_identity)
        messages.success(self.request, "You have signed in with NHSmail again: you can go on.")
        return HttpResponseRedirect(self.success_url)

    def login_success(self):
        if self.step_up is not None:
            return self.step_up_success()
        response = super().login_success()
        if getattr(self.request, "nhsmail_mfa", False):
            # NHSmail's multi-factor sign-in stands for the local code, and starts the step-up clock.
            record_verification(self.request, self.request.nhsmail_identity)
        return response
