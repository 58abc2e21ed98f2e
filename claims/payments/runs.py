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
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from claims import rules, wording
from claims.models import Adjustment, ApprovalPolicy, PaymentRun, Remittance, Worksheet
from claims.payments.remittances import remittances_queue
from claims.rules import Release
from claims.selectors import claims_covered_by_agreement
from core.formatting import money
from core.money import pounds
from core.periods import london_date
from history.services import audit_record
from practices.models import Commissioner, Practice

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


def _refuse_past(run_date: datetime.date, today: datetime.date | None) -> None:
    """A payment date is a day finance can still pay on: today or later, by the London calendar."""
    today = today or london_date(timezone.now())
    if run_date < today:
        raise ValidationError(
            {
                "run_date": f"The payment date must be today ({wording.day(today)}) or later: "
                f"{wording.day(run_date)} has passed."
            }
        )


@transaction.atomic
def payment_run_create(
    *,
    commissioner: Commissioner,
    run_date: datetime.date,
    by,
    today: datetime.date | None = None,
    backdated: bool = False,
) -> PaymentRun:
    """Prepare (open) the commissioner's next run. The payment date may not be in the past (the
    Europe/London date); ``backdated`` is for recording history (demo data, tests), never a page."""
    if not backdated:
        _refuse_past(run_date, today)
    # Serialise creation per commissioner, so two officers cannot both open a run.
    Commissioner.objects.select_for_update().get(pk=commissioner.pk)
    if PaymentRun.objects.filter(commissioner=commissioner, status=PaymentRun.Status.OPEN).exists():
        raise ValidationError(
            "A payment run is already open: close or cancel it before creating another."
        )
    run = PaymentRun.objects.create(
        commissioner=commissioner,
        reference=_reference(commissioner, run_date),
        run_date=run_date,
        created_by=by,
    )
    audit_record(by=by, action="payment_run_create", obj=run, summary=f"{run.reference} created")
    return run


def _locked_open(run: PaymentRun, doing: str) -> PaymentRun:
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.OPEN:
        raise ValidationError(
            f"{run.reference} is {run.get_status_display().lower()}: only an open run can be "
            f"{doing}."
        )
    return run


AUTHORISATION_FIELDS = [
    "authorised_by",
    "authorised_at",
    "authorised_total_pence",
    "authorised_items",
]


@transaction.atomic
def payment_run_reschedule(
    *, run: PaymentRun, run_date: datetime.date, by, today: datetime.date | None = None
) -> PaymentRun:
    """Change an open run's payment date (not to a past day). The reference follows the date, and
    an authorisation is cleared: the second officer authorised a payment on the old date."""
    run = _locked_open(run, "changed")
    _refuse_past(run_date, today)
    if run_date == run.run_date:
        raise ValidationError({"run_date": "That is the run's payment date already."})
    before = {
        "run_date": run.run_date.isoformat(),
        "reference": run.reference,
        "authorised_total_pence": run.authorised_total_pence,
        "authorised_by": run.authorised_by_id,
    }
    was_authorised = run.authorised_at is not None
    run.run_date = run_date
    run.reference = _reference(run.commissioner, run_date)
    run.authorised_by = run.authorised_at = run.authorised_total_pence = None
    run.authorised_items = []
    run.save(update_fields=["run_date", "reference", *AUTHORISATION_FIELDS])
    audit_record(
        by=by,
        action="payment_run_reschedule",
        obj=run,
        summary=f"{before['reference']} moved to {wording.day(run_date)} as {run.reference}"
        + ("; its authorisation is cleared: it must be authorised again" if was_authorised else ""),
        before=before,
        after={
            "run_date": run_date.isoformat(),
            "reference": run.reference,
            "authorised_total_pence": None,
            "authorised_by": None,
        },
    )
    return run


@transaction.atomic
def payment_run_cancel(*, run: PaymentRun, by, reason: str) -> PaymentRun:
    """Cancel an open run, with the reason. An open run holds no claims, adjustments or remittances
    (they join it only when it closes), so cancelling frees nothing and pays nothing; another run
    can then be created."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the payment run is cancelled."})
    run = _locked_open(run, "cancelled")
    run.status, run.cancelled_at, run.cancelled_by = (
        PaymentRun.Status.CANCELLED,
        timezone.now(),
        by,
    )
    run.cancellation_reason = reason
    run.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason"])
    audit_record(
        by=by,
        action="payment_run_cancel",
        obj=run,
        summary=f"{run.reference} cancelled",
        before={"status": PaymentRun.Status.OPEN},
        after={"status": PaymentRun.Status.CANCELLED},
        reason=reason,
    )
    return run


# -- what a run pays: claims and adjustments netted per practice (docs/adr/0022) -------------------


def adjustments_due(run: PaymentRun) -> QuerySet[Adjustment]:
    """The commissioner's approved adjustments not yet netted in a run: all go into the next run."""
    return (
        Adjustment.objects.filter(
            status=Adjustment.Status.APPROVED,
            payment_run__isnull=True,
            practice__pcn__commissioner_id=run.commissioner_id,
        )
        .select_related("practice", "claim__quarter", "claim__practice")
        .order_by("practice__ods_code", "pk")
    )


def balances_owed(commissioner_id, *, besides: PaymentRun | None = None) -> dict[int, Remittance]:
    """Each practice's last remittance in the commissioner's closed runs, where it carried money
    owed (a negative balance) forward: that balance is netted in the practice's next run.

    Only the remittances that carried a balance and have no later one for the same practice are
    read (issue 18: the cost is the balances, not the commissioner's history of runs)."""
    closed = Remittance.objects.filter(payment_run__commissioner_id=commissioner_id).exclude(
        payment_run__status=PaymentRun.Status.OPEN
    )
    if besides is not None:
        closed = closed.exclude(payment_run=besides)
    later = closed.filter(practice_id=OuterRef("practice_id")).filter(
        Q(payment_run__closed_at__gt=OuterRef("payment_run__closed_at"))
        | Q(
            payment_run__closed_at=OuterRef("payment_run__closed_at"),
            payment_run__pk__gt=OuterRef("payment_run__pk"),
        )
    )
    carried = (
        closed.exclude(carried_pence=0)
        .filter(~Exists(later))
        .select_related("payment_run", "practice")
    )
    return {remittance.practice_id: remittance for remittance in carried}


@dataclass
class PracticeLines:
    """One practice's part of a run: its claims, its adjustments, the balance it brought forward,
    and what :func:`claims.rules.net_practice` makes of them."""

    practice: Practice
    claims: list[Worksheet] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    brought_forward: Remittance | None = None  # the remittance that carried the balance
    remittance: Remittance | None = None  # once closed

    @property
    def brought_forward_pence(self) -> int:
        if self.remittance is not None:
            return self.remittance.brought_forward_pence
        return self.brought_forward.carried_pence if self.brought_forward else 0

    @property
    def netted(self) -> tuple[int, int]:
        return rules.net_practice(
            [c.net_pence for c in self.claims],
            [a.amount_pence for a in self.adjustments],
            self.brought_forward_pence,
        )

    @property
    def payable_pence(self) -> int:
        return self.netted[0]

    @property
    def carried_pence(self) -> int:
        return self.netted[1]

    @property
    def items(self) -> list[str]:
        keys = [c.reference for c in self.claims] + [a.reference for a in self.adjustments]
        if self.brought_forward_pence:
            keys.append(f"BF-{self.practice.ods_code}:{self.brought_forward_pence}")
        return keys


@dataclass
class RunPlan:
    """What a run would pay if closed now (or, once closed, what it paid)."""

    practices: list[PracticeLines]
    left_out: list[Worksheet] = field(default_factory=list)  # outside the practice's agreement

    @property
    def total_pence(self) -> int:
        return sum(p.payable_pence for p in self.practices)

    @property
    def carried_pence(self) -> int:
        return sum(p.carried_pence for p in self.practices)

    @property
    def items(self) -> list[str]:
        return sorted(key for p in self.practices for key in p.items)

    @property
    def claims(self) -> list[Worksheet]:
        return [c for p in self.practices for c in p.claims]

    @property
    def adjustments(self) -> list[Adjustment]:
        return [a for p in self.practices for a in p.adjustments]


def _plan(claims, adjustments, balances: dict[int, Remittance], left_out=()) -> RunPlan:
    lines: dict[int, PracticeLines] = {}

    def line(practice) -> PracticeLines:
        return lines.setdefault(practice.pk, PracticeLines(practice))

    for claim in claims:
        line(claim.practice).claims.append(claim)
    for adjustment in adjustments:
        line(adjustment.practice).adjustments.append(adjustment)
    for remittance in balances.values():
        line(remittance.practice).brought_forward = remittance
    return RunPlan(sorted(lines.values(), key=lambda p: p.practice.ods_code), list(left_out))


def run_plan(run: PaymentRun, *, lock: bool = False) -> RunPlan:
    """An open run: what closing it now would take. With ``lock``, the claims and adjustments are
    locked (``SELECT … FOR UPDATE``) until the caller's transaction ends."""
    due = claims_due(run)
    adjustments = adjustments_due(run)
    if lock:
        due = due.select_for_update(of=("self",))
        adjustments = adjustments.select_for_update(of=("self",))
    due = list(due)
    covered = set(
        claims_covered_by_agreement(
            Worksheet.objects.filter(pk__in=[c.pk for c in due])
        ).values_list("pk", flat=True)
    )
    left_out = [c for c in due if c.pk not in covered]
    claims = [c for c in due if c.pk in covered]
    return _plan(
        claims, list(adjustments), balances_owed(run.commissioner_id, besides=run), left_out
    )


def _left_out_text(left_out: list[Worksheet]) -> str:
    if not left_out:
        return ""
    return (
        "Left out, for a quarter outside the practice's LES agreement: "
        + ", ".join(c.reference for c in left_out)
        + "."
    )


@transaction.atomic
def payment_run_authorise(*, run: PaymentRun, by) -> PaymentRun:
    """The second person: an officer other than the one who prepared the run authorises exactly what
    it would pay now; above the finance threshold they must be a finance approver."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.OPEN:
        raise ValidationError(f"{run.reference} is already {run.get_status_display().lower()}.")
    if by is None or (run.created_by_id is not None and run.created_by_id == by.pk):
        raise ValidationError("You prepared this run: a different officer must authorise it.")
    plan = run_plan(run)
    threshold = ApprovalPolicy.current().finance_threshold_pence
    if plan.total_pence > threshold and not getattr(by, "is_finance_approver", False):
        raise ValidationError(
            f"The run pays {wording.money(plan.total_pence)}, above the finance threshold of "
            f"{wording.money(threshold)}: a finance approver must authorise it."
        )
    before = {"authorised_total_pence": run.authorised_total_pence, "items": run.authorised_items}
    run.authorised_by, run.authorised_at = by, timezone.now()
    run.authorised_total_pence, run.authorised_items = plan.total_pence, plan.items
    run.save(
        update_fields=[
            "authorised_by",
            "authorised_at",
            "authorised_total_pence",
            "authorised_items",
        ]
    )
    audit_record(
        by=by,
        action="payment_run_authorise",
        obj=run,
        summary=f"{run.reference} authorised: {wording.money(plan.total_pence)}, "
        f"{len(plan.claims)} claims, {len(plan.adjustments)} adjustments",
        before=before,
        after={"authorised_total_pence": plan.total_pence, "items": plan.items},
    )
    run.left_out = plan.left_out
    return run


@transaction.atomic
def payment_run_close(*, run: PaymentRun, by) -> PaymentRun:
    """Take every claim and adjustment due into the run, net them per practice into remittances
    (carrying money owed forward), and close it. Only what was authorised is closed: if the due set
    has changed since, the run must be authorised again."""
    # One close per commissioner at a time: a balance carried forward is netted once.
    Commissioner.objects.select_for_update().filter(pk=run.commissioner_id).first()
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.OPEN:
        raise ValidationError(f"{run.reference} is already {run.get_status_display().lower()}.")
    if run.authorised_at is None:
        raise ValidationError(
            f"{run.reference} has not been authorised: a second officer must authorise it "
            "before it is closed."
        )
    # Lock the claims; a claim another run took meanwhile no longer matches (no run yet) and is left.
    plan = run_plan(run, lock=True)
    if plan.items != sorted(run.authorised_items) or plan.total_pence != run.authorised_total_pence:
        raise ValidationError(
            f"What the run would pay has changed since it was authorised "
            f"({wording.money(run.authorised_total_pence or 0)} authorised, "
            f"{wording.money(plan.total_pence)} now): it must be authorised again."
        )
    Worksheet.objects.filter(pk__in=[c.pk for c in plan.claims], payment_run__isnull=True).update(
        payment_run=run, status=S.SCHEDULED
    )
    Adjustment.objects.filter(
        pk__in=[a.pk for a in plan.adjustments], payment_run__isnull=True
    ).update(payment_run=run, status=Adjustment.Status.SCHEDULED)
    Remittance.objects.bulk_create(
        [
            Remittance(
                payment_run=run,
                practice=p.practice,
                amount_pence=p.payable_pence,
                brought_forward_pence=p.brought_forward_pence,
                carried_pence=p.carried_pence,
            )
            for p in plan.practices
        ]
    )
    run.status, run.closed_by, run.closed_at = PaymentRun.Status.CLOSED, by, timezone.now()
    run.save(update_fields=["status", "closed_by", "closed_at"])
    audit_record(
        by=by,
        action="payment_run_close",
        obj=run,
        summary=f"{run.reference} closed: {len(plan.claims)} claims, "
        f"{len(plan.adjustments)} adjustments, {len(plan.practices)} practices, "
        f"{money(plan.total_pence)} paid, {money(-plan.carried_pence)} carried forward. "
        + _left_out_text(plan.left_out),
        after={
            "claims": [c.reference for c in plan.claims],
            "adjustments": [a.reference for a in plan.adjustments],
            "left_out": [c.reference for c in plan.left_out],
            "total_pence": plan.total_pence,
            "carried_pence": plan.carried_pence,
        },
    )
    remittances_queue(run)  # the advice PDFs and emails, built by workers once this commits
    run.left_out = plan.left_out
    return run


@transaction.atomic
def payment_run_mark_paid(
    *, run: PaymentRun, by, payment_reference: str, today: datetime.date | None = None
) -> PaymentRun:
    """Finance have paid: record their payment reference. Not before the run's payment date
    (the Europe/London calendar date)."""
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != PaymentRun.Status.CLOSED:
        raise ValidationError("Only a closed payment run can be marked paid.")
    payment_reference = (payment_reference or "").strip()
    if not payment_reference:
        raise ValidationError("Enter the finance system's payment reference.")
    if len(payment_reference) > 60:
        raise ValidationError("The payment reference can be at most 60 characters.")
    today = today or london_date(timezone.now())
    if today < run.run_date:
        raise ValidationError(
            f"{run.reference} pays on {wording.day(run.run_date)}: it cannot be marked paid "
            "before then."
        )
    run.claims.filter(status=S.SCHEDULED).update(status=S.PAID)
    run.adjustments.filter(status=Adjustment.Status.SCHEDULED).update(status=Adjustment.Status.PAID)
    run.status, run.paid_at, run.paid_by = PaymentRun.Status.PAID, timezone.now(), by
    run.payment_reference = payment_reference
    run.save(update_fields=["status", "paid_at", "paid_by", "payment_reference"])
    audit_record(
        by=by,
        action="payment_run_mark_paid",
        obj=run,
        summary=f"{run.reference} paid: finance reference {payment_reference}",
        after={"payment_reference": payment_reference},
    )
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
