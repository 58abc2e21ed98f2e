"""Payment runs (SPEC §7): create a dated run, preview the claims due into it, close it, mark it paid.

A claim is paid in one run only: the claim row holds the run (a foreign key, so one run at most), and
closing takes only claims with no run yet, under row locks, so two officers closing the same run, or
two runs at once, never pay a claim twice.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from claims.models import PaymentRun, Remittance, Worksheet
from claims.remittances import remittances_queue
from claims.rules import Release, pounds
from practices.models import Commissioner

S = Worksheet.Status


def deferral_served(commissioner_id, *, besides: PaymentRun | None = None) -> Exists:
    """Whether a run of the commissioner has closed since the claim's approval: a deferred claim has
    then waited its one run. ``commissioner_id`` may be an ``OuterRef``."""
    runs = PaymentRun.objects.filter(
        commissioner_id=commissioner_id, closed_at__gt=OuterRef("approved_at")
    )
    return Exists(runs.exclude(pk=besides.pk) if besides else runs)


def claims_due(run: PaymentRun, claims: QuerySet[Worksheet] | None = None) -> QuerySet[Worksheet]:
    """The commissioner's approved claims with no run yet that are due into ``run``: released to the
    next run, or deferred and already past one run closed since their approval. A 100% deduction
    releases nothing."""
    claims = Worksheet.objects.all() if claims is None else claims
    skipped_one = deferral_served(run.commissioner_id, besides=run)
    return (
        claims.filter(
            status=S.APPROVED,
            payment_run__isnull=True,
            net_pence__gt=0,
            practice__pcn__commissioner_id=run.commissioner_id,
        )
        .exclude(release=Release.NONE)
        .filter(Q(release=Release.NEXT_RUN) | Q(skipped_one))
        .select_related("practice", "quarter")
        .order_by("practice__ods_code", "quarter__year", "quarter__number")
    )


def _reference(commissioner: Commissioner, run_date: datetime.date) -> str:
    base = f"PR-{commissioner.code}-{run_date:%Y%m%d}"
    taken = set(
        PaymentRun.objects.filter(reference__startswith=base).values_list("reference", flat=True)
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def payment_run_create(*, commissioner: Commissioner, run_date: datetime.date, by) -> PaymentRun:
    # Serialise creation per commissioner, so two officers cannot both open a run.
    Commissioner.objects.select_for_update().get(pk=commissioner.pk)
    if PaymentRun.objects.filter(commissioner=commissioner, status=PaymentRun.Status.OPEN).exists():
        raise ValidationError("Close the open payment run before creating another.")
    run = PaymentRun.objects.create(
        commissioner=commissioner,
        reference=_reference(commissioner, run_date),
        run_date=run_date,
        created_by=by,
    )
    audit_record(by=by, action="payment_run_create", obj=run, summary=f"{run.reference} created")
    return run


@transaction.atomic
def payment_run_close(*, run: PaymentRun, by) -> PaymentRun:
    """Take every claim due into the run, total them per practice into remittances, and close it."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.OPEN:
        raise ValidationError(f"{run.reference} is already {run.get_status_display().lower()}.")
    # Lock the claims; a claim another run took meanwhile no longer matches (no run yet) and is left.
    taken = list(claims_due(run).select_for_update(of=("self",)))
    Worksheet.objects.filter(pk__in=[c.pk for c in taken], payment_run__isnull=True).update(
        payment_run=run, status=S.SCHEDULED
    )
    taken = list(run.claims.select_related("practice", "quarter"))  # exactly what this run holds
    totals: dict[int, int] = defaultdict(int)
    for claim in taken:
        totals[claim.practice_id] += claim.net_pence
    Remittance.objects.bulk_create(
        [Remittance(payment_run=run, practice_id=p, amount_pence=a) for p, a in totals.items()]
    )
    run.status, run.closed_by, run.closed_at = PaymentRun.Status.CLOSED, by, timezone.now()
    run.save(update_fields=["status", "closed_by", "closed_at"])
    audit_record(
        by=by,
        action="payment_run_close",
        obj=run,
        summary=f"{run.reference} closed: {len(taken)} claims, {len(totals)} practices, "
        f"{pounds(sum(totals.values()))}",
        after={"claims": [c.reference for c in taken], "total_pence": sum(totals.values())},
    )
    remittances_queue(run)  # the advice PDFs and emails, built by workers once this commits
    return run


@transaction.atomic
def payment_run_mark_paid(*, run: PaymentRun, by) -> PaymentRun:
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.CLOSED:
        raise ValidationError("Only a closed payment run can be marked paid.")
    run.claims.filter(status=S.SCHEDULED).update(status=S.PAID)
    run.status, run.paid_at = PaymentRun.Status.PAID, timezone.now()
    run.save(update_fields=["status", "paid_at"])
    audit_record(by=by, action="payment_run_mark_paid", obj=run, summary=f"{run.reference} paid")
    return run


FINANCE_COLUMNS = ["practice_ods", "practice_name", "amount", "run_reference", "claim_references"]


def finance_export(run: PaymentRun) -> str:
    """The finance team's CSV: one row per practice paid in the run."""
    references = defaultdict(list)
    for claim in run.claims.select_related("practice", "quarter").order_by(
        "quarter__year", "quarter__number"
    ):
        references[claim.practice_id].append(claim.reference)
    out = io.StringIO()
    writer = csv.writer(out)  # "\r\n": a name holding a carriage return is then quoted
    writer.writerow(FINANCE_COLUMNS)
    for remittance in run.remittances.select_related("practice"):
        writer.writerow(
            [
                remittance.practice.ods_code,
                remittance.practice.name,
                pounds(remittance.amount_pence),
                run.reference,
                ";".join(references[remittance.practice_id]),
            ]
        )
    return out.getvalue()
