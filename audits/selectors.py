"""Reads about audit cases that more than one page needs."""

import datetime

from audits.models import AuditCase
from core.periods import LONDON

AUDIT_EVIDENCE_DAYS = 28  # docs/adr/0025: evidence asked for longer ago than this is overdue


def evidence_overdue_before(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=AUDIT_EVIDENCE_DAYS)


def cases_evidence_overdue(cases, today: datetime.date):
    cutoff = datetime.datetime.combine(
        evidence_overdue_before(today), datetime.time.min, tzinfo=LONDON
    )
    return cases.filter(
        status=AuditCase.Status.EVIDENCE_REQUESTED, evidence_requested_at__lt=cutoff
    )
