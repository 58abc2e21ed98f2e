"""The coverage page is bounded (issue 18, ADR 0044): a page of homes at a time, "only homes
with gaps" kept from page to page, the summary counting every home, and the sitrep CSV every
home in scope."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from tests.carehomes.test_coverage import aligned_home, covered_home


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officer(commissioner):
    return f.officer(commissioner)


@pytest.fixture
def homes(commissioner):
    """31 homes: 28 with a gap, 3 covered."""
    gaps = [aligned_home(commissioner, name=f"Gap Home {n:02d}") for n in range(28)]
    covered = [covered_home(commissioner, name=f"Covered Home {n}") for n in range(3)]
    return gaps, covered


def names(response) -> list[str]:
    return [row.care_home.name for row in response.context["rows"]]


def test_coverage_is_shown_a_page_at_a_time(client, officer, homes):
    client.force_login(officer)
    first = client.get(reverse("carehomes:coverage"))
    second = client.get(reverse("carehomes:coverage"), {"page": "2"})
    assert len(names(first)) == 25 and len(names(second)) == 6
    assert set(names(first) + names(second)) == {h.name for h in homes[0] + homes[1]}
    for response in (first, second):
        page = response.content.decode()
        assert "28 of 31 homes have a gap." in page  # the summary counts every home
        assert "Every care home (31)" in page
    assert "Page 1 of 2" in first.content.decode() and 'rel="next"' in first.content.decode()


def test_only_homes_with_gaps_stays_on_every_page(client, officer, homes):
    client.force_login(officer)
    first = client.get(reverse("carehomes:coverage"), {"gaps": "only"})
    page = first.content.decode()
    [next_link] = re.findall(r'href="([^"]*)" rel="next"', page)
    assert "gaps=only" in next_link and "page=2" in next_link
    second = client.get(reverse("carehomes:coverage") + next_link.replace("&amp;", "&"))
    shown = names(first) + names(second)
    assert len(names(first)) == 25 and len(shown) == 28
    assert all(name.startswith("Gap Home") for name in shown)
    assert all(row.has_gap for row in second.context["rows"])


@pytest.mark.parametrize("asked", ["x", "0", "40", "-3"])
def test_a_page_that_is_not_there_shows_a_page_that_is(client, officer, homes, asked):
    client.force_login(officer)
    response = client.get(reverse("carehomes:coverage"), {"page": asked})
    assert response.status_code == 200 and names(response)


def test_the_sitrep_has_every_home_in_scope_whatever_the_page(client, officer, homes):
    other = aligned_home(f.CommissionerFactory(code="02P"), name="Another ICB's Home")
    client.force_login(officer)
    response = client.get(reverse("carehomes:coverage_sitrep"), {"page": "2"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 31 and other.name not in {r["name"] for r in rows}


def test_the_pages_queries_do_not_grow_past_a_page(client, commissioner, officer):
    for n in range(2):
        aligned_home(commissioner, name=f"Home {n}")
    client.force_login(officer)
    client.get(reverse("carehomes:coverage"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("carehomes:coverage"))
    for n in range(2, 40):
        aligned_home(commissioner, name=f"Home {n:02d}")
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("carehomes:coverage"))
    assert len(names(response)) == 25
    assert len(large) == len(small)
