"""Worksheet reminders and late notices follow a commissioner's extended due date (ADR 0043);
another commissioner's practices keep the default."""

import datetime

import pytest

from claims.periods.services import due_date_extend
from claims.worksheets.services import quarter_for
from core.periods import Period
from notices.models import Notice
from outcomes.reminders import reminders_run
from tests import factories as f

DAY = datetime.timedelta(days=1)
DUE = datetime.date(2019, 7, 14)  # 2019/20 Q1's default due date
EXTENDED = DUE + 7 * DAY


def owing_practice(commissioner, ods_code):
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
        practice__ods_code=ods_code,
    )
    f.AgreementFactory(practice=alignment.practice)
    f.PracticeContactFactory(practice=alignment.practice, email=f"{ods_code}@practice.nhs.uk")
    return alignment.practice


@pytest.fixture
def practices(db):
    ours, theirs = f.CommissionerFactory(code="03L"), f.CommissionerFactory(code="99X")
    due_date_extend(
        quarter=quarter_for(Period(2019, 1)),
        commissioner=ours,
        due_date=EXTENDED,
        today=DUE - 20 * DAY,
        by=f.officer(commissioner=ours),
        reason="Clinical system outage",
    )
    return owing_practice(ours, "C80001"), owing_practice(theirs, "C80002")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_run(today)

    return run


def test_day_after_the_default_only_the_other_commissioners_practice_is_late(practices, run):
    run(DUE + DAY)
    assert list(Notice.objects.filter(kind=Notice.Kind.LATE).values_list("key", flat=True)) == [
        "late:2019-20-Q1:C80002"
    ]


def test_on_the_extended_date_no_late_notice_the_day_after_one(practices, run, mailoutbox):
    run(EXTENDED)
    assert not Notice.objects.filter(key="late:2019-20-Q1:C80001").exists()
    run(EXTENDED + DAY)
    notice = Notice.objects.get(key="late:2019-20-Q1:C80001")
    assert "was due 21 July 2019" in notice.subject
    assert (
        "was due on 21 July 2019 (extended by your commissioner from 14 July 2019)" in notice.body
    )
    assert "1 day late" in notice.body
    assert "1–7 days late band: 5% will be deducted" in notice.body


def test_reminder_names_the_extended_date(practices, run):
    run(EXTENDED - 7 * DAY)
    reminder = Notice.objects.get(key="reminder:2019-20-Q1:C80001")
    assert "due 21 July 2019" in reminder.subject
    assert "due by 21 July 2019 (extended by your commissioner from 14 July 2019)" in reminder.body
    assert reminder.status == Notice.Status.SENT
    # The other commissioner's window (4 to 7 July) has passed: recorded as missed, not sent.
    other = Notice.objects.get(key="reminder:2019-20-Q1:C80002")
    assert other.status == Notice.Status.MISSED


def test_the_other_commissioners_late_notice_names_the_default_alone(practices, run):
    run(DUE + DAY)
    notice = Notice.objects.get(key="late:2019-20-Q1:C80002")
    assert "was due on 14 July 2019 and we have not received it" in notice.body
    assert "extended" not in notice.body
