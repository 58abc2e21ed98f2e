from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.enrolment import enrolment_code_issue
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a one-time two-factor set-up code for a member of staff and print it (ADR 0041): for "
        "the first administrator of a deployment, who has no administrator to issue theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            code, row = enrolment_code_issue(user=user, by=None)
        except ValidationError as refused:
            raise CommandError(" ".join(refused.messages)) from None
        self.stdout.write(code)
