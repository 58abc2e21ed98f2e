"""core.links.url_for_each gives what reverse gives, reversed once for many rows."""

import pytest
from django.urls import reverse

from core.links import url_for_each


@pytest.mark.parametrize(
    "name", ["review:claim", "adjustments:detail", "notices:detail", "payment_runs:run"]
)
@pytest.mark.parametrize("key", [1, 42, 8205173946, 10**12])
def test_url_for_each_is_reverse(name, key):
    assert url_for_each(name)(key) == reverse(name, args=[key])


@pytest.mark.parametrize("ods_code, pk", [("B00042", 7), ("C87001", 8205173946)])
def test_url_for_each_with_two_keys_is_reverse(ods_code, pk):
    url = url_for_each("payment_runs:remittance_advice", keys=2)
    assert url(ods_code, pk) == reverse("payment_runs:remittance_advice", args=[ods_code, pk])


def test_url_for_each_refuses_the_wrong_number_of_keys():
    with pytest.raises(ValueError):
        url_for_each("payment_runs:remittance_advice", keys=2)("B00042")
