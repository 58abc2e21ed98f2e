from django.core.management.base import BaseCommand, CommandError

from claims.models import Quarter
from claims.worksheets.exports import write_claims_csv
from core.periods import Period
from practices.models import Commissioner, Practice


class Command(BaseCommand):
    help = "Write the quarter's claims as CSV to standard output (SPEC §10), one row per practice."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help='e.g. "2019/20 Q2" or 2019-20-Q2')
        parser.add_argument("--commissioner", help="only this commissioner's practices (its code)")

    def handle(self, *args, quarter, commissioner=None, **options):
        try:
            period = Period.parse(quarter)
        except ValueError as error:
            raise CommandError(str(error)) from None
        stored = Quarter.objects.filter(year=period.year, number=period.quarter).first()
        if stored is None:
            stored = Quarter(
                year=period.year, number=period.quarter, due_date=period.default_due_date
            )
        practices = None
        if commissioner:
            if not Commissioner.objects.filter(code=commissioner).exists():
                raise CommandError(f"No commissioner has the code {commissioner!r}.")
            practices = Practice.objects.filter(pcn__commissioner__code=commissioner)
        self.stdout.ending = ""
        write_claims_csv(self.stdout, stored, practices)
