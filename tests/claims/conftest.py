import datetime

import pytest

from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f


@pytest.fixture
def submit_claim(db):
    """Submit a one-home worksheet: ``submit_claim(opening=10, days_late=0, period=Period(2019, 1))``."""

    def submit(*, opening=10, new=0, days_late=0, period=None, practice=None, home=None):
        if practice is None:
            commissioner = f.CommissionerFactory(code="03L")  # the officers' in these tests
            alignment = f.AlignmentFactory(
                care_home__beds=200,
                care_home__commissioner=commissioner,
                practice__pcn__commissioner=commissioner,
            )
            f.AgreementFactory(practice=alignment.practice)
            practice, home = alignment.practice, alignment.care_home
        quarter = quarter_for(period or Period(2019, 1))
        moment = datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
        )
        return worksheet_submit(
            practice=practice,
            quarter=quarter,
            entries={
                home.pk: LineEntry(
                    opening=opening, new_permanent=new, temporary=0, moved_out=0, died=0
                )
            },
            by=None,
            submitted_at=moment,
        )

    return submit
