from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Authenticator


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator app's secret with TOTP_ENCRYPTION_KEY (after a rotation, "
        "while the old key is still in TOTP_ENCRYPTION_KEY_FALLBACKS). Then remove the fallback."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        for device in Authenticator.objects.select_for_update().order_by("pk"):
            device.save(update_fields=["key"])  # read with any key, written with the current one
            count += 1
        self.stdout.write(f"{count} authenticator secret(s) re-encrypted with TOTP_ENCRYPTION_KEY.")
