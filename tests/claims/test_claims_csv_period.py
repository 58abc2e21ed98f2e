"""The claims CSV is one period (issue 18, ADR 0044): the quarter filtered on, else the financial
year asked for, else the latest financial year with claims; never the whole history by default."""

import csv
import io

import pytest
from django.urls import reverse

from claims.models import Quarter
from core.periods import Period
from tests import factories as f
from tests.claims.test_review_pages import signed_in, submit


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officer(commissioner):
    return f.officer(commissioner, username="checker")


@pytest.fixture
def claims(commissioner):
    """Claims of one practice in three financial years, and another commissioner's in 2020/21."""
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(practice=practice, care_home__commissioner=commissioner)
    other = f.PracticeFactory(pcn__commissioner=f.CommissionerFactory(code="02P"))
    f.AgreementFactory(practice=other)
    f.AlignmentFactory(practice=other, care_home__commissioner=other.pcn.commissioner)
    submit(other, period=Period(2021, 1))
    periods = [Period(2018, 4), *(Period(2019, q) for q in (1, 2, 3, 4)), Period(2020, 1)]
    return {period: submit(practice, period=period) for period in periods}


def download(client, **query):
    response = client.get(reverse("review:queue_csv"), {"show": "all", **query})
    return response, list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))


def test_by_default_the_latest_financial_year(client, officer, claims):
    response, rows = download(signed_in(client, officer))
    assert response["Content-Disposition"] == 'attachment; filename="claims-2020-21.csv"'
    assert [r["quarter"] for r in rows] == ["2020/21 Q1"]


def test_a_financial_year_asked_for(client, officer, claims):
    response, rows = download(signed_in(client, officer), year="2019")
    assert response["Content-Disposition"] == 'attachment; filename="claims-2019-20.csv"'
    assert sorted(r["quarter"] for r in rows) == [f"2019/20 Q{q}" for q in (1, 2, 3, 4)]


def test_a_quarter_filtered_on_is_the_period(client, officer, claims):
    quarter = Quarter.objects.get(year=2018, number=4)
    response, rows = download(signed_in(client, officer), quarter=quarter.pk, year="2020")
    assert response["Content-Disposition"] == 'attachment; filename="claims-2018-19-Q4.csv"'
    assert [r["quarter"] for r in rows] == ["2018/19 Q4"]


@pytest.mark.parametrize("asked", ["2021", "1999", "abc", "", "2019/20"])
def test_a_year_without_claims_is_refused_with_the_years_there_are(client, officer, claims, asked):
    client = signed_in(client, officer)
    response = client.get(reverse("review:queue_csv"), {"show": "all", "year": asked})
    assert response.status_code == 302
    assert response["Location"] == reverse("review:queue") + "?show=all"
    page = client.get(response["Location"]).content.decode()
    assert "There are no claims for the financial year" in page
    assert "choose one of 2020/21, 2019/20, 2018/19." in page


def test_the_queue_names_the_period_and_links_the_other_years(client, officer, claims):
    page = signed_in(client, officer).get(reverse("review:queue"), {"show": "all"})
    html = page.content.decode()
    assert "Download CSV of these claims in 2020/21 (every column)" in html
    csv_url = reverse("review:queue_csv")
    assert f'href="{csv_url}?show=all&amp;year=2019">2019/20' in html
    assert f'href="{csv_url}?show=all&amp;year=2018">2018/19' in html
    assert "year=2021" not in html  # another commissioner's year is not offered
