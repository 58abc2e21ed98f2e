"""The audits index is bounded (issue 18, ADR 0044): the cases a page at a time, latest year
first, with the filter kept from page to page; the latest draws only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import AuditCase
from audits.services import audit_case_flag, audit_draw
from tests import factories as f


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def auditor(commissioner):
    return f.auditor(commissioner)


def flag(commissioner, count, year=2026):
    for _ in range(count):
        practice = f.PracticeFactory(pcn__commissioner=commissioner)
        audit_case_flag(practice=practice, financial_year=year, reason="Irregular", by=None)


def cases(response) -> list[AuditCase]:
    return list(response.context["cases"])


def test_cases_are_shown_a_page_at_a_time(client, commissioner, auditor):
    flag(commissioner, 27, year=2025)
    flag(commissioner, 3, year=2026)
    f.PracticeFactory(pcn__commissioner=f.CommissionerFactory(code="02P"))
    client.force_login(auditor)
    first = client.get(reverse("audits:index"))
    second = client.get(reverse("audits:index"), {"page": "2"})
    assert len(cases(first)) == 25 and len(cases(second)) == 5
    assert [c.financial_year for c in cases(first)[:3]] == [2026, 2026, 2026]  # latest first
    assert {c.pk for c in cases(first) + cases(second)} == set(
        AuditCase.objects.values_list("pk", flat=True)
    )
    page = first.content.decode()
    assert "Audit cases (1 to 25 of 30)" in page and "Page 1 of 2" in page


def test_the_status_filter_stays_on_every_page(client, commissioner, auditor):
    flag(commissioner, 26)
    client.force_login(auditor)
    page = client.get(reverse("audits:index"), {"status": "open"}).content.decode()
    [next_link] = re.findall(r'href="([^"]*)" rel="next"', page)
    assert "status=open" in next_link and "page=2" in next_link


@pytest.mark.parametrize("asked", ["two", "0", "9"])
def test_a_page_that_is_not_there_shows_a_page_that_is(client, commissioner, auditor, asked):
    flag(commissioner, 26)
    client.force_login(auditor)
    response = client.get(reverse("audits:index"), {"page": asked})
    assert response.status_code == 200 and cases(response)


def test_the_latest_draws_only(client, commissioner, auditor):
    for _ in range(3):
        f.AgreementFactory(
            practice=f.AlignmentFactory(
                care_home__commissioner=commissioner, practice__pcn__commissioner=commissioner
            ).practice
        )
    for seed in range(22):
        audit_draw(commissioner=commissioner, financial_year=2026, count=1, by=None, seed=seed)
    client.force_login(auditor)
    response = client.get(reverse("audits:index"))
    assert len(response.context["draws"]) == 20
    assert "Draws: the latest 20 of 22" in response.content.decode()


def test_the_index_queries_do_not_grow_past_a_page(client, commissioner, auditor):
    flag(commissioner, 2)
    client.force_login(auditor)
    client.get(reverse("audits:index"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("audits:index"))
    flag(commissioner, 30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("audits:index"))
    assert len(cases(response)) == 25 and len(large) == len(small)
