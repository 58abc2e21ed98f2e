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
