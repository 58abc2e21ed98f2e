"""core/money.py: the one half-up rounding and the one way pence are written as pounds."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from core.formatting import money
from core.money import pounds, round_half_up


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),  # a half goes away from zero, as Decimal's ROUND_HALF_UP
        (Fraction(4999, 10000), 0),
        (Decimal("0.5"), 1),
        (Decimal("1234.4999"), 1234),
        (7, 7),
    ],
)
def test_round_half_up_to_a_whole_number(amount, expected):
    result = round_half_up(amount)
    assert result == expected and type(result) is int


def test_round_half_up_to_places_gives_a_decimal_with_that_many_places():
    assert str(round_half_up(Fraction(1, 3) * 100, 1)) == "33.3"
    assert str(round_half_up(Fraction(1, 8) * 100, 1)) == "12.5"
    assert str(round_half_up(Fraction(1, 16) * 100, 1)) == "6.3"  # 6.25 → 6.3, not 6.2
    assert str(round_half_up(Fraction(-1, 16) * 100, 1)) == "-6.3"
    assert str(round_half_up(50, 1)) == "50.0"


@pytest.mark.parametrize("previous", [1, 3, 7, 8, 16, 40, 333])
def test_round_half_up_agrees_with_decimal_quantize(previous):
    for change in range(-2 * previous, 2 * previous + 1):
        expected = (Decimal(change) * 100 / previous).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
        assert round_half_up(Fraction(change, previous) * 100, 1) == expected


@pytest.mark.parametrize(
    ("pence", "plain", "on_a_page"),
    [
        (0, "0.00", "£0.00"),
        (5, "0.05", "£0.05"),
        (72600, "726.00", "£726.00"),
        (805200, "8052.00", "£8,052.00"),
        (-12345, "-123.45", "-£123.45"),
    ],
)
def test_pounds_in_files_and_money_on_a_page(pence, plain, on_a_page):
    assert pounds(pence) == plain
    assert money(pence) == on_a_page
