"""The cross-practice checks' rules (reports/checks.py), pure: each raised and not raised at its edge."""

from decimal import Decimal

from core.periods import Period
from reports.checks import (
    Home,
    Kind,
    LineFigures,
    PracticeQuarter,
    PracticeRef,
    QuarterFigures,
    Thresholds,
    is_jump,
    jumps,
    more_patients_than_beds,
    openings_falling,
    run_checks,
)

Q1, Q2 = Period(2019, 1), Period(2019, 2)
OAKWOOD = Home(id=1, name="Oakwood Lodge", beds=42)
BIRCHES = Home(id=2, name="The Birches", beds=30)
C81001 = PracticeRef(id=11, ods_code="C81001", name="Riverside Surgery")
C81002 = PracticeRef(id=12, ods_code="C81002", name="Hillcrest Medical Centre")
DEFAULT = Thresholds(jump_percent=Decimal("25.0"), jump_min_patients=5)


def line(home=OAKWOOD, opening=0, new=0, temporary=0, moved_out=0, died=0):
    return LineFigures(home, opening, new, temporary, moved_out, died)


def worksheet(practice, *lines, worksheet_id=None):
    return PracticeQuarter(practice, worksheet_id or practice.id * 100, tuple(lines))


def quarter(period, *worksheets):
    return QuarterFigures(period, tuple(worksheets))


# -- more patients than beds ----------------------------------------------------------------------


def test_beds_closings_equal_to_the_beds_are_not_flagged():
    q2 = quarter(Q2, worksheet(C81001, line(opening=30)), worksheet(C81002, line(opening=12)))
    assert more_patients_than_beds(q2) == []


def test_beds_one_patient_over_across_practices_is_flagged_naming_each():
    q2 = quarter(
        Q2,
        worksheet(C81002, line(opening=10, new=3)),
        worksheet(C81001, line(opening=30)),
    )
    [flag] = more_patients_than_beds(q2)
    assert flag.kind is Kind.MORE_PATIENTS_THAN_BEDS
    assert flag.home == OAKWOOD and flag.period == Q2
    assert flag.message == (
        "Oakwood Lodge has 42 registered beds but its practices reported 43 patients at the end of "
        "2019/20 Q2 (C81001: 30, C81002: 13)"
    )
    assert [(c.practice, c.worksheet_id) for c in flag.claims] == [(C81001, 1100), (C81002, 1200)]


def test_beds_counts_closings_so_leavers_and_temporary_patients_do_not_count():
    # 45 patients passed through, but 3 left and temporary patients are not carried forward.
    q2 = quarter(Q2, worksheet(C81001, line(opening=40, new=5, temporary=6, moved_out=2, died=1)))
    assert more_patients_than_beds(q2) == []


def test_beds_one_flag_per_home_and_only_for_the_home_over():
    q2 = quarter(
        Q2,
        worksheet(C81001, line(OAKWOOD, opening=50), line(BIRCHES, opening=30)),
        worksheet(C81002, line(BIRCHES, opening=1)),
    )
    flags = more_patients_than_beds(q2)
    assert [f.home for f in flags] == [OAKWOOD, BIRCHES]
    assert flags[0].message.endswith(
        "its practice reported 50 patients at the end of 2019/20 Q2 (C81001: 50)"
    )
    assert [c.practice for c in flags[1].claims] == [C81001, C81002]


# -- jumps ----------------------------------------------------------------------------------------


def test_jump_exactly_at_the_threshold_percent_and_minimum_is_flagged():
    q1 = quarter(Q1, worksheet(C81001, line(opening=20)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=20, new=3, temporary=2)))  # 25, +25%
    [flag] = jumps(q2, q1, DEFAULT)
    assert flag.kind is Kind.JUMP and flag.practices == (C81001,)
    assert flag.message == (
        "Riverside Surgery (C81001) claimed for 25 patients in 2019/20 Q2, up 5 patients (25.0%) "
        "from 20 in 2019/20 Q1"
    )


def test_jump_one_patient_below_the_minimum_is_not_flagged():
    q1 = quarter(Q1, worksheet(C81001, line(opening=16)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=16, new=4)))  # +4 is 25%, but under 5
    assert jumps(q2, q1, DEFAULT) == []


def test_jump_just_below_the_threshold_percent_is_not_flagged():
    q1 = quarter(Q1, worksheet(C81001, line(opening=21)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=21, new=5)))  # +5 is 23.8%
    assert jumps(q2, q1, DEFAULT) == []


def test_jump_percent_compared_exactly_with_a_decimal_threshold():
    thresholds = Thresholds(jump_percent=Decimal("12.5"), jump_min_patients=1)
    assert is_jump(40, 45, thresholds)  # 12.5% exactly
    assert not is_jump(40, 44, thresholds)  # 10%
    assert is_jump(3, 0, Thresholds(Decimal("100.0"), 3))  # down to nothing is -100%
    assert not is_jump(1000, 1124, Thresholds(Decimal("12.5"), 1))  # 12.4%


def test_jump_down_is_flagged_summing_every_line_of_the_practice():
    q1 = quarter(Q1, worksheet(C81001, line(OAKWOOD, opening=30), line(BIRCHES, opening=10)))
    q2 = quarter(Q2, worksheet(C81001, line(OAKWOOD, opening=20), line(BIRCHES, opening=8)))
    [flag] = jumps(q2, q1, DEFAULT)
    assert flag.message == (
        "Riverside Surgery (C81001) claimed for 28 patients in 2019/20 Q2, down 12 patients "
        "(30.0%) from 40 in 2019/20 Q1"
    )


def test_jump_without_a_previous_worksheet_is_not_flagged():
    q1 = quarter(Q1, worksheet(C81002, line(opening=5)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=40)), worksheet(C81002, line(opening=5)))
    assert jumps(q2, q1, DEFAULT) == []


def test_jump_from_no_patients_is_flagged_at_the_minimum_only():
    q1 = quarter(Q1, worksheet(C81001, line(opening=0)), worksheet(C81002, line(opening=0)))
    q2 = quarter(Q2, worksheet(C81001, line(new=5)), worksheet(C81002, line(new=4)))
    [flag] = jumps(q2, q1, DEFAULT)
    assert flag.practices == (C81001,)
    assert "up 5 patients from 0 in 2019/20 Q1" in flag.message


# -- openings falling when nobody left ------------------------------------------------------------


def test_openings_equal_to_the_previous_quarter_are_not_flagged():
    q1 = quarter(Q1, worksheet(C81001, line(opening=20)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=20)))
    assert openings_falling(q2, q1) == []


def test_openings_falling_with_no_leavers_is_flagged_naming_the_practice():
    q1 = quarter(Q1, worksheet(C81001, line(opening=20)), worksheet(C81002, line(opening=10)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=19)), worksheet(C81002, line(opening=10)))
    [flag] = openings_falling(q2, q1)
    assert flag.kind is Kind.OPENINGS_FELL and flag.home == OAKWOOD
    assert flag.practices == (C81001,)
    assert flag.claims[0].worksheet_id == 1100  # the quarter checked, not the one before
    assert flag.message == (
        "Oakwood Lodge opened 2019/20 Q2 with 29 patients, down from 30 at the start of 2019/20 Q1, "
        "although nobody moved out or died in 2019/20 Q1 (C81001: 20 → 19)"
    )


def test_openings_falling_after_a_leaver_at_any_practice_is_not_flagged():
    q1 = quarter(
        Q1, worksheet(C81001, line(opening=20)), worksheet(C81002, line(opening=10, died=1))
    )
    q2 = quarter(Q2, worksheet(C81001, line(opening=15)), worksheet(C81002, line(opening=9)))
    assert openings_falling(q2, q1) == []


def test_openings_falling_after_a_leaver_at_another_home_is_flagged():
    q1 = quarter(
        Q1, worksheet(C81001, line(OAKWOOD, opening=20), line(BIRCHES, opening=5, moved_out=1))
    )
    q2 = quarter(Q2, worksheet(C81001, line(OAKWOOD, opening=18), line(BIRCHES, opening=4)))
    assert [f.home for f in openings_falling(q2, q1)] == [OAKWOOD]


def test_openings_of_a_practice_yet_to_send_its_worksheet_are_not_counted_as_falling():
    q1 = quarter(Q1, worksheet(C81001, line(opening=20)), worksheet(C81002, line(opening=10)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=20)))
    assert openings_falling(q2, q1) == []


def test_openings_of_a_home_dropped_from_a_practices_worksheet_are_flagged_as_falling_to_0():
    q1 = quarter(Q1, worksheet(C81001, line(OAKWOOD, opening=12), line(BIRCHES, opening=3)))
    q2 = quarter(Q2, worksheet(C81001, line(BIRCHES, opening=3)))
    [flag] = openings_falling(q2, q1)
    assert flag.home == OAKWOOD
    assert flag.message.startswith("Oakwood Lodge opened 2019/20 Q2 with 0 patients, down from 12")
    assert flag.message.endswith("(C81001: 12 → 0)")


def test_openings_taken_over_by_a_new_practice_are_not_flagged():
    q1 = quarter(Q1, worksheet(C81001, line(OAKWOOD, opening=12), line(BIRCHES, opening=3)))
    q2 = quarter(
        Q2, worksheet(C81001, line(BIRCHES, opening=3)), worksheet(C81002, line(opening=12))
    )
    assert openings_falling(q2, q1) == []


# -- all three ------------------------------------------------------------------------------------


def test_run_checks_lists_flags_by_kind():
    q1 = quarter(Q1, worksheet(C81001, line(opening=30)))
    q2 = quarter(Q2, worksheet(C81001, line(opening=20, new=30)))  # opening fell, jumped, over beds
    assert [f.kind for f in run_checks(q2, q1, DEFAULT)] == [
        Kind.MORE_PATIENTS_THAN_BEDS,
        Kind.JUMP,
        Kind.OPENINGS_FELL,
    ]
    assert run_checks(q1, quarter(Period(2018, 4)), DEFAULT) == []


def test_kind_count_labels_read_as_plain_english():
    assert Kind.MORE_PATIENTS_THAN_BEDS.count_label(2) == "2 homes with more patients than beds"
    assert Kind.JUMP.count_label(1) == "1 practice whose patients claimed jumped"
    assert Kind.OPENINGS_FELL.count_label(0) == "0 homes whose openings fell although nobody left"
