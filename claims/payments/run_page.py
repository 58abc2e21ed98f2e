"""What a closed (or paid, or cancelled) payment run's page reads, bounded (issue 18, ADR 0044):
its totals from one aggregate query, and one page of its practices at a time, with only those
practices' claims, adjustments and remittances. An open run is a preview that must be netted
in full (``claims.payments.runs.run_plan``); its lists are paged in memory by the view."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from claims.models import Adjustment, PaymentRun, Remittance, Worksheet
from claims.payments.runs import PracticeLines


@dataclass(frozen=True)
class RunTotals:
    """A run's figures as a whole: what its page states above and below its (paged) lists."""

    claims: int
    adjustments: int
    practices: int
    total_pence: int
    carried_pence: int
    any_brought_forward: bool

    @property
    def any_carried(self) -> bool:
        return bool(self.carried_pence)


def _count(queryset) -> Subquery:
    counted = queryset.order_by().values("payment_run").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def run_totals(run: PaymentRun) -> RunTotals:
    """The closed run's claims, adjustments, practices paid, total paid and money carried forward,
    summed by the database in one query (the remittances hold what each practice was paid)."""
    remittances = (
        Remittance.objects.filter(payment_run=OuterRef("pk"))
        .order_by()
        .values("payment_run")
        .annotate(
            practices=Count("pk"),
            total=Sum("amount_pence"),
            carried=Sum("carried_pence"),
            brought=Count("pk", filter=~Q(brought_forward_pence=0)),
        )
    )

    def of_remittances(name):
        return Coalesce(Subquery(remittances.values(name), output_field=IntegerField()), Value(0))

    row = (
        PaymentRun.objects.filter(pk=run.pk)
        .annotate(
            n_claims=_count(Worksheet.objects.filter(payment_run=OuterRef("pk"))),
            n_adjustments=_count(Adjustment.objects.filter(payment_run=OuterRef("pk"))),
            n_practices=of_remittances("practices"),
            total=of_remittances("total"),
            carried=of_remittances("carried"),
            brought=of_remittances("brought"),
        )
        .values("n_claims", "n_adjustments", "n_practices", "total", "carried", "brought")
        .get()
    )
    return RunTotals(
        claims=row["n_claims"],
        adjustments=row["n_adjustments"],
        practices=row["n_practices"],
        total_pence=row["total"],
        carried_pence=row["carried"],
        any_brought_forward=bool(row["brought"]),
    )


def run_remittances(run: PaymentRun):
    """The run's remittances, one per practice paid, in the order its page lists them."""
    return run.remittances.select_related("practice").order_by("practice__ods_code", "pk")


# What the page shows of a claim (its reference, practice, quarter, status and net) and of an
# adjustment: the rest of each row is left unread (issue 18).
CLAIM_FIELDS = (
    "payment_run",  # the related manager sets it on each
    "practice__name",
    "practice__ods_code",
    "quarter__year",
    "quarter__number",
    "status",
    "waived",
    "net_pence",
)
ADJUSTMENT_FIELDS = (
    "payment_run",
    "practice__name",
    "practice__ods_code",
    "claim__practice__ods_code",
    "claim__quarter__year",
    "claim__quarter__number",
    "amount_pence",
    "reason",
)


def run_claims(run: PaymentRun):
    """The run's claims, in the order its page lists them (practice, then quarter)."""
    return (
        run.claims.select_related("practice", "quarter")
        .only(*CLAIM_FIELDS)
        .order_by("practice__ods_code", "quarter__year", "quarter__number", "pk")
    )


def run_adjustments(run: PaymentRun):
    return (
        run.adjustments.select_related("practice", "claim__quarter", "claim__practice")
        .only(*ADJUSTMENT_FIELDS)
        .order_by("practice__ods_code", "pk")
    )


def practice_lines(run: PaymentRun, remittances) -> list[PracticeLines]:
    """One :class:`PracticeLines` for each of ``remittances`` (a page of :func:`run_remittances`),
    with that practice's claims and adjustments in the run: three queries, whatever the run's
    size."""
    remittances = list(remittances)
    practice_ids = [r.practice_id for r in remittances]
    lines = {r.practice_id: PracticeLines(r.practice, remittance=r) for r in remittances}
    for claim in run_claims(run).filter(practice_id__in=practice_ids):
        lines[claim.practice_id].claims.append(claim)
    for adjustment in run_adjustments(run).filter(practice_id__in=practice_ids):
        lines[adjustment.practice_id].adjustments.append(adjustment)
    return [lines[r.practice_id] for r in remittances]
