import datetime

import pytest

from core.periods import Period

D = datetime.date


@pytest.mark.parametrize("label", ["2019/20 Q2", "2019-20-Q2", " 2019/20 q2 "])
def test_quarter_labels_accepted(label):
    assert Period.parse(label) == Period(2019, 2)


@pytest.mark.parametrize("label", ["2019/21 Q2", "2019/20 Q5", "Q2 2019", "", "2019/20"])
def test_bad_quarter_labels_refused_with_example(label):
    with pytest.raises(ValueError, match="write it like 2019/20 Q"):
        Period.parse(label)


@pytest.mark.parametrize(
    ("period", "first", "last", "due"),
    [
        (Period(2019, 1), D(2019, 4, 1), D(2019, 6, 30), D(2019, 7, 14)),
        (Period(2019, 2), D(2019, 7, 1), D(2019, 9, 30), D(2019, 10, 14)),
        (Period(2019, 3), D(2019, 10, 1), D(2019, 12, 31), D(2020, 1, 14)),
        (Period(2019, 4), D(2020, 1, 1), D(2020, 3, 31), D(2020, 4, 14)),
    ],
)
def test_quarter_dates_and_default_due_date(period, first, last, due):
    assert (period.first_day, period.last_day, period.default_due_date) == (first, last, due)


def test_canonical_label_and_neighbours():
    assert Period(2019, 4).label == "2019/20 Q4"
    assert Period(2019, 4).next() == Period(2020, 1)
    assert Period(2020, 1).previous() == Period(2019, 4)
    assert Period(2099, 4).label == "2099/00 Q4"


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (D(2019, 4, 1), Period(2019, 1)),
        (D(2020, 3, 31), Period(2019, 4)),
        (D(2019, 12, 31), Period(2019, 3)),
    ],
)
def test_period_containing_a_day(day, period):
    assert Period.containing(day) == period
