"""Reads about audit cases that more than one page needs."""

import datetime

from django.db.models import Q

from audits.models import AuditCase
from core.periods import LONDON

AUDIT_EVIDENCE_DAYS = 28  # docs/adr/0025: evidence asked for longer ago than this is overdue


def evidence_overdue_before(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=AUDIT_EVIDENCE_DAYS)


def evidence_overdue(today: datetime.date) -> Q:
    """The condition of a case whose evidence is overdue on ``today``: asked for more than
    :data:`AUDIT_EVIDENCE_DAYS` days ago and not yet in (for a filter or an aggregate's)."""
    cutoff = datetime.datetime.combine(
        evidence_overdue_before(today), datetime.time.min, tzinfo=LONDON
    )
    return Q(status=AuditCase.Status.EVIDENCE_REQUESTED, evidence_requested_at__lt=cutoff)


def cases_evidence_overdue(cases, today: datetime.date):
    return cases.filter(evidence_overdue(today))
