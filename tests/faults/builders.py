"""The data the fault tests start from: practices in the LES with approved claims."""

from __future__ import annotations

import datetime

from claims.models import Worksheet
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f


def practice_in_les(commissioner, *, contact=True, **practice):
    """A practice of ``commissioner`` with an agreement and one aligned home (40 beds)."""
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
        start_date=datetime.date(2018, 4, 1),
        **{f"practice__{name}": value for name, value in practice.items()},
    )
    f.AgreementFactory(practice=alignment.practice)
    if contact:
        f.PracticeContactFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


FIRST_QUARTER = Period(2019, 1)


def submitted_claim(practice, home, *, opening=10, period=FIRST_QUARTER) -> Worksheet:
    """A worksheet submitted on its due date: on time, so released to the next run."""
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=1, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )


def approved_claim(practice, home, *, checker, approver, **kwargs) -> Worksheet:
    claim = submitted_claim(practice, home, **kwargs)
    return claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
