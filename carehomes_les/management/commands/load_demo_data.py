from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from carehomes_les.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data


class Command(BaseCommand):
    help = "Load a Rotherham-sized demo commissioner and one sign-in per role (not in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production (APP_ENV=production).")
        counts = load_demo_data()
        added = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        self.stdout.write(
            f"Demo data: {'added ' + added if added else 'already loaded, nothing changed'}."
        )
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ as:")
        for username, _first, _last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {role.label:<20} password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Officers, the auditor and admin then give a two-factor code: "
            ".venv/bin/python manage.py demo_code <username> prints the one showing now."
        )
