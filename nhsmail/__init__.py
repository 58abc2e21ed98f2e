"""Sign in with NHSmail: OpenID Connect through mozilla-django-oidc (ADR 0040).

Off unless ``NHSMAIL_OIDC_ISSUER``, ``NHSMAIL_OIDC_CLIENT_ID`` and ``NHSMAIL_OIDC_CLIENT_SECRET`` are
set. Accounts are never created here: an administrator adds the person (role, organisations and
their NHSmail address as the email); their first NHSmail sign-in links the two."""
