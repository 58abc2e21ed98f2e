"""Reminders and late notices (SPEC §3, ADR 0009): the pure timing rules at their edges, then
``reminders_run`` against stored quarters, practices and worksheets."""

import datetime
from decimal import Decimal

import pytest

from carehomes.models import CareHome
from claims.rules import DEFAULT_BANDS, Band, Release, check_bands, last_paying_day_late
from claims.worksheets.reminders import band_timetable, what_is_due
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from core.reminders import reminder_window
from notices.models import Notice
from notices.services import NO_RECIPIENTS
from outcomes.reminders import reminders_run
from tests import factories as f

DAY = datetime.timedelta(days=1)
DUE = datetime.date(2019, 7, 14)  # 2019/20 Q1 ends 30 June; due 14 days later (SPEC §3)


# -- the timing rules (pure) ------------------------------------------------------------------------


def test_reminder_window_lead_ten_days_runs_from_due_minus_ten_to_due_minus_seven():
    assert reminder_window(DUE, 10) == (DUE - 10 * DAY, DUE - 7 * DAY)


@pytest.mark.parametrize("lead", [0, 5, 6, 7])
def test_reminder_window_lead_below_seven_clamped_to_seven(lead):
    assert reminder_window(DUE, lead) == (DUE - 7 * DAY, DUE - 7 * DAY)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-11, None),  # the day before the window opens
        (-10, "reminder"),  # its first day
        (-8, "reminder"),
        (-7, "reminder"),  # its last day
        (-6, "missed"),  # after the window, before the due date: never sent late
        (-1, "missed"),
        (0, "missed"),  # the due date itself
        (1, "late"),  # the day after the due date
        (21, "late"),  # the last day a late worksheet is still paid (50% band)
        (22, None),  # 100% deducted: nothing left to tell the practice
        (60, None),
    ],
)
def test_what_is_due_lead_ten_default_bands_at_each_edge(offset, expected):
    assert what_is_due(DUE + offset * DAY, DUE, 10, DEFAULT_BANDS) == expected


def test_what_is_due_lead_below_seven_never_reminds_after_due_minus_seven():
    assert what_is_due(DUE - 7 * DAY, DUE, 3, DEFAULT_BANDS) == "reminder"
    assert what_is_due(DUE - 8 * DAY, DUE, 3, DEFAULT_BANDS) is None
    assert what_is_due(DUE - 6 * DAY, DUE, 3, DEFAULT_BANDS) == "missed"


def test_last_paying_day_late_default_bands_is_twenty_one():
    assert last_paying_day_late(DEFAULT_BANDS) == 21


def test_last_paying_day_late_closed_full_deduction_band_not_counted():
    bands = (
        Band(0, 0, Decimal("0"), Release.NEXT_RUN),
        Band(1, 7, Decimal("5"), Release.NEXT_RUN),
        Band(8, 14, Decimal("100"), Release.NONE),
        Band(15, None, Decimal("100"), Release.NONE),
    )
    check_bands(bands)  # a valid set of bands
    assert last_paying_day_late(bands) == 7
    assert what_is_due(DUE + 7 * DAY, DUE, 10, bands) == "late"
    assert what_is_due(DUE + 8 * DAY, DUE, 10, bands) is None


def test_last_paying_day_late_open_band_that_still_pays_has_no_limit():
    bands = (
        Band(0, 0, Decimal("0"), Release.NEXT_RUN),
        Band(1, None, Decimal("5"), Release.NEXT_RUN),
    )
    check_bands(bands)
    assert last_paying_day_late(bands) is None
    assert what_is_due(DUE + 40 * DAY, DUE, 10, bands) == "late"


def test_last_paying_day_late_only_an_on_time_band_pays_nothing_late():
    bands = (
        Band(0, 0, Decimal("0"), Release.NEXT_RUN),
        Band(1, None, Decimal("100"), Release.NONE),
    )
    check_bands(bands)
    assert last_paying_day_late(bands) == 0
    assert what_is_due(DUE + DAY, DUE, 10, bands) is None


def test_band_timetable_from_day_one_lists_each_late_band_with_its_start_date():
    assert band_timetable(DUE, DEFAULT_BANDS, 1) == [
        "- submitted from 15 July 2019: 5% deducted",
        "- submitted from 22 July 2019: 10% deducted, paid one run later",
        "- submitted from 29 July 2019: 50% deducted, paid one run later",
        "- submitted from 5 August 2019: 100% deducted, no payment",
    ]


def test_band_timetable_mid_band_starts_from_today_and_drops_past_bands():
    assert band_timetable(DUE, DEFAULT_BANDS, 10) == [
        "- submitted from 24 July 2019: 10% deducted, paid one run later",
        "- submitted from 29 July 2019: 50% deducted, paid one run later",
        "- submitted from 5 August 2019: 100% deducted, no payment",
    ]


# -- reminders_run ----------------------------------------------------------------------------------


@pytest.fixture
def quarter(db):
    quarter = quarter_for(Period(2019, 1))
    assert quarter.due_date == DUE
    return quarter


def owing_practice(*, email="pm@practice.nhs.uk", **practice):
    """A practice that owes a 2019/20 Q1 worksheet: an agreement in force and an aligned elderly
    home (``claims.selectors.practices_expected``)."""
    commissioner = f.CommissionerFactory(code="03L")
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
        **{f"practice__{k}": v for k, v in practice.items()},
    )
    f.AgreementFactory(practice=alignment.practice)
    if email:
        f.PracticeContactFactory(practice=alignment.practice, email=email)
    return alignment


def submit(alignment, quarter, *, days_late=-12):
    worksheet_submit(
        practice=alignment.practice,
        quarter=quarter,
        entries={
            alignment.care_home_id: LineEntry(
                opening=10, new_permanent=0, temporary=0, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(
            quarter.due_date + days_late * DAY, datetime.time(12), LONDON
        ),
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``reminders_run(today)`` with its after-commit sends executed, as in a committed request."""

    def run(today):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_run(today)

    return run


def test_reminders_run_twice_in_window_each_owing_practice_reminded_once(quarter, run, mailoutbox):
    first = owing_practice(email="first@practice.nhs.uk", ods_code="C80001")
    second = owing_practice(email="second@practice.nhs.uk", ods_code="C80002")

    assert run(DUE - 10 * DAY) == {"reminder": 2}
    assert run(DUE - 10 * DAY) == {}  # the scheduler runs again the same day
    assert run(DUE - 7 * DAY) == {}  # and on the window's last day

    notices = Notice.objects.order_by("key")
    assert [(n.key, n.kind, n.status) for n in notices] == [
        ("reminder:2019-20-Q1:C80001", Notice.Kind.REMINDER, Notice.Status.SENT),
        ("reminder:2019-20-Q1:C80002", Notice.Kind.REMINDER, Notice.Status.SENT),
    ]
    assert [n.practice for n in notices] == [first.practice, second.practice]
    assert sorted(m.to[0] for m in mailoutbox) == [
        "first@practice.nhs.uk",
        "second@practice.nhs.uk",
    ]
    assert all(len(m.to) == 1 for m in mailoutbox)
    message = next(m for m in mailoutbox if m.to == ["first@practice.nhs.uk"])
    assert "2019/20 Q1" in message.subject and "14 July 2019" in message.subject
    assert "/C80001/" in message.body and "2019-20-Q1" in message.body


def test_reminders_run_practice_already_submitted_gets_no_reminder(quarter, run, mailoutbox):
    submitted = owing_practice(email="done@practice.nhs.uk")
    submit(submitted, quarter)
    owing = owing_practice(email="owing@practice.nhs.uk")

    assert run(DUE - 8 * DAY) == {"reminder": 1}

    assert [n.practice for n in Notice.objects.all()] == [owing.practice]
    assert [m.to for m in mailoutbox] == [["owing@practice.nhs.uk"]]


def test_reminders_run_practice_not_expected_gets_no_reminder(quarter, run, mailoutbox):
    no_agreement = f.AlignmentFactory()
    f.PracticeContactFactory(practice=no_agreement.practice)
    learning_disability_only = owing_practice()
    learning_disability_only.care_home.category = CareHome.Category.LEARNING_DISABILITY
    learning_disability_only.care_home.save()

    assert run(DUE - 8 * DAY) == {}
    assert not Notice.objects.exists()
    assert mailoutbox == []


def test_reminders_run_practice_without_contact_email_recorded_failed(quarter, run, mailoutbox):
    alignment = owing_practice(email=None)

    assert run(DUE - 8 * DAY) == {"reminder": 1}
    assert run(DUE - 8 * DAY) == {}

    notice = Notice.objects.get()
    assert (notice.practice, notice.status, notice.last_error, notice.recipients) == (
        alignment.practice,
        Notice.Status.FAILED,
        NO_RECIPIENTS,
        "",
    )
    assert "no contact email" in notice.last_error
    assert mailoutbox == []


@pytest.mark.parametrize("offset", [-6, -1, 0])
def test_reminders_run_in_missed_window_records_missed_and_sends_nothing(
    quarter, run, mailoutbox, offset
):
    alignment = owing_practice(ods_code="C80001")

    assert run(DUE + offset * DAY) == {"missed": 1}
    assert run(DUE + offset * DAY) == {}

    notice = Notice.objects.get()
    assert (notice.key, notice.kind, notice.status, notice.practice, notice.sent_at) == (
        "reminder:2019-20-Q1:C80001",
        Notice.Kind.REMINDER,
        Notice.Status.MISSED,
        alignment.practice,
        None,
    )
    assert "7 July 2019" in notice.last_error  # the last day the reminder could have gone
    assert mailoutbox == []


def test_reminders_run_after_reminder_window_sent_records_no_missed(quarter, run, mailoutbox):
    owing_practice()
    run(DUE - 7 * DAY)
    assert run(DUE - 6 * DAY) == {}
    assert list(Notice.objects.values_list("status", flat=True)) == [Notice.Status.SENT]
    assert len(mailoutbox) == 1


def test_reminders_run_day_after_due_sends_late_notice_once(quarter, run, mailoutbox):
    owing_practice(email="late@practice.nhs.uk", ods_code="C80001")

    assert run(DUE + DAY) == {"late": 1}
    assert run(DUE + DAY) == {}
    assert run(DUE + 2 * DAY) == {}

    notice = Notice.objects.get()
    assert (notice.key, notice.kind, notice.status) == (
        "late:2019-20-Q1:C80001",
        Notice.Kind.LATE,
        Notice.Status.SENT,
    )
    assert [m.to for m in mailoutbox] == [["late@practice.nhs.uk"]]
    body = mailoutbox[0].body
    assert "1 day late" in body and "1 days late" not in body
    assert "1–7 days late band: 5% will be deducted" in body
    assert "- submitted from 22 July 2019: 10% deducted, paid one run later" in body


def test_reminders_run_late_notice_after_scheduler_outage_names_that_days_band(
    quarter, run, mailoutbox
):
    owing_practice()

    assert run(DUE + 10 * DAY) == {"late": 1}

    body = mailoutbox[0].body
    assert "10 days late, in the 8–14 days late band: 10% will be deducted" in body
    assert "- submitted from 24 July 2019: 10% deducted" in body
    assert "22 July 2019" not in body


def test_reminders_run_last_paying_day_still_sends_late_notice(quarter, run, mailoutbox):
    owing_practice()
    assert run(DUE + 21 * DAY) == {"late": 1}
    assert "21 days late, in the 15–21 days late band: 50% will be deducted" in mailoutbox[0].body


@pytest.mark.parametrize("offset", [22, 30])
def test_reminders_run_after_day_twenty_one_sends_no_late_notice(quarter, run, mailoutbox, offset):
    owing_practice()
    assert run(DUE + offset * DAY) == {}
    assert not Notice.objects.exists()
    assert mailoutbox == []


def test_reminders_run_submitted_late_practice_gets_no_late_notice(quarter, run, mailoutbox):
    submit(owing_practice(), quarter, days_late=1)
    assert run(DUE + DAY) == {}
    assert not Notice.objects.exists()
    assert mailoutbox == []


def test_reminders_run_creates_unopened_quarter_and_reminds(db, run, mailoutbox):
    owing_practice()
    assert run(DUE - 10 * DAY) == {"reminder": 1}
    notice = Notice.objects.get()
    assert (notice.quarter.year, notice.quarter.number, notice.quarter.due_date) == (2019, 1, DUE)
    assert len(mailoutbox) == 1
