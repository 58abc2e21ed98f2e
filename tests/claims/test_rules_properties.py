"""Property tests of the payment and carry-forward rules (hypothesis)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from claims.rules import DEFAULT_RATES, Line, calculate_payment, check_line, line_gross
from core.periods import LONDON

counts = st.integers(min_value=0, max_value=500)


@st.composite
def quarter_movements(draw, opening):
    new_permanent = draw(counts)
    present = opening + new_permanent
    moved_out = draw(st.integers(min_value=0, max_value=present))
    died = draw(st.integers(min_value=0, max_value=present - moved_out))
    return Line(opening, new_permanent, draw(counts), moved_out, died, draw(counts))


@given(st.integers(min_value=0, max_value=500), st.data())
def test_carry_forward_chain_over_any_sequence_of_quarters(baseline, data):
    """Each closing is the next opening, and after any run of quarters the head-count equals the
    baseline plus everyone who arrived less everyone who left."""
    opening, arrived, left = baseline, 0, 0
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        line = data.draw(quarter_movements(opening))
        assert check_line(line, beds=10_000) == []
        assert line.closing >= 0
        arrived += line.new_permanent
        left += line.moved_out + line.died
        opening = line.closing
    assert opening == baseline + arrived - left


def test_patient_who_arrives_and_stays_a_year_earns_exactly_282_pounds():
    year = [Line(0, 1, 0, 0, 0)] + [Line(1, 0, 0, 0, 0)] * 3
    assert sum(line_gross(line, DEFAULT_RATES) for line in year) == 28200


@given(st.integers(min_value=0, max_value=3))
def test_patient_arriving_in_any_quarter_earns_282_over_their_first_four_quarters(offset):
    chain, opening = [], 0
    for quarter in range(4 + offset):
        line = Line(opening, 1 if quarter == offset else 0, 0, 0, 0)
        chain.append(line)
        opening = line.closing
    assert sum(line_gross(line, DEFAULT_RATES) for line in chain[offset : offset + 4]) == 28200


moments = st.datetimes(
    min_value=datetime.datetime(2019, 7, 1),
    max_value=datetime.datetime(2019, 9, 30),
    timezones=st.just(LONDON),
)


@given(st.lists(quarter_movements(10), min_size=1, max_size=5), moments, st.booleans())
def test_net_never_exceeds_gross_nor_falls_below_zero(lines, moment, waived):
    payment = calculate_payment(
        lines,
        rates=DEFAULT_RATES,
        due_date=datetime.date(2019, 7, 14),
        first_submitted_at=moment,
        waived=waived,
    )
    assert 0 <= payment.net <= payment.gross
    assert payment.net + payment.deduction == payment.gross


@given(
    st.lists(quarter_movements(10), min_size=1, max_size=5), st.integers(0, 60), st.integers(0, 60)
)
def test_deduction_never_falls_as_lateness_rises(lines, a, b):
    due = datetime.date(2019, 7, 14)

    def deduction(days):
        moment = datetime.datetime.combine(
            due + datetime.timedelta(days=days), datetime.time(12), LONDON
        )
        return calculate_payment(
            lines, rates=DEFAULT_RATES, due_date=due, first_submitted_at=moment
        ).deduction

    earlier, later = sorted((a, b))
    assert deduction(earlier) <= deduction(later)
