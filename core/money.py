"""Money and rounding: the one half-up rounding and the one way pence are written as pounds.

Pure: no ORM, request or clock. Money is integer pence; an amount that is not a whole number of
pence (a percentage of one, a share of beds) is worked out exactly (``Fraction`` or ``Decimal``,
never a float) and rounded once, half-up: a half rounds away from zero (2.5 → 3, -2.5 → -3), never
to even.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Pence = int


def round_half_up(amount: Fraction | Decimal | int, places: int = 0) -> int | Decimal:
    """``amount`` rounded half-up (a half away from zero) to ``places`` decimal places.

    With ``places=0`` (pence, a number of practices) the result is an ``int``; with more it is a
    ``Decimal`` with exactly that many places (``round_half_up(Fraction(1, 3) * 100, 1)`` →
    ``Decimal("33.3")``). The amount is taken exactly, whatever its type."""
    exact = Fraction(amount) * 10**places
    whole = (2 * abs(exact.numerator) + exact.denominator) // (2 * exact.denominator)
    whole = -whole if exact < 0 else whole
    return whole if places == 0 else Decimal(whole).scaleb(-places)


def pounds(pence: Pence, *, symbol: str = "", thousands: bool = False) -> str:
    """Integer pence as pounds with two decimals: ``-12345`` → ``-123.45``, or with ``symbol="£"``
    and ``thousands=True`` → ``-£123.45`` (``805200`` → ``£8,052.00``)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{symbol}{whole:{',' if thousands else ''}}.{part:02d}"
