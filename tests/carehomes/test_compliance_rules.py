"""The service requirements of specification 3.2 (carehomes/compliance.py), each at its edges."""

import datetime

import pytest

from carehomes.compliance import (
    ResidentRecord,
    Status,
    Tally,
    assessment,
    care_plan,
    clinic_gaps,
    periodic,
    resident_checks,
    tally,
)
from core.periods import add_months

D = datetime.date
ADMITTED = D(2026, 3, 2)


# -- assessment within two weeks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assessed", "status"),
    [
        (D(2026, 3, 2), Status.MET),  # the day of admission
        (D(2026, 3, 16), Status.MET),  # day 14
        (D(2026, 3, 17), Status.MISSED),  # day 15
    ],
)
def test_assessment_on_day_14_met_day_15_missed(assessed, status):
    record = ResidentRecord(admitted_on=ADMITTED, assessed_on=assessed)
    check = assessment(record, D(2026, 6, 1))
    assert (check.status, check.due) == (status, D(2026, 3, 16))


def test_assessment_not_done_is_not_yet_due_to_day_14_then_missed():
    record = ResidentRecord(admitted_on=ADMITTED)
    assert assessment(record, D(2026, 3, 16)).status == Status.NOT_YET_DUE
    assert assessment(record, D(2026, 3, 17)).status == Status.MISSED


def test_assessment_of_resident_who_left_on_day_10_unassessed_is_not_missed():
    record = ResidentRecord(admitted_on=ADMITTED, left_on=D(2026, 3, 12))
    assert assessment(record, D(2026, 9, 1)).status == Status.NOT_YET_DUE


# -- months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 15), 2, D(2026, 3, 15)),
        (D(2025, 12, 31), 2, D(2026, 2, 28)),  # no 31 February
        (D(2027, 12, 31), 2, D(2028, 2, 29)),  # a leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 11, 30), 2, D(2027, 1, 30)),  # across the year end
        (D(2026, 7, 1), 6, D(2027, 1, 1)),
    ],
)
def test_add_months_keeps_day_or_takes_last_of_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


# -- periodic reviews --------------------------------------------------------------------------------


def test_two_monthly_review_met_on_due_day_missed_the_day_after():
    record = ResidentRecord(admitted_on=D(2025, 1, 6), two_monthly_review_on=D(2026, 1, 15))
    assert periodic(record, record.two_monthly_review_on, 2, D(2026, 3, 15)).status == Status.MET
    late = periodic(record, record.two_monthly_review_on, 2, D(2026, 3, 16))
    assert (late.status, late.due, late.done) == (Status.MISSED, D(2026, 3, 15), D(2026, 1, 15))


def test_first_review_counts_from_admission():
    record = ResidentRecord(admitted_on=D(2026, 1, 31))
    assert periodic(record, None, 2, D(2026, 3, 31)).status == Status.NOT_YET_DUE
    missed = periodic(record, None, 2, D(2026, 4, 1))
    assert (missed.status, missed.due) == (Status.MISSED, D(2026, 3, 31))


def test_six_monthly_lead_gp_and_medication_reviews_at_their_edges():
    record = ResidentRecord(
        admitted_on=D(2025, 6, 1),
        assessed_on=D(2025, 6, 3),
        care_plan_on=D(2025, 6, 3),
        two_monthly_review_on=D(2026, 2, 28),
        lead_gp_review_on=D(2025, 8, 31),
        medication_review_on=D(2025, 9, 1),
    )
    on_28_feb = resident_checks(record, D(2026, 2, 28))
    assert on_28_feb["lead_gp_review"].status == Status.MET  # due 28 February 2026
    assert on_28_feb["medication_review"].status == Status.MET  # due 1 March 2026
    on_1_mar = resident_checks(record, D(2026, 3, 1))
    assert on_1_mar["lead_gp_review"].status == Status.MISSED
    assert on_1_mar["medication_review"].status == Status.MET
    assert resident_checks(record, D(2026, 3, 2))["medication_review"].status == Status.MISSED


def test_resident_who_left_is_judged_on_the_day_they_left():
    record = ResidentRecord(
        admitted_on=D(2025, 6, 1), two_monthly_review_on=D(2025, 12, 1), left_on=D(2026, 1, 20)
    )
    assert periodic(record, record.two_monthly_review_on, 2, D(2026, 9, 1)).status == Status.MET


# -- care plans ----------------------------------------------------------------------------------------


def test_care_plan_not_required_for_temporary_resident():
    record = ResidentRecord(admitted_on=ADMITTED, permanent=False)
    assert care_plan(record, D(2027, 1, 1)).status == Status.NOT_REQUIRED


def test_care_plan_for_permanent_resident_due_with_the_assessment():
    record = ResidentRecord(admitted_on=ADMITTED)
    assert care_plan(record, D(2026, 3, 16)).status == Status.NOT_YET_DUE
    assert care_plan(record, D(2026, 3, 17)).status == Status.MISSED
    planned = ResidentRecord(admitted_on=ADMITTED, care_plan_on=D(2026, 4, 1))
    assert care_plan(planned, D(2027, 1, 1)).status == Status.MET


# -- clinics ------------------------------------------------------------------------------------------


def test_clinics_fourteen_days_apart_leave_no_gap():
    start, today = D(2026, 4, 1), D(2026, 5, 13)
    clinics = [D(2026, 4, 1), D(2026, 4, 15), D(2026, 4, 29)]
    assert clinic_gaps(clinics, start, today) == []  # 14, 14 and 14 days


def test_clinic_fifteen_days_after_the_last_is_a_gap():
    start = D(2026, 4, 1)
    clinics = [D(2026, 4, 1), D(2026, 4, 16)]
    (gap,) = clinic_gaps(clinics, start, D(2026, 4, 20))
    assert (gap.after, gap.before, gap.days) == (D(2026, 4, 1), D(2026, 4, 16), 15)


def test_no_clinic_since_the_last_for_fifteen_days_is_a_gap_to_today():
    (gap,) = clinic_gaps([D(2026, 4, 1)], D(2026, 4, 1), D(2026, 4, 16))
    assert (gap.after, gap.before, gap.days) == (D(2026, 4, 1), D(2026, 4, 16), 15)
    assert clinic_gaps([D(2026, 4, 1)], D(2026, 4, 1), D(2026, 4, 15)) == []


def test_no_clinics_at_all_is_one_gap_from_the_start():
    (gap,) = clinic_gaps([], D(2026, 4, 1), D(2026, 6, 30))
    assert (gap.after, gap.days) == (None, 90)


def test_clinics_outside_the_period_are_ignored():
    clinics = [D(2026, 3, 1), D(2026, 4, 10), D(2026, 7, 1)]
    assert [g.days for g in clinic_gaps(clinics, D(2026, 4, 1), D(2026, 4, 30))] == [20]


# -- tallies ----------------------------------------------------------------------------------


def test_tally_counts_residents_and_rounds_half_up():
    today = D(2026, 6, 1)
    good = ResidentRecord(
        admitted_on=D(2026, 5, 1),
        assessed_on=D(2026, 5, 2),
        care_plan_on=D(2026, 5, 2),
    )
    late = ResidentRecord(admitted_on=D(2026, 5, 1), assessed_on=D(2026, 5, 20))
    temporary = ResidentRecord(
        admitted_on=D(2026, 5, 10), permanent=False, assessed_on=D(2026, 5, 11)
    )
    result = tally([good, late, temporary], today)
    assert result["assessment"] == Tally(compliant=2, total=3)
    assert result["assessment"].percent == 67
    assert result["care_plan"] == Tally(compliant=1, total=2)  # temporary not counted
    assert result["care_plan"].percent == 50
    assert Tally(1, 8).percent == 13  # 12.5 rounds up
    assert Tally(0, 0).percent is None
