"""The agreement rule at payment (SPEC §2): no claim is paid for a quarter that starts after the
practice's agreement ends. ``claims_within_agreement`` is the one call site the payment run uses;
the rule itself is the same as ``claims.selectors.agreements_in_force`` (an agreement in force on
some day of the quarter)."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import Worksheet
from practices.models import Agreement


def _covered(agreements: list[Agreement], claim: Worksheet) -> bool:
    first, last = claim.quarter.first_day, claim.quarter.last_day
    return any(
        (a.starts_on is None or a.starts_on <= last) and (a.ends_on is None or a.ends_on >= first)
        for a in agreements
    )


def claims_outside_agreement(qs: QuerySet[Worksheet]) -> list[Worksheet]:
    """The claims of ``qs`` whose quarter no agreement of their practice covers (in two queries)."""
    claims = list(qs.select_related("quarter", "practice").order_by())
    by_practice: dict[int, list[Agreement]] = {}
    for agreement in Agreement.objects.filter(practice_id__in={c.practice_id for c in claims}):
        by_practice.setdefault(agreement.practice_id, []).append(agreement)
    return [c for c in claims if not _covered(by_practice.get(c.practice_id, []), c)]


def claims_within_agreement(qs: QuerySet[Worksheet]) -> QuerySet[Worksheet]:
    """``qs`` without the claims for a quarter that starts after the practice's agreement ended
    (or before it started)."""
    outside = [c.pk for c in claims_outside_agreement(qs)]
    return qs.exclude(pk__in=outside) if outside else qs
