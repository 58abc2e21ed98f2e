from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.access import needs_two_factor
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Print the two-factor code a demo user's authenticator app would show now, so the demo can be "
        "tried without a phone (not in production)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from django_otp.oath import totp

        from accounts.models import Authenticator

        if settings.PRODUCTION:
            raise CommandError("Codes are never printed in production (APP_ENV=production).")
        user = User.objects.filter(username=username).first()
        if user is None or not needs_two_factor(user):
            raise CommandError(f"{username!r} is not a demo officer, auditor or administrator.")
        device = Authenticator.objects.filter(user=user).order_by("-confirmed", "-pk").first()
        if device is None:
            device = Authenticator.objects.create(
                user=user, name="Demo authenticator", confirmed=True
            )
        self.stdout.write(
            f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        )
