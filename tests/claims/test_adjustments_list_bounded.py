"""The adjustments list is bounded (issue 18, ADR 0044): a page at a time, most recent first,
and its queries do not grow past a page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.payments.adjustments import adjustment_raise
from tests.claims.test_adjustment_pages import paid, people  # noqa: F401 (fixtures)


def raise_many(officers, claim, count):
    return [
        adjustment_raise(
            claim=claim,
            amount_pence=-(100 + n),
            reason="other",
            explanation=f"n{n}",
            by=officers["one"],
        )
        for n in range(count)
    ]


def shown(response):
    return [adjustment for adjustment, _amount in response.context["adjustments"]]


def test_adjustments_are_listed_a_page_at_a_time(client, people, paid):  # noqa: F811
    raised = raise_many(people, paid, 27)
    client.force_login(people["one"])
    first = client.get(reverse("adjustments:list"))
    second = client.get(reverse("adjustments:list"), {"page": "2"})
    assert len(shown(first)) == 25 and len(shown(second)) == 2
    assert [a.pk for a in shown(first) + shown(second)] == [a.pk for a in reversed(raised)]
    page = first.content.decode()
    assert "(1 to 25 of 27)" in page and "Page 1 of 2" in page


@pytest.mark.parametrize("asked", ["z", "0", "5"])
def test_a_page_that_is_not_there_shows_a_page_that_is(client, people, paid, asked):  # noqa: F811
    raise_many(people, paid, 26)
    client.force_login(people["one"])
    response = client.get(reverse("adjustments:list"), {"page": asked})
    assert response.status_code == 200 and shown(response)


def test_the_lists_queries_do_not_grow_past_a_page(client, people, paid):  # noqa: F811
    raise_many(people, paid, 2)
    client.force_login(people["one"])
    client.get(reverse("adjustments:list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("adjustments:list"))
    raise_many(people, paid, 30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("adjustments:list"))
    assert len(shown(response)) == 25 and len(large) == len(small)
