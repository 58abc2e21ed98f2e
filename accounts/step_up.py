"""Step-up: the second factor again before money moves (ASVS 3.7.1; ADR 0041).

Every time a person gives a code from their authenticator app (``record_verification``) the
session keeps the time. The views that move money (``StepUpMixin``: approving a claim above the
finance threshold, authorising and closing a payment run) refuse their POST if that was more than
``STEP_UP_SECONDS`` ago: the person is sent to ``two_factor_step_up`` for a fresh code, which
returns them to the page they acted from to act again. Nothing is done without the fresh code.

A person with no authenticator app here, who signs in with NHSmail's own multi-factor sign-in
(ADR 0040), cannot give a code: they are sent through NHSmail again instead (``nhsmail:step_up``,
an authentication request with ``prompt=login`` and ``max_age=0``), and the clock restarts only if
the new ID token says several factors were used, just now (``nhsmail/views.py``). Anyone with an
app keeps giving its code.

The time comes from ``clock()`` (seconds since the epoch), which tests move on instead of waiting."""

from __future__ import annotations

import time
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user
from django_otp import login as otp_login

from accounts.access import needs_two_factor

STEP_UP_SECONDS = 15 * 60
VERIFIED_AT = "two_factor_verified_at"


def clock() -> float:
    return time.time()


def record_verification(request, device) -> None:
    """The person has just given a right code from ``device``: verified, as of now."""
    otp_login(request, device)
    request.session[VERIFIED_AT] = int(clock())


def recently_verified(request) -> bool:
    verified_at = request.session.get(VERIFIED_AT)
    return verified_at is not None and clock() - int(verified_at) <= STEP_UP_SECONDS


def has_local_device(user) -> bool:
    """Whether the person has a confirmed authenticator app here (an NHSmail identity is a device
    that takes no code, and is never among these: ``nhsmail.models``)."""
    return any(True for _ in devices_for_user(user, confirmed=True))


def steps_up_with_nhsmail(user) -> bool:
    """Whether the person steps up by signing in with NHSmail again, not with a code: they have no
    authenticator app here, and NHSmail sign-in is configured (ADR 0040)."""
    return bool(getattr(settings, "NHSMAIL_OIDC_ISSUER", "")) and not has_local_device(user)


def step_up_redirect(request, back: str) -> HttpResponseRedirect:
    """To where the person gives their second factor again, returning to ``back`` afterwards."""
    where = "nhsmail:step_up" if steps_up_with_nhsmail(request.user) else "two_factor_step_up"
    return HttpResponseRedirect(f"{reverse(where)}?{urlencode({'next': back})}")


def _safe(request, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


class StepUpMixin:
    """For a view whose POST moves money: the POST runs only if the second factor was given in the
    last 15 minutes; otherwise nothing is done and the person is asked for a fresh code.

    The check wraps the view's own ``post`` (whichever class defines it) when the view is set up,
    so it runs after the access rule (sign-in, permission, the scope's 404s) and before anything
    the POST does. A view narrows when it applies with ``step_up_needed`` and says where to come
    back to with ``step_up_return_url`` (by default the page the form was on)."""

    step_up_action = "do this"

    def step_up_needed(self, request, *args, **kwargs) -> bool:
        return True

    def step_up_return_url(self, request, *args, **kwargs) -> str:
        return _safe(request, request.headers.get("Referer")) or reverse("home")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        post = getattr(self, "post", None)
        if post is not None:
            self.post = partial(self._post_after_step_up, post)

    def _post_after_step_up(self, post, request, *args, **kwargs):
        if (
            needs_two_factor(request.user)
            and not recently_verified(request)
            and self.step_up_needed(request, *args, **kwargs)
        ):
            if steps_up_with_nhsmail(request.user):
                messages.info(
                    request,
                    f"To {self.step_up_action} you need to sign in with NHSmail again. Nothing "
                    "has been done yet: do it again after signing in.",
                )
            else:
                messages.info(
                    request,
                    f"To {self.step_up_action} you need to enter a code from your authenticator "
                    "app again. Nothing has been done yet: do it again after entering the code.",
                )
            return step_up_redirect(request, self.step_up_return_url(request, *args, **kwargs))
        return post(request, *args, **kwargs)
