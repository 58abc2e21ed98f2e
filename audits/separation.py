"""Separation of duties in audit (issue 19; SPEC §1, §8). An audit case covers its practice's
claims for its financial year. Whoever checked or approved one of those claims (as its checker, its
approver or its finance approver, now or at any time: a claim sent back to review loses its current
checker but the history keeps them) cannot record findings on that case or close it: they would be
judging their own work. Auditors, who never review claims, hold the findings; an officer who
reviewed none of the practice's claims that year may record them too."""

from __future__ import annotations

from audits.models import AuditCase
from claims.models import Worksheet
from history.models import AuditEvent

REVIEW_ACTIONS = ("claim_check", "claim_approve", "claim_finance_approve")


def claims_reviewed_by(user, case: AuditCase) -> list[str]:
    """The references of the claims covered by ``case`` that ``user`` checked or approved, in
    quarter order (empty when none, or when ``user`` is not a person)."""
    if getattr(user, "pk", None) is None:
        return []
    claims = Worksheet.objects.filter(
        practice_id=case.practice_id, quarter__year=case.financial_year
    ).select_related("practice", "quarter")
    reviewed_in_history = set(
        AuditEvent.objects.filter(
            actor_id=user.pk,
            action__in=REVIEW_ACTIONS,
            object_type=Worksheet._meta.label_lower,
            object_id__in=[str(pk) for pk in claims.values_list("pk", flat=True)],
        ).values_list("object_id", flat=True)
    )
    return [
        claim.reference
        for claim in claims.order_by("quarter__number")
        if str(claim.pk) in reviewed_in_history
        or user.pk in (claim.checked_by_id, claim.approved_by_id, claim.finance_approved_by_id)
    ]


def separation_refusal(user, case: AuditCase) -> str:
    """Why ``user`` may not record findings on or close ``case``, or ``""`` when they may."""
    reviewed = claims_reviewed_by(user, case)
    if not reviewed:
        return ""
    claims = ", ".join(reviewed)
    return (
        f"You checked or approved {'claims' if len(reviewed) > 1 else 'the claim'} {claims}, "
        "which this audit covers, so someone else must record its findings and close it: an "
        "auditor, or an officer who reviewed none of this practice's claims that year."
    )
