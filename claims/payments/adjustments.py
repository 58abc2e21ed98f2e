"""Adjustments (docs/adr/0022): money put right after a claim was paid. A recovery (negative) or an
underpayment (positive) is raised by one officer on a paid claim, approved by a different officer
(and, when its size is above the finance threshold, by a finance approver who neither raised nor
approved it), and netted against the practice's claims in the commissioner's next payment run.
Raised or awaiting finance, it can be refused (by another officer) or cancelled, with a reason.

    raised ──approve──▶ approved ──(run closes)──▶ scheduled ──(run paid)──▶ paid
       │        └─(|amount| above threshold)─▶ awaiting_finance ──finance approve──▶ approved
       └──refuse / cancel (also from awaiting_finance)──▶ refused / cancelled

Each service is atomic, takes the adjustment's row lock first and writes its history row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import wording
from claims.models import Adjustment, ApprovalPolicy, Worksheet
from history.services import audit_record

A = Adjustment.Status
PENDING = (A.RAISED, A.AWAITING_FINANCE)


def _figures(adjustment: Adjustment) -> dict:
    return {"status": adjustment.status, "amount_pence": adjustment.amount_pence}


def _record(
    adjustment: Adjustment, before: dict | None, *, by, action: str, summary: str, reason=""
):
    return audit_record(
        by=by,
        action=action,
        obj=adjustment,
        summary=f"{adjustment.reference} ({adjustment.kind}, {wording.money(adjustment.amount_pence)}"
        f", {adjustment.claim.reference}): {summary}",
        before=before,
        after=_figures(adjustment),
        reason=reason,
    )


def _locked(adjustment: Adjustment) -> Adjustment:
    return (
        Adjustment.objects.select_for_update()
        .select_related("claim__practice", "claim__quarter", "practice")
        .get(pk=adjustment.pk)
    )


@transaction.atomic
def adjustment_raise(
    *, claim: Worksheet, amount_pence: int, reason: str, explanation: str, by, audit_case=None
) -> Adjustment:
    """Raise a recovery (negative) or underpayment (positive) on a paid claim."""
    claim = (
        Worksheet.objects.select_for_update().select_related("practice", "quarter").get(pk=claim.pk)
    )
    if claim.status != Worksheet.Status.PAID:
        raise ValidationError(
            f"{claim.reference} is {claim.get_status_display().lower()}: only a paid claim can be "
            "adjusted (before payment, query, correct or reject it)."
        )
    if not isinstance(amount_pence, int) or amount_pence == 0:
        raise ValidationError("Enter an amount other than £0.00.")
    if reason not in Adjustment.Reason.values:
        raise ValidationError("Choose the reason for the adjustment.")
    if not (explanation or "").strip():
        raise ValidationError("Explain the adjustment.")
    if audit_case is not None and audit_case.practice_id != claim.practice_id:
        raise ValidationError("The audit case is of another practice.")
    adjustment = Adjustment.objects.create(
        claim=claim,
        practice=claim.practice,
        amount_pence=amount_pence,
        reason=reason,
        explanation=explanation.strip(),
        audit_case=audit_case,
        raised_by=by,
        raised_at=timezone.now(),
    )
    _record(adjustment, None, by=by, action="adjustment_raise", summary="raised")
    return adjustment


@transaction.atomic
def adjustment_approve(*, adjustment: Adjustment, by) -> Adjustment:
    """Approval by an officer other than the one who raised it; above the finance threshold (its
    size, either way) a finance approver must also approve."""
    adjustment = _locked(adjustment)
    if adjustment.status != A.RAISED:
        raise ValidationError(
            f"A {adjustment.get_status_display().lower()} adjustment cannot be approved."
        )
    if adjustment.raised_by_id == by.pk:
        raise ValidationError("You raised this adjustment: a different officer must approve it.")
    before = _figures(adjustment)
    adjustment.approved_by = by
    if abs(adjustment.amount_pence) > ApprovalPolicy.current().finance_threshold_pence:
        adjustment.status = A.AWAITING_FINANCE
        summary = "approved; above the finance threshold, so a finance approver must also approve"
    else:
        adjustment.status, adjustment.approved_at = A.APPROVED, timezone.now()
        summary = "approved"
    adjustment.save(update_fields=["status", "approved_by", "approved_at"])
    _record(adjustment, before, by=by, action="adjustment_approve", summary=summary)
    return adjustment


@transaction.atomic
def adjustment_finance_approve(*, adjustment: Adjustment, by) -> Adjustment:
    adjustment = _locked(adjustment)
    if adjustment.status != A.AWAITING_FINANCE:
        raise ValidationError(
            f"A {adjustment.get_status_display().lower()} adjustment cannot be given finance "
            "approval."
        )
    if not getattr(by, "is_finance_approver", False):
        raise ValidationError("Only a finance approver can give finance approval.")
    if by.pk in (adjustment.raised_by_id, adjustment.approved_by_id):
        raise ValidationError(
            "You raised or approved this adjustment: another finance approver must approve it."
        )
    before = _figures(adjustment)
    adjustment.status, adjustment.finance_approved_by = A.APPROVED, by
    adjustment.approved_at = timezone.now()
    adjustment.save(update_fields=["status", "finance_approved_by", "approved_at"])
    _record(
        adjustment, before, by=by, action="adjustment_finance_approve", summary="finance approved"
    )
    return adjustment


def _end(adjustment: Adjustment, *, by, reason: str, status: str, action: str) -> Adjustment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(f"Give the reason the adjustment is {status}.")
    adjustment = _locked(adjustment)
    if adjustment.status not in PENDING:
        raise ValidationError(
            f"A {adjustment.get_status_display().lower()} adjustment cannot be {status}."
        )
    before = _figures(adjustment)
    adjustment.status = status
    adjustment.ended_by, adjustment.ended_at, adjustment.ended_reason = by, timezone.now(), reason
    adjustment.save(update_fields=["status", "ended_by", "ended_at", "ended_reason"])
    _record(adjustment, before, by=by, action=action, summary=status, reason=reason)
    return adjustment


@transaction.atomic
def adjustment_refuse(*, adjustment: Adjustment, by, reason: str) -> Adjustment:
    """A second officer refuses it (the raiser cancels instead)."""
    if adjustment.raised_by_id == by.pk:
        raise ValidationError("You raised this adjustment: cancel it instead of refusing it.")
    return _end(adjustment, by=by, reason=reason, status=A.REFUSED, action="adjustment_refuse")


@transaction.atomic
def adjustment_cancel(*, adjustment: Adjustment, by, reason: str) -> Adjustment:
    return _end(adjustment, by=by, reason=reason, status=A.CANCELLED, action="adjustment_cancel")
