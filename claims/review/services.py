"""The claim lifecycle (SPEC §7): check, approve, query, resubmit, reject, waive and correct.

One service per action, each atomic, each taking the claim's row lock first so two officers acting at
once are served one after the other, and each writing its history row (an audit event with the
figures before and after) in the same transaction. Who may call which is the access rule's business
(``accounts/access.py``); the rules of the lifecycle itself (two different people, the finance
threshold, which status allows what, the practice's agreement) are enforced here, below every view.

    submitted ──check──▶ checked ──approve──▶ approved ──(run closes)──▶ scheduled ──▶ paid
      ▲ ▲ ▲  │              │        └─(net above threshold)─▶ awaiting_finance ──finance approve──▶ approved
      │ │ │  └─query─▶ queried ◀─query─┘
      │ │ └─resubmit──┘
      │ └──── a waiver or an opening correction (on this claim, or carried forward from an earlier
      │       one) while checked, awaiting finance or approved: back to review, checks cleared
      └────── any open status ──reject──▶ rejected

Four-eyes is an invariant (docs/adr/0021): a claim is paid only at the net that one officer checked
and another approved. Any change to its figures or deduction after the check sends it back to
``submitted`` with every check and approval cleared, the change and its reason in its history, and
the practice told; rejected, scheduled and paid claims refuse changes (their figures are final).
The database holds the same line: check constraints on ``Worksheet`` refuse an approved claim without
two different people, or whose net is not the net they approved (``approved_net_pence``). Checking
and approving also refuse a claim for a quarter that starts after the practice's agreement ended
(``selectors.agreement_refusal``).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import rules, selectors
from claims.models import ApprovalPolicy, Worksheet, WorksheetLine
from claims.worksheets.notifications import practice_notify, receipt_notify, worksheet_link
from claims.worksheets.services import (
    LineEntry,
    WorksheetRefused,
    payment_fields,
    worksheet_assemble,
)
from core.formatting import money
from history.services import audit_record

S = Worksheet.Status
OPEN = (S.SUBMITTED, S.CHECKED, S.AWAITING_FINANCE)  # under review: may be queried or rejected
REVIEWED = (S.CHECKED, S.AWAITING_FINANCE, S.APPROVED)  # a change to the figures undoes these
LOCKED_FOR_CHANGE = (S.SCHEDULED, S.PAID)  # in a payment run: the money is committed
FINAL = (*LOCKED_FOR_CHANGE, S.REJECTED)  # figures that no service changes


class TransitionRefused(ValidationError):
    """The action is not allowed for this claim now; nothing was written."""


def _locked(claim: Worksheet) -> Worksheet:
    return (
        Worksheet.objects.select_for_update().select_related("practice", "quarter").get(pk=claim.pk)
    )


def _figures(claim: Worksheet) -> dict:
    return {
        "status": claim.status,
        "gross_pence": claim.gross_pence,
        "deduction_pence": claim.deduction_pence,
        "net_pence": claim.net_pence,
        "release": claim.release,
        "waived": claim.waived,
        "checked_by": claim.checked_by_id,
        "approved_by": claim.approved_by_id,
        "finance_approved_by": claim.finance_approved_by_id,
        "approved_net_pence": claim.approved_net_pence,
    }


REVIEW_FIELDS = [
    "checked_by",
    "checked_at",
    "approved_by",
    "approved_at",
    "finance_approved_by",
    "approved_net_pence",
]


def _clear_review(claim: Worksheet) -> None:
    for name in REVIEW_FIELDS:
        setattr(claim, name, None)


def _back_to_review(claim: Worksheet) -> bool:
    """A change to the figures of a checked or approved claim undoes the check and the approvals:
    two officers must see the new figures. Returns whether the claim went back (it was reviewed)."""
    if claim.status not in REVIEWED:
        return False
    claim.status = S.SUBMITTED
    _clear_review(claim)
    return True


BACK_TO_REVIEW = "; back in review: it needs a fresh check and approval"


def _refuse_final(claim: Worksheet, change: str) -> None:
    """Rejected, scheduled and paid claims keep their figures, whatever the URL or caller."""
    if claim.status in LOCKED_FOR_CHANGE:
        raise TransitionRefused(
            f"{claim.reference} is already in a payment run, so its figures are final and "
            f"{change} is not possible: correct it with a recovery or an adjustment instead.",
            code="final",
        )
    if claim.status == S.REJECTED:
        raise TransitionRefused(
            f"{claim.reference} was rejected, so its figures are final and {change} is not "
            "possible.",
            code="final",
        )


def _require_agreement(claim: Worksheet) -> None:
    refusal = selectors.agreement_refusal(claim)
    if refusal:
        raise TransitionRefused(refusal, code="agreement")


def _require(claim: Worksheet, allowed, action: str) -> None:
    if claim.status not in allowed:
        raise TransitionRefused(
            f"A {claim.get_status_display().lower()} claim cannot be {action}.", code="status"
        )


def _record(claim: Worksheet, before: dict, *, by, action: str, summary: str, reason: str = ""):
    return audit_record(
        by=by,
        action=action,
        obj=claim,
        summary=f"{claim.reference}: {summary}",
        before=before,
        after=_figures(claim),
        reason=reason,
    )


@transaction.atomic
def claim_check(*, claim: Worksheet, by) -> Worksheet:
    """The first tier: an officer has checked the figures against the evidence."""
    claim = _locked(claim)
    _require(claim, [S.SUBMITTED], "checked")
    _require_agreement(claim)
    before = _figures(claim)
    claim.status, claim.checked_by, claim.checked_at = S.CHECKED, by, timezone.now()
    claim.save(update_fields=["status", "checked_by", "checked_at"])
    _record(claim, before, by=by, action="claim_check", summary="checked")
    return claim


@transaction.atomic
def claim_approve(*, claim: Worksheet, by) -> Worksheet:
    """Financial approval, by an officer other than the one who checked. Above the commissioner's
    threshold a finance approver must also approve."""
    claim = _locked(claim)
    _require(claim, [S.CHECKED], "approved")
    if claim.checked_by_id == by.pk:
        raise TransitionRefused(
            "You checked this claim: a different officer must approve it.", code="same_person"
        )
    _require_agreement(claim)
    before = _figures(claim)
    claim.approved_by, claim.approved_net_pence = by, claim.net_pence
    if claim.net_pence > ApprovalPolicy.current().finance_threshold_pence:
        claim.status = S.AWAITING_FINANCE
        summary = "approved; above the finance threshold, so a finance approver must also approve"
    else:
        claim.status, claim.approved_at = S.APPROVED, timezone.now()
        summary = "approved"
    claim.save(update_fields=["status", "approved_by", "approved_at", "approved_net_pence"])
    _record(claim, before, by=by, action="claim_approve", summary=summary)
    return claim


@transaction.atomic
def claim_finance_approve(*, claim: Worksheet, by) -> Worksheet:
    claim = _locked(claim)
    _require(claim, [S.AWAITING_FINANCE], "given finance approval")
    if not getattr(by, "is_finance_approver", False):
        raise TransitionRefused("Only a finance approver can approve a claim above the threshold.")
    if by.pk in (claim.checked_by_id, claim.approved_by_id):
        raise TransitionRefused(
            "You have already checked or approved this claim: another finance approver must approve it.",
            code="same_person",
        )
    _require_agreement(claim)
    before = _figures(claim)
    claim.status, claim.finance_approved_by, claim.approved_at = S.APPROVED, by, timezone.now()
    claim.save(update_fields=["status", "finance_approved_by", "approved_at"])
    _record(claim, before, by=by, action="claim_finance_approve", summary="finance approval given")
    return claim


@transaction.atomic
def claim_query(*, claim: Worksheet, by, message: str) -> Worksheet:
    """Send the claim back to the practice with a question; the checks start again on resubmission."""
    if not message.strip():
        raise TransitionRefused("Write the question the practice must answer.", code="reason")
    claim = _locked(claim)
    _require(claim, OPEN, "queried")
    before = _figures(claim)
    claim.status, claim.query_message = S.QUERIED, message.strip()
    _clear_review(claim)
    claim.save(update_fields=["status", "query_message", *REVIEW_FIELDS])
    event = _record(
        claim, before, by=by, action="claim_query", summary="queried", reason=claim.query_message
    )
    practice_notify(
        event=event,
        claim=claim,
        subject=f"Your {claim.quarter.label} Care Home LES claim has been queried",
        body=(
            f"The contracting team has a question about the {claim.quarter.label} worksheet of "
            f"{claim.practice.name} ({claim.reference}):\n\n{claim.query_message}\n\n"
            f"Amend and resubmit it here: {worksheet_link(claim.practice, claim.quarter)}\n\n"
            "The days late are counted from your first submission."
        ),
    )
    return claim


@transaction.atomic
def claim_reject(*, claim: Worksheet, by, reason: str, counter_fraud: bool = False) -> Worksheet:
    """Reject the claim with a reason; a suspicion of fraud is referred to counter fraud (spec 4.2)."""
    if not reason.strip():
        raise TransitionRefused("Give the reason for rejecting the claim.", code="reason")
    claim = _locked(claim)
    _require(claim, [*OPEN, S.QUERIED], "rejected")
    before = _figures(claim)
    claim.status, claim.rejection_reason = S.REJECTED, reason.strip()
    claim.counter_fraud_referral = counter_fraud
    claim.save(update_fields=["status", "rejection_reason", "counter_fraud_referral"])
    summary = "rejected and referred to counter fraud" if counter_fraud else "rejected"
    _record(
        claim, before, by=by, action="claim_reject", summary=summary, reason=claim.rejection_reason
    )
    return claim


def _reprice(claim: Worksheet) -> rules.Payment:
    facts = selectors.quarter_facts(claim.quarter, [claim.practice_id])
    return rules.calculate_payment(
        [line.figures for line in claim.lines.all()],
        rates=facts.rates,
        due_date=facts.due_date(claim.practice_id),
        first_submitted_at=claim.first_submitted_at,
        bands=facts.bands,
        waived=claim.waived,
    )


def _set_payment(claim: Worksheet, payment: rules.Payment) -> None:
    for name, value in payment_fields(payment).items():
        setattr(claim, name, value)


@transaction.atomic
def claim_waive(*, claim: Worksheet, by, reason: str) -> Worksheet:
    """Exceptional circumstances (spec 4.2): waive the lateness deduction and deferral, with a reason
    kept and shown wherever the amount is (claim page, queue, export, remittance)."""
    if not reason.strip():
        raise TransitionRefused(
            "Write the exceptional circumstances behind the waiver.", code="reason"
        )
    claim = _locked(claim)
    _refuse_final(claim, "a waiver")
    if claim.waived:
        raise TransitionRefused("The deduction on this claim has already been waived.")
    if claim.days_late == 0:
        raise TransitionRefused("This claim was on time: there is no deduction to waive.")
    before = _figures(claim)
    claim.waived, claim.waiver_reason, claim.waived_by, claim.waived_at = (
        True,
        reason.strip(),
        by,
        timezone.now(),
    )
    _set_payment(claim, _reprice(claim))
    returned = _back_to_review(claim)
    claim.save()
    event = _record(
        claim,
        before,
        by=by,
        action="claim_waive",
        summary="deduction waived" + (BACK_TO_REVIEW if returned else ""),
        reason=claim.waiver_reason,
    )
    practice_notify(
        event=event,
        claim=claim,
        subject=f"Lateness deduction waived on your {claim.quarter.label} Care Home LES claim",
        body=(
            f"The contracting team waived the lateness deduction on the {claim.quarter.label} "
            f"worksheet of {claim.practice.name} ({claim.reference}) for exceptional "
            f"circumstances:\n\n{claim.waiver_reason}\n\nNet payment now "
            f"{money(claim.net_pence)}."
            + (
                " The claim is back in review: two officers check and approve the new amount "
                "before it is paid."
                if returned
                else ""
            )
        ),
    )
    return claim


@transaction.atomic
def worksheet_resubmit(
    *, claim: Worksheet, entries: Mapping[int, LineEntry], by, submitted_at: datetime.datetime
) -> Worksheet:
    """The practice answers a query with amended figures. Lateness stays fixed at the first submission;
    openings stay carried forward (or the baseline may be amended where it was a baseline)."""
    claim = _locked(claim)
    _require(claim, [S.QUERIED], "resubmitted")
    existing = {line.care_home_id: line for line in claim.lines.select_related("care_home")}
    # Check against the worksheet as first submitted: the same homes, the same carried openings.
    facts = selectors.quarter_facts(claim.quarter, [claim.practice_id])
    facts.submitted.discard(claim.practice_id)
    facts.blockers.pop(claim.practice_id, None)  # it was allowed in when first submitted
    corrected = {
        home_id: line.opening
        for home_id, line in existing.items()
        if line.opening_source == WorksheetLine.OpeningSource.CORRECTED
    }
    facts.openings[claim.practice_id] = [  # an officer's correction stands through a resubmission
        dataclasses.replace(o, corrected=corrected.get(o.care_home.pk))
        for o in facts.openings.get(claim.practice_id, [])
    ]
    assembled = worksheet_assemble(
        practice=claim.practice,
        quarter=claim.quarter,
        entries=entries,
        submitted_at=submitted_at,
        first_submitted_at=claim.first_submitted_at,
        facts=facts,
    )
    if assembled.problems:
        raise WorksheetRefused(assembled.problems)
    before = _figures(claim)
    for opening, line, entry in assembled.lines:
        stored = existing.get(opening.care_home.pk) or WorksheetLine(
            worksheet=claim,
            care_home=opening.care_home,
            carried_from_id=opening.carried_from_id,
        )
        for name in rules.FIELDS:
            setattr(stored, name, getattr(line, name))
        stored.opening_source = (
            WorksheetLine.OpeningSource.CORRECTED
            if opening.corrected is not None
            else WorksheetLine.OpeningSource.BASELINE
            if opening.is_baseline
            else WorksheetLine.OpeningSource.CARRIED_FORWARD
        )
        stored.beds_warning_confirmed = (
            entry.beds_warning_confirmed and line.closing > opening.care_home.beds
        )
        stored.save()
    payment = assembled.payment
    if claim.waived:
        payment = _reprice(claim)
    _set_payment(claim, payment)
    claim.status, claim.submitted_at = S.SUBMITTED, submitted_at
    claim.save()
    event = _record(
        claim, before, by=by, action="worksheet_resubmit", summary="resubmitted after a query"
    )
    for line in claim.lines.all():
        _carry_forward(line, by=by, reason=f"{claim.reference} resubmitted")
    receipt_notify(event=event, claim=claim)
    return claim


# -- openings -------------------------------------------------------------------------------------


def _carry_forward(
    line: WorksheetLine, *, by, reason: str, returned: list[Worksheet] | None = None
) -> list[Worksheet]:
    """After ``line``'s closing changed, give each later line carried from it the new opening and
    reprice its claim, quarter after quarter; a checked or approved claim goes back to review, each
    with its own history row. A later claim in a payment run refuses the whole change; the chain
    stops at a rejected claim (its figures are final, and the quarters after it carry from its
    closing, which has not changed). Returns the claims recalculated; adds those sent back to
    review to ``returned``."""
    changed = []
    while True:
        following = (
            WorksheetLine.objects.select_for_update()
            .select_related("worksheet__practice", "worksheet__quarter", "care_home")
            .filter(carried_from=line)
            .first()
        )
        if following is None or following.opening_source == WorksheetLine.OpeningSource.CORRECTED:
            return changed  # an officer's own correction further on stands
        claim = following.worksheet
        if following.opening == line.closing:
            return changed
        if claim.status in LOCKED_FOR_CHANGE:
            raise TransitionRefused(
                f"{claim.reference} is already in a payment run, so its opening cannot follow this "
                "change: correct it with a recovery or an adjustment instead.",
                code="final",
            )
        if claim.status == S.REJECTED:
            return changed
        if line.closing + following.new_permanent < following.moved_out + following.died:
            raise TransitionRefused(
                f"{claim.reference} at {following.care_home.name} would have more leavers than patients "
                f"with an opening of {line.closing}: correct that quarter first."
            )
        before = _figures(claim)
        following.opening = line.closing
        following.save(update_fields=["opening"])
        _set_payment(claim, _reprice(claim))
        back = _back_to_review(claim)
        claim.save()
        if back and returned is not None:
            returned.append(claim)
        _record(
            claim,
            before,
            by=by,
            action="claim_recalculate",
            summary=f"opening at {following.care_home.name} carried forward as {line.closing}"
            + (BACK_TO_REVIEW if back else ""),
            reason=reason,
        )
        changed.append(claim)
        line = following


def beds_warning(line: WorksheetLine, opening: int) -> str:
    """The warning an officer must confirm before correcting an opening above the home's registered
    beds, or leaving a closing above them (SPEC §4: a warning, not an error, as for the practice)."""
    beds = line.care_home.beds
    figures = dataclasses.replace(line.figures, opening=opening)
    if opening > beds or figures.closing > beds:
        return (
            f"An opening of {opening} gives {line.care_home.name} "
            f"{max(opening, figures.closing)} patients, more than its {beds} registered beds: "
            "confirm the figure is right to correct it."
        )
    return ""


@transaction.atomic
def opening_correct(
    *, line: WorksheetLine, opening: int, by, reason: str, beds_confirmed: bool = False
) -> list[Worksheet]:
    """An officer corrects a carried-forward opening, with a reason. The claim is repriced and every
    later quarter carried from it is recalculated; any of them checked or approved goes back to
    review. Returns every claim whose figures changed."""
    if not reason.strip():
        raise TransitionRefused("Give the reason for correcting the opening.", code="reason")
    if opening < 0:
        raise TransitionRefused("An opening is a whole number, 0 or more.")
    line = WorksheetLine.objects.select_for_update().select_related("care_home").get(pk=line.pk)
    claim = _locked(line.worksheet)
    _refuse_final(claim, "an opening correction")
    if opening + line.new_permanent < line.moved_out + line.died:
        raise TransitionRefused(
            f"With an opening of {opening}, {line.care_home.name} would have more leavers than patients."
        )
    warning = beds_warning(line, opening)
    if warning and not beds_confirmed:
        raise TransitionRefused(warning, code="beds_warning")
    before = _figures(claim)
    was = line.opening
    line.opening, line.opening_source = opening, WorksheetLine.OpeningSource.CORRECTED
    line.beds_warning_confirmed = line.closing > line.care_home.beds
    line.save(update_fields=["opening", "opening_source", "beds_warning_confirmed"])
    _set_payment(claim, _reprice(claim))
    returned = _back_to_review(claim)
    claim.save()
    event = _record(
        claim,
        {**before, "opening": was, "care_home": line.care_home.name},
        by=by,
        action="opening_correct",
        summary=f"opening at {line.care_home.name} corrected from {was} to {opening}"
        + (" (above the home's registered beds: confirmed)" if warning else "")
        + (BACK_TO_REVIEW if returned else ""),
        reason=reason.strip(),
    )
    sent_back = [claim] if returned else []
    changed = [claim, *_carry_forward(line, by=by, reason=reason.strip(), returned=sent_back)]
    in_review = [c.reference for c in sent_back]
    practice_notify(
        event=event,
        claim=claim,
        subject=f"Opening corrected on your {claim.quarter.label} Care Home LES claim",
        body=(
            f"The contracting team corrected the opening figure for {line.care_home.name} on the "
            f"{claim.quarter.label} worksheet of {claim.practice.name} from {was} to {opening}.\n\n"
            f"Reason: {reason.strip()}\n\nClaims recalculated: "
            + ", ".join(f"{c.reference} (net {money(c.net_pence)})" for c in changed)
            + (
                "\n\nBack in review (two officers check and approve the new amounts before they "
                "are paid): " + ", ".join(in_review)
                if in_review
                else ""
            )
        ),
    )
    return changed
