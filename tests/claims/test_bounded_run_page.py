"""The payment run page is bounded (issue 18, ADR 0044): its practices, claims and adjustments
are shown a page at a time, its totals are those of the whole run (equal to the sum of every
page), and the number of queries does not grow with the run."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Remittance
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check
from core.formatting import money
from core.periods import Period
from tests import factories as f
from tests.claims.test_payment_run_pages import practice_of, submit

D = datetime.date
PER_PAGE = 25


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return f.officer(commissioner, username="checker"), f.officer(commissioner, username="approver")


@pytest.fixture
def approve(officers):
    def approve(claim):
        return claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])

    return approve


def close(commissioner, run_date):
    run = payment_run_create(backdated=True, commissioner=commissioner, run_date=run_date, by=None)
    return payment_run_close(run=f.authorised(run), by=None)


def get(client, officer, run, **query):
    client.force_login(officer)
    return client.get(reverse("payment_runs:run", args=[run.pk]), query)


def amounts(response) -> list[int]:
    return [row.amount_pence for row in response.context["totals"]]


def table_rows(response) -> list:
    return list(response.context["claims_table"].page.object_list.data)


@pytest.fixture
def big_run(commissioner, approve):
    """A closed run of 30 practices (one claim each), and the run before it of 2."""
    practices = [practice_of(commissioner, f"Practice {n:02d}") for n in range(30)]
    for practice in practices[:2]:
        approve(submit(practice))
    small = close(commissioner, D(2019, 8, 1))
    for practice in practices[2:]:
        approve(submit(practice, period=Period(2019, 2), opening=10 + practices.index(practice)))
    return small, close(commissioner, D(2019, 11, 1))


def test_a_big_run_is_shown_a_page_at_a_time_with_the_whole_runs_totals(client, officers, big_run):
    _small, run = big_run
    first = get(client, officers[0], run)
    page = first.content.decode()
    assert len(first.context["totals"]) == PER_PAGE and len(table_rows(first)) == PER_PAGE
    assert "Page 1 of 2" in page and 'rel="next"' in page
    assert "practices 1 to 25 of 28" in page
    second = get(client, officers[0], run, **{"practices-page": 2, "claims-page": 2})
    assert len(second.context["totals"]) == 3 and len(table_rows(second)) == 3
    # The totals stated are the whole run's, and equal the sum of every page.
    paid = sorted(Remittance.objects.filter(payment_run=run).values_list("amount_pence", flat=True))
    assert sorted(amounts(first) + amounts(second)) == paid
    total = money(sum(paid))
    assert f"<strong>{total}</strong>: 28 claims for 28 practices" in page
    assert re.search(
        rf"Total of the run</th>\s*<td[^>]*>28 claims</td>.*?{re.escape(total)}", page, re.S
    )
    # Every claim is on exactly one page of the claims table.
    claims = table_rows(first) + table_rows(second)
    assert {c.pk for c in claims} == set(run.claims.values_list("pk", flat=True))


@pytest.mark.parametrize("asked", ["abc", "0", "-1", "99", "2.5"])
def test_a_page_that_is_not_there_shows_a_page_that_is(client, officers, big_run, asked):
    _small, run = big_run
    response = get(client, officers[0], run, **{"practices-page": asked, "claims-page": asked})
    assert response.status_code == 200
    assert len(response.context["totals"]) in (PER_PAGE, 3) and table_rows(response)


def test_the_run_pages_queries_do_not_grow_with_the_run(client, officers, big_run):
    small, big = big_run
    counts = []
    for run in (small, big, small):
        get(client, officers[0], run)  # the session and caches warm
        with CaptureQueriesContext(connection) as captured:
            response = get(client, officers[0], run)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] == counts[2]


def test_an_open_run_previews_a_page_at_a_time_and_totals_the_whole_run(
    client, officers, commissioner, approve
):
    for n in range(27):
        approve(submit(practice_of(commissioner, f"Practice {n:02d}"), opening=5 + n))
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    first = get(client, officers[0], run)
    second = get(client, officers[0], run, **{"practices-page": "2"})
    assert len(first.context["totals"]) == PER_PAGE and len(second.context["totals"]) == 2
    whole = sum(amounts(first) + amounts(second))
    assert first.context["counts"].total_pence == whole
    assert f"<strong>{money(whole)}</strong>: 27 claims for 27 practices" in first.content.decode()
