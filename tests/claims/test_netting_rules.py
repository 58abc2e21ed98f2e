"""Netting adjustments against claims and carrying a negative balance (claims.rules.net_practice,
docs/adr/0022), at their edges."""

import pytest

from claims.rules import net_practice


def test_net_practice_nothing_at_all_pays_and_carries_nothing():
    assert net_practice([], [], 0) == (0, 0)


def test_net_practice_claims_only_pays_their_sum():
    assert net_practice([72600, 12000], [], 0) == (84600, 0)


def test_net_practice_recovery_exactly_cancelling_pays_nothing_and_carries_nothing():
    assert net_practice([72600], [-72600], 0) == (0, 0)


def test_net_practice_one_penny_short_of_cancelling_pays_one_penny():
    assert net_practice([72600], [-72599], 0) == (1, 0)


def test_net_practice_one_penny_over_carries_one_penny():
    assert net_practice([72600], [-72601], 0) == (0, -1)


def test_net_practice_negative_carried_over_two_runs():
    # Run 1: a £1,000 recovery against a £300 claim: nothing paid, £700 carried.
    first = net_practice([30000], [-100000], 0)
    assert first == (0, -70000)
    # Run 2: a £400 claim is not enough: nothing paid, £300 still carried.
    second = net_practice([40000], [], first[1])
    assert second == (0, -30000)
    # Run 3: a £500 claim clears it and pays the £200 left.
    assert net_practice([50000], [], second[1]) == (20000, 0)


def test_net_practice_balance_carried_through_a_run_with_nothing_else():
    assert net_practice([], [], -30000) == (0, -30000)


def test_net_practice_positive_underpayment_alone_is_paid():
    assert net_practice([], [4550], 0) == (4550, 0)


def test_net_practice_adjustments_both_ways_net_with_each_other():
    assert net_practice([10000], [-2500, 1000], -500) == (8000, 0)


@pytest.mark.parametrize(
    ("claims", "adjustments", "brought"),
    [([1, 2, 3], [-10, 4], 0), ([100], [-50], -60), ([], [-1], 0), ([5], [], -5)],
)
def test_net_practice_payable_plus_carried_is_everything_netted(claims, adjustments, brought):
    payable, carried = net_practice(claims, adjustments, brought)
    assert payable >= 0 >= carried and (payable == 0 or carried == 0)
    assert payable + carried == sum(claims) + sum(adjustments) + brought


def test_net_practice_refuses_a_negative_claim_or_a_credit_brought_forward():
    with pytest.raises(ValueError, match="never negative"):
        net_practice([-1], [], 0)
    with pytest.raises(ValueError, match="money owed"):
        net_practice([], [], 1)
