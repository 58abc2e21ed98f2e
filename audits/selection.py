"""Choosing practices for audit at random (specification 4.3), so that anyone can repeat the draw
and get the same practices: pure, no ORM or clock.

A draw is fixed by three things, all stored with it: the seed, the sorted list of eligible
practices (their ODS codes) and how many were asked for. ``draw`` shuffles with Python's
``random.Random(seed)`` (the Mersenne Twister, whose sequence for a seed is the same on every
platform and Python 3 version) and takes the first ``count``."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from decimal import Decimal

from core.money import round_half_up


def new_seed() -> int:
    """A fresh seed from the operating system's randomness: nobody chooses it."""
    return secrets.randbelow(2**63)


def how_many(eligible: int, *, count: int | None = None, percent: Decimal | None = None) -> int:
    """The number to draw: ``count`` as asked, or ``percent`` of the eligible rounded half-up, at
    least one when there is anyone to draw; never more than are eligible."""
    if (count is None) == (percent is None):
        raise ValueError("Ask for a number of practices or a percentage, not both.")
    if count is not None:
        wanted = count
    else:
        wanted = round_half_up(Decimal(eligible) * percent / 100)
        wanted = max(wanted, 1 if eligible and percent > 0 else 0)
    return max(0, min(wanted, eligible))


def draw(eligible: Iterable[str], count: int, seed: int) -> list[str]:
    """The practices drawn, in the order drawn. The same eligible codes, count and seed always give
    the same list, whatever order the codes come in."""
    pool = sorted(set(eligible))
    if not 0 <= count <= len(pool):
        raise ValueError(f"Cannot draw {count} of {len(pool)} practices.")
    return random.Random(seed).sample(pool, count)
