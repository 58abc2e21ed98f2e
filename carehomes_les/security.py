"""Request-level security: the Content-Security-Policy, the two-factor requirement and the absolute
session lifetime. Each control is listed with its ASVS reference in docs/security.md.

- **Content-Security-Policy** on every response, with no ``unsafe-inline`` anywhere: every script and
  stylesheet is a vendored file under /static/ (templates carry no inline script, no ``<style>`` and
  no ``style=`` attribute; charts are SVG markup drawn on the server).
- **Two-factor sign-in**: officers, auditors and administrators act on the commissioner's money and
  see every practice, so after their password they must give a code from an authenticator app
  (TOTP, django-otp) before any page but the two-factor ones. A first sign-in sets the app up.
- **Absolute session lifetime**: however active, a session ends ``SESSION_ABSOLUTE_SECONDS`` after
  sign-in. (The inactivity timeout is Django's own: ``SESSION_COOKIE_AGE`` renewed on each request.)
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts.access import needs_two_factor

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

# Who must sign in with a second factor (SPEC section 1: they see across practices).

SIGNED_IN_AT = "signed_in_at"


class SecurityHeadersMiddleware:
    """The CSP and the headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages about practices and money are never kept by shared browsers or proxies.
            response.setdefault("Cache-Control", "no-store")
        return response


class SessionLifetimeMiddleware:
    """Ends a session ``SESSION_ABSOLUTE_SECONDS`` after sign-in, however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = int(time.time())
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - int(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
                messages.info(
                    request, f"You were signed out: a session lasts at most {hours} hours."
                )
                return redirect(f"{reverse('login')}?next={request.path}")
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """After the password, officers, auditors and administrators reach nothing but the two-factor
    pages (and signing out) until they have given a code from their authenticator app."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if needs_two_factor(user) and not user.is_verified():
            allowed = {
                reverse("two_factor_verify"),
                reverse("two_factor_setup"),
                reverse("logout"),
                reverse("accessibility"),
            }
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                from django_otp import devices_for_user

                has_device = any(True for _ in devices_for_user(user, confirmed=True))
                target = "two_factor_verify" if has_device else "two_factor_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
