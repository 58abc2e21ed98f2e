"""The payment rules at every edge (SPEC §§4–6)."""

import datetime
from decimal import Decimal

import pytest

from claims.rules import (
    DEFAULT_BANDS,
    DEFAULT_RATES,
    Band,
    Line,
    Rates,
    Release,
    band_for,
    calculate_payment,
    check_bands,
    check_line,
    days_late,
    line_gross,
    percentage_of,
)
from core.money import pounds
from core.periods import LONDON

D = datetime.date
UTC = datetime.UTC


def london(*args):
    return datetime.datetime(*args, tzinfo=LONDON)


Q1_DUE = D(2019, 7, 14)  # British Summer Time
Q3_DUE = D(2020, 1, 14)  # Greenwich Mean Time


# -- days late: the London calendar ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "due", "expected"),
    [
        (london(2019, 7, 1, 9, 0), Q1_DUE, 0),  # early
        (london(2019, 7, 14, 23, 59), Q1_DUE, 0),  # the due date's last minute, BST
        (london(2019, 7, 15, 0, 30), Q1_DUE, 1),  # 00:30 BST the day after: still 14 July in UTC
        (datetime.datetime(2019, 7, 14, 23, 30, tzinfo=UTC), Q1_DUE, 1),  # the same moment in UTC
        (london(2019, 7, 15, 23, 59), Q1_DUE, 1),  # 23:59 on the day after, BST
        (london(2019, 7, 16, 0, 30), Q1_DUE, 2),
        (london(2020, 1, 14, 23, 59), Q3_DUE, 0),  # the due date's last minute, GMT
        (london(2020, 1, 15, 0, 30), Q3_DUE, 1),  # 00:30 GMT the day after
        (datetime.datetime(2020, 1, 15, 0, 30, tzinfo=UTC), Q3_DUE, 1),  # GMT is UTC in winter
        (london(2020, 1, 15, 23, 59), Q3_DUE, 1),  # 23:59 on the day after, GMT
        (datetime.datetime(2020, 1, 14, 23, 59, tzinfo=UTC), Q3_DUE, 0),
    ],
)
def test_days_late_counts_london_calendar_days(moment, due, expected):
    assert days_late(moment, due) == expected


def test_days_late_refuses_naive_moment():
    with pytest.raises(ValueError, match="time zone"):
        days_late(datetime.datetime(2019, 7, 15, 0, 30), Q1_DUE)


# -- bands at their edges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "percent", "release"),
    [
        (0, "0", Release.NEXT_RUN),
        (1, "5", Release.NEXT_RUN),
        (7, "5", Release.NEXT_RUN),
        (8, "10", Release.DEFERRED),
        (14, "10", Release.DEFERRED),
        (15, "50", Release.DEFERRED),
        (21, "50", Release.DEFERRED),
        (22, "100", Release.NONE),
        (400, "100", Release.NONE),
    ],
)
def test_band_at_each_edge(days, percent, release):
    band = band_for(days)
    assert (band.deduction_percent, band.release) == (Decimal(percent), release)


def _payment_on(day: datetime.date, **kwargs):
    lines = [Line(opening=10, new_permanent=2, temporary=1, moved_out=1, died=1)]
    moment = london(day.year, day.month, day.day, 12, 0)
    return calculate_payment(
        lines, rates=DEFAULT_RATES, due_date=Q1_DUE, first_submitted_at=moment, **kwargs
    )


GROSS = 10 * 6000 + 2 * 10200 + 1 * 6000  # £864.00


@pytest.mark.parametrize(
    ("days", "deduction", "release"),
    [
        (0, 0, Release.NEXT_RUN),
        (1, 4320, Release.NEXT_RUN),
        (7, 4320, Release.NEXT_RUN),
        (8, 8640, Release.DEFERRED),
        (14, 8640, Release.DEFERRED),
        (15, 43200, Release.DEFERRED),
        (21, 43200, Release.DEFERRED),
        (22, GROSS, Release.NONE),
    ],
)
def test_payment_at_each_band_edge(days, deduction, release):
    payment = _payment_on(Q1_DUE + datetime.timedelta(days=days))
    assert payment.gross == GROSS
    assert payment.days_late == days
    assert payment.deduction == deduction
    assert payment.net == GROSS - deduction
    assert payment.release == release
    assert payment.deferred is (release == Release.DEFERRED)


def test_waiver_removes_deduction_and_deferral_but_keeps_lateness():
    payment = _payment_on(Q1_DUE + datetime.timedelta(days=10), waived=True)
    assert (payment.days_late, payment.band.deduction_percent) == (10, Decimal(10))
    assert (payment.deduction, payment.net, payment.release, payment.deferred) == (
        0,
        GROSS,
        Release.NEXT_RUN,
        False,
    )
    assert payment.deduction_percent == 0 and payment.waived


def test_waiver_of_a_100_percent_deduction_pays_in_full():
    payment = _payment_on(Q1_DUE + datetime.timedelta(days=30), waived=True)
    assert (payment.net, payment.release) == (GROSS, Release.NEXT_RUN)


# -- money ----------------------------------------------------------------------------------------------


def test_gross_uses_each_rate():
    rates = Rates(new_permanent=10200, continuing=6000, temporary=5000)
    line = Line(opening=3, new_permanent=2, temporary=4, moved_out=1, died=1, in_other_home=7)
    assert line_gross(line, rates) == 3 * 6000 + 2 * 10200 + 4 * 5000


def test_moved_and_died_are_still_paid_for_the_quarter():
    assert line_gross(Line(5, 0, 0, 3, 2), DEFAULT_RATES) == 5 * 6000


def test_in_other_home_is_not_paid_nor_carried_forward():
    line = Line(opening=5, new_permanent=1, temporary=0, moved_out=0, died=0, in_other_home=9)
    assert line_gross(line, DEFAULT_RATES) == 5 * 6000 + 10200
    assert line.closing == 6


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (12345, "5", 617),  # 617.25 → 617
        (12350, "5", 618),  # 617.5 → 618: half rounds up
        (12330, "5", 617),  # 616.5 → 617
        (12370, "10", 1237),
        (1, "50", 1),  # 0.5 → 1
        (3, "50", 2),  # 1.5 → 2
        (86400, "100", 86400),
        (0, "50", 0),
    ],
)
def test_percentage_rounds_half_up_to_the_penny(amount, percent, expected):
    assert percentage_of(amount, Decimal(percent)) == expected


def test_deduction_on_odd_tariff_rounds_half_up():
    rates = Rates(new_permanent=10210, continuing=6010, temporary=6010)  # £102.10 / £60.10
    payment = calculate_payment(
        [Line(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)],
        rates=rates,
        due_date=Q1_DUE,
        first_submitted_at=london(2019, 7, 16, 9, 0),
    )
    assert (payment.gross, payment.deduction, payment.net) == (6010, 301, 5709)  # 300.5 → 301


@pytest.mark.parametrize(
    ("pence", "text"), [(72600, "726.00"), (5, "0.05"), (0, "0.00"), (123456, "1234.56")]
)
def test_pounds_format(pence, text):
    assert pounds(pence) == text


# -- line checks --------------------------------------------------------------------------------------


def test_line_leaving_more_than_present_is_an_error_naming_the_field():
    problems = check_line(
        Line(opening=2, new_permanent=1, temporary=0, moved_out=2, died=2), beds=40
    )
    assert [(p.field, p.is_warning) for p in problems] == [("moved_out", False)]
    assert "cannot be more than" in problems[0].message


def test_line_leaving_exactly_all_is_fine():
    assert (
        check_line(Line(opening=2, new_permanent=1, temporary=0, moved_out=2, died=1), beds=40)
        == []
    )


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None, True])
def test_line_count_must_be_whole_number(bad):
    problems = check_line(
        Line(opening=bad, new_permanent=0, temporary=0, moved_out=0, died=0), beds=40
    )
    assert problems[0].field == "opening" and "whole number" in problems[0].message


@pytest.mark.parametrize(("closing", "warned"), [(40, False), (41, True)])
def test_closing_above_beds_is_a_warning_not_an_error(closing, warned):
    problems = check_line(
        Line(opening=closing, new_permanent=0, temporary=0, moved_out=0, died=0), beds=40
    )
    assert [p.is_warning for p in problems] == ([True] if warned else [])


# -- bands as data ------------------------------------------------------------------------------------


def test_default_bands_are_consistent():
    check_bands(DEFAULT_BANDS)


@pytest.mark.parametrize(
    "bands",
    [
        (Band(1, None, Decimal(0), Release.NEXT_RUN),),
        (Band(0, 5, Decimal(0), Release.NEXT_RUN), Band(7, None, Decimal(100), Release.NONE)),
        (Band(0, 5, Decimal(10), Release.NEXT_RUN), Band(6, None, Decimal(5), Release.NEXT_RUN)),
        (Band(0, 5, Decimal(0), Release.NEXT_RUN), Band(6, 9, Decimal(100), Release.NONE)),
        (Band(0, None, Decimal(100), Release.NEXT_RUN),),
    ],
)
def test_inconsistent_bands_refused(bands):
    with pytest.raises(ValueError):
        check_bands(bands)
