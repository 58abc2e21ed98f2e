from django.core.management.base import BaseCommand, CommandError

from claims.models import PaymentRun
from claims.payments.finance_export import write_payments_csv


class Command(BaseCommand):
    help = (
        "Write the finance hand-off as CSV to standard output: one row per claim and adjustment "
        "of a closed payment run (every closed or paid run without --run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--run", help="the payment run's reference, e.g. PR-03L-20190801")

    def handle(self, *args, run=None, **options):
        unpaid = (PaymentRun.Status.OPEN, PaymentRun.Status.CANCELLED)  # nothing to pay
        runs = PaymentRun.objects.exclude(status__in=unpaid).select_related("commissioner")
        if run:
            found = PaymentRun.objects.filter(reference=run).first()
            if found is None:
                raise CommandError(f"No payment run has the reference {run!r}.")
            if found.status == PaymentRun.Status.OPEN:
                raise CommandError(f"{run} is still open: close it before exporting its payments.")
            if found.status == PaymentRun.Status.CANCELLED:
                raise CommandError(f"{run} was cancelled: it pays nothing.")
            runs = runs.filter(pk=found.pk)
        self.stdout.ending = ""
        write_payments_csv(self.stdout, runs.order_by("run_date", "pk"))
