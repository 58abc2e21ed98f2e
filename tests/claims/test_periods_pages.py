import datetime

import pytest
from django.urls import reverse

from claims.models import DueDateExtension, Quarter, Tariff
from tests import factories as f


@pytest.fixture
def officer(db):
    return f.officer()


@pytest.fixture
def administrator(db):
    """The scheme-wide defaults (due dates, tariffs) are the administrators' (ADR 0043)."""
    return f.administrator()


@pytest.fixture
def today(monkeypatch):
    day = datetime.date(2019, 10, 10)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def test_periods_page_lists_quarters_tariff_and_bands(client, officer, today):
    client.force_login(officer)
    page = client.get(reverse("periods:index")).content.decode()
    for text in (
        "2019/20 Q3",
        "14 January 2020",
        "2019/20 Q4",
        "102.00",
        "60.00",
        "8 to 14",
        "Deferred",
    ):
        assert text in page
    assert not Quarter.objects.exists()  # looking writes nothing


def test_administrator_moves_a_due_date_with_a_reason(client, administrator, today):
    client.force_login(administrator)
    url = reverse("periods:due_date", kwargs={"quarter": "2019-20-Q2"})
    response = client.post(url, {"due_date": "2019-10-21", "reason": "Clinical system outage"})
    assert response.status_code == 302
    assert Quarter.objects.get(year=2019, number=2).due_date == datetime.date(2019, 10, 21)


def test_due_date_in_the_past_refused_and_nothing_written(client, administrator, today):
    client.force_login(administrator)
    url = reverse("periods:due_date", kwargs={"quarter": "2019-20-Q2"})
    response = client.post(url, {"due_date": "2019-10-01", "reason": "x"})
    assert response.status_code == 200
    assert "cannot be in the past" in response.content.decode()
    assert not Quarter.objects.exists()


def test_unknown_quarter_slug_is_404(client, administrator, today):
    client.force_login(administrator)
    assert client.get("/periods/quarters/2019-21-Q2/due-date/").status_code == 404


def test_administrator_adds_next_years_tariff_in_pounds(client, administrator, today):
    client.force_login(administrator)
    response = client.post(
        reverse("periods:tariff_create"),
        {"year": "2020", "new_permanent": "104.50", "continuing": "61.25", "temporary": "61.25"},
    )
    assert response.status_code == 302
    tariff = Tariff.objects.get(year=2020)
    assert (tariff.new_permanent_pence, tariff.continuing_pence) == (10450, 6125)


def test_started_years_tariff_refused(client, administrator, today):
    client.force_login(administrator)
    response = client.post(
        reverse("periods:tariff_edit", kwargs={"year": 2018}),
        {"year": "2018", "new_permanent": "1.00", "continuing": "1.00", "temporary": "1.00"},
    )
    assert response.status_code == 200
    assert "year started" in response.content.decode()
    assert Tariff.objects.get(year=2018).new_permanent_pence == 10200


def test_officer_may_not_change_the_default_due_date(client, officer, today):
    client.force_login(officer)
    url = reverse("periods:due_date", kwargs={"quarter": "2019-20-Q3"})
    response = client.post(url, {"due_date": "2020-01-21", "reason": "Outage"})
    assert response.status_code == 403
    assert not Quarter.objects.exists()


def test_officer_extends_a_due_date_for_their_practices(client, officer, today):
    client.force_login(officer)
    index = client.get(reverse("periods:index")).content.decode()
    url = reverse("periods:extend", kwargs={"quarter": "2019-20-Q3"})
    assert url in index
    form = client.get(url).content.decode()
    assert "The default due date is 14 January 2020" in form
    response = client.post(url, {"due_date": "2020-01-21", "reason": "Clinical system outage"})
    assert response.status_code == 302
    extension = DueDateExtension.objects.get()
    assert (extension.commissioner_id, extension.due_date, extension.set_by) == (
        officer.commissioner_id,
        datetime.date(2020, 1, 21),
        officer,
    )
    assert Quarter.objects.get(year=2019, number=3).due_date == datetime.date(2020, 1, 14)
    index = client.get(reverse("periods:index")).content.decode()
    assert "21 January 2020 (extended)" in index


def test_officer_extension_before_the_default_refused_and_nothing_written(client, officer, today):
    client.force_login(officer)
    url = reverse("periods:extend", kwargs={"quarter": "2019-20-Q3"})
    response = client.post(url, {"due_date": "2020-01-10", "reason": "Earlier"})
    assert response.status_code == 200
    assert "cannot be before the default due date (14 January 2020)" in response.content.decode()
    assert not DueDateExtension.objects.exists()
