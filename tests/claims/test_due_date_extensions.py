"""A commissioner's due-date extension (ADR 0043): its practices' lateness counts from the extended
date; other commissioners' practices keep the default; never before the default; with history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims import selectors
from claims.models import DueDateExtension
from claims.periods.services import due_date_extend
from claims.review.services import claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from tests import factories as f

DAY = datetime.timedelta(days=1)
Q1 = Period(2019, 1)
EXTENDED = Q1.default_due_date + 7 * DAY


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


def practice_and_home(commissioner):
    alignment = f.AlignmentFactory(
        care_home__beds=40,
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
    )
    f.AgreementFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


def submit(practice, home, when):
    return worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q1),
        entries={home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=when,
    )


@pytest.fixture
def extended(db):
    """Commissioner 03L extended 2019/20 Q1 by a week; 99X did not."""
    ours, theirs = f.CommissionerFactory(code="03L"), f.CommissionerFactory(code="99X")
    by = f.officer(commissioner=ours)
    due_date_extend(
        quarter=quarter_for(Q1),
        commissioner=ours,
        due_date=EXTENDED,
        today=Q1.default_due_date,
        by=by,
        reason="Clinical system outage across the patch",
    )
    return ours, theirs, by


def test_submitted_on_the_extended_date_is_on_time(extended):
    practice, home = practice_and_home(extended[0])
    worksheet = submit(practice, home, at(EXTENDED, 23))
    assert (worksheet.days_late, worksheet.deduction_pence) == (0, 0)


def test_the_day_after_the_extended_date_is_late_band_1(extended):
    practice, home = practice_and_home(extended[0])
    worksheet = submit(practice, home, at(EXTENDED + DAY))
    assert worksheet.days_late == 1
    assert worksheet.deduction_pence == 3000  # band 1: 5% of 10 × £60


def test_another_commissioners_practices_keep_the_default(extended):
    practice, home = practice_and_home(extended[1])
    worksheet = submit(practice, home, at(EXTENDED))
    assert worksheet.days_late == 7


def test_repricing_keeps_the_extended_date(extended):
    practice, home = practice_and_home(extended[0])
    worksheet = submit(practice, home, at(EXTENDED + DAY))
    waived = claim_waive(claim=worksheet, by=extended[2], reason="Flood at the surgery")
    assert (waived.days_late, waived.deduction_pence) == (1, 0)


def test_effective_due_date_selectors(extended):
    ours, theirs, _ = extended
    quarter = quarter_for(Q1)
    assert selectors.effective_due_date(quarter, ours.pk) == EXTENDED
    assert selectors.effective_due_date(quarter, theirs.pk) == Q1.default_due_date
    mine, _ = practice_and_home(ours)
    other, _ = practice_and_home(theirs)
    assert selectors.effective_due_dates(quarter, [mine.pk, other.pk]) == {mine.pk: EXTENDED}


def test_extension_is_recorded_in_history(extended):
    ours, _, by = extended
    extension = DueDateExtension.objects.get()
    event = AuditEvent.objects.get(action="due_date_extend")
    assert (event.actor, event.object_id, event.reason) == (
        by,
        str(extension.pk),
        "Clinical system outage across the patch",
    )
    assert (event.before, event.after) == (
        {"due_date": Q1.default_due_date.isoformat()},
        {"due_date": EXTENDED.isoformat()},
    )


def test_extension_earlier_than_the_default_is_refused(db):
    ours = f.CommissionerFactory(code="03L")
    with pytest.raises(ValidationError, match="cannot be before the default due date"):
        due_date_extend(
            quarter=quarter_for(Q1),
            commissioner=ours,
            due_date=Q1.default_due_date - DAY,
            today=Q1.last_day,
            by=f.officer(commissioner=ours),
            reason="Early",
        )
    assert not DueDateExtension.objects.exists()
    assert not AuditEvent.objects.filter(action="due_date_extend").exists()


def test_extension_in_the_past_or_after_the_due_date_passed_is_refused(extended):
    ours, _, by = extended
    quarter = quarter_for(Q1)
    with pytest.raises(ValidationError, match="cannot be in the past"):
        due_date_extend(
            quarter=quarter, commissioner=ours, due_date=EXTENDED - 2 * DAY,
            today=EXTENDED - DAY, by=by, reason="Shorter",
        )  # fmt: skip
    with pytest.raises(ValidationError, match="has passed"):
        due_date_extend(
            quarter=quarter, commissioner=ours, due_date=EXTENDED + 9 * DAY,
            today=EXTENDED + DAY, by=by, reason="Later",
        )  # fmt: skip
    assert DueDateExtension.objects.get().due_date == EXTENDED


def test_extension_needs_a_reason(db):
    ours = f.CommissionerFactory(code="03L")
    with pytest.raises(ValidationError, match="reason"):
        due_date_extend(
            quarter=quarter_for(Q1),
            commissioner=ours,
            due_date=EXTENDED,
            today=Q1.last_day,
            by=f.officer(commissioner=ours),
            reason="  ",
        )
    assert not DueDateExtension.objects.exists()


def test_overdue_waits_for_the_extended_date(extended):
    ours, theirs, _ = extended
    mine, _ = practice_and_home(ours)
    other, _ = practice_and_home(theirs)
    quarter = quarter_for(Q1)
    on_extended = set(selectors.worksheets_overdue(quarter, today=EXTENDED))
    assert on_extended == {other}
    assert set(selectors.worksheets_overdue(quarter, today=EXTENDED + DAY)) == {mine, other}
