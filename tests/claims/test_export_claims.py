import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from claims.worksheets.exports import COLUMNS
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f

Q2 = Period(2019, 2)


def export(quarter="2019/20 Q2", **kwargs):
    out = io.StringIO()
    call_command("export_claims", quarter=quarter, stdout=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def practices(db):
    """C10001 submitted 9 days late for two homes; C10002 owes a worksheet and has none;
    C10003 has only a learning-disability home; C10004's agreement ended before the quarter."""
    commissioner = f.CommissionerFactory(code="03L")
    pcn = f.PCNFactory(commissioner=commissioner)
    late = f.PracticeFactory(pcn=pcn, ods_code="C10001")
    homes = [f.AlignmentFactory(practice=late).care_home for _ in range(2)]
    missing = f.PracticeFactory(pcn=pcn, ods_code="C10002")
    f.AlignmentFactory(practice=missing)
    ld_only = f.PracticeFactory(pcn=pcn, ods_code="C10003")
    f.AlignmentFactory(practice=ld_only, care_home__category="learning_disability")
    ended = f.PracticeFactory(pcn=pcn, ods_code="C10004")
    f.AlignmentFactory(practice=ended)
    for practice in (late, missing, ld_only):
        f.AgreementFactory(practice=practice)
    f.AgreementFactory(
        practice=ended,
        notice_given_on=datetime.date(2018, 10, 1),
        notice_given_by="practice",
        ends_on=datetime.date(2019, 4, 1),
    )
    quarter = quarter_for(Q2)
    worksheet_submit(
        practice=late,
        quarter=quarter,
        entries={
            homes[0].pk: LineEntry(opening=10, new_permanent=2, temporary=1, moved_out=1, died=0),
            homes[1].pk: LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=2),
        },
        by=None,
        submitted_at=datetime.datetime(2019, 10, 23, 10, 0, tzinfo=LONDON),
    )
    return locals()


def test_export_matches_spec_layout_and_figures(practices):
    rows = list(csv.DictReader(io.StringIO(export())))
    assert list(rows[0].keys()) == COLUMNS
    assert [r["practice_ods"] for r in rows] == ["C10001", "C10002"]
    gross = 15 * 6000 + 2 * 10200 + 6000  # £1,164.00
    assert rows[0] == {
        "practice_ods": "C10001", "quarter": "2019/20 Q2", "status": "submitted",
        "opening": "15", "new_permanent": "2", "temporary": "1", "closing": "14",
        "gross": "1164.00", "days_late": "9", "deduction_percent": "10", "deduction": "116.40",
        "net": "1047.60", "deferred": "yes", "waived": "no",
    }  # fmt: skip
    assert gross == 116400


def test_practice_without_worksheet_is_missing(practices):
    rows = list(csv.DictReader(io.StringIO(export())))
    assert rows[1] == {
        "practice_ods": "C10002", "quarter": "2019/20 Q2", "status": "missing",
        "opening": "", "new_permanent": "", "temporary": "", "closing": "",
        "gross": "0.00", "days_late": "", "deduction_percent": "", "deduction": "0.00",
        "net": "0.00", "deferred": "no", "waived": "no",
    }  # fmt: skip


def test_export_accepts_the_dashed_label(practices):
    assert export("2019-20-Q2") == export("2019/20 Q2")


def test_export_refuses_bad_quarter(db):
    with pytest.raises(CommandError, match="2019/20 Q2"):
        export("Q2 2019")


def test_export_of_an_unopened_quarter_lists_missing_practices(practices):
    rows = list(csv.DictReader(io.StringIO(export("2019/20 Q3"))))
    assert [(r["practice_ods"], r["status"]) for r in rows] == [
        ("C10001", "missing"),
        ("C10002", "missing"),
    ]
