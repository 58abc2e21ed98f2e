"""Two-factor sign-in in tests. ``tests/conftest.py`` makes the test client's ``force_login`` also
complete two-factor sign-in for officers, auditors and administrators (as their real sign-in does),
so every page test meets the requirement rather than switching it off; ``password_only_login``
signs in without the second factor, for the tests of the requirement itself. Apps are
``accounts.Authenticator`` rows (secrets encrypted at rest, ADR 0041); a forced sign-in counts as
having just given a code, as a real one has (``accounts.step_up``)."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp

from accounts.models import Authenticator

_force_login = Client.force_login


def authenticator(user) -> Authenticator:
    """The user's confirmed authenticator app, added if they have none."""
    device = Authenticator.objects.filter(user=user, confirmed=True).first()
    return device or Authenticator.objects.create(
        user=user, name="Test authenticator", confirmed=True
    )


def current_code(device: Authenticator) -> str:
    """The code the person's app shows now. A code is accepted once per 30-second step, so a second
    sign-in within the step would be refused: forget the step used, as waiting for the next would."""
    Authenticator.objects.filter(pk=device.pk).update(last_t=-1)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def force_login_with_two_factor(self, user, backend=None):
    _force_login(self, user, backend)
    from accounts.access import needs_two_factor
    from accounts.step_up import VERIFIED_AT, clock

    if needs_two_factor(user):
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session[VERIFIED_AT] = int(clock())
        session.save()


def password_only_login(client: Client, user) -> None:
    _force_login(client, user)
