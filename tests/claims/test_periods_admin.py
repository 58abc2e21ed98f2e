"""Officers' changes to due dates and tariffs, and the rates a quarter is priced with."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from claims import selectors
from claims.models import Tariff
from claims.periods.services import quarter_set_due_date, tariff_save
from claims.rules import DEFAULT_RATES, Rates
from claims.worksheets.services import quarter_for
from core.periods import Period
from history.models import AuditEvent

D = datetime.date


@pytest.fixture
def q2(db):
    return quarter_for(Period(2019, 2))  # due 14 October 2019


def test_new_quarter_gets_the_default_due_date(q2):
    assert q2.due_date == D(2019, 10, 14)


@pytest.mark.parametrize("today", [D(2019, 10, 1), D(2019, 10, 14)])
def test_due_date_can_move_until_it_passes(q2, today):
    quarter_set_due_date(
        period=q2.period, due_date=D(2019, 10, 21), today=today, by=None, reason="IT outage"
    )
    q2.refresh_from_db()
    assert q2.due_date == D(2019, 10, 21)
    assert AuditEvent.objects.get(action="quarter_set_due_date").reason == "IT outage"


def test_due_date_cannot_move_after_it_passed(q2):
    with pytest.raises(ValidationError, match="has passed"):
        quarter_set_due_date(
            period=q2.period, due_date=D(2019, 10, 30), today=D(2019, 10, 15), by=None
        )
    q2.refresh_from_db()
    assert q2.due_date == D(2019, 10, 14)


def test_due_date_cannot_be_set_in_the_past(q2):
    with pytest.raises(ValidationError, match="in the past"):
        quarter_set_due_date(
            period=q2.period, due_date=D(2019, 10, 2), today=D(2019, 10, 3), by=None
        )


def test_due_date_must_fall_after_the_quarter(q2):
    with pytest.raises(ValidationError, match="after the quarter ends"):
        quarter_set_due_date(
            period=q2.period, due_date=D(2019, 9, 30), today=D(2019, 9, 1), by=None
        )


def test_seeded_tariff_prices_every_later_year(db):
    assert selectors.rates_for(quarter_for(Period(2024, 3))) == DEFAULT_RATES


@pytest.mark.parametrize(("today", "allowed"), [(D(2020, 3, 31), True), (D(2020, 4, 1), False)])
def test_tariff_can_be_set_only_before_its_year_starts(db, today, allowed):
    tariff = Tariff(
        year=2020, new_permanent_pence=10500, continuing_pence=6200, temporary_pence=6200
    )
    if allowed:
        tariff_save(tariff=tariff, today=today, by=None)
        assert selectors.rates_for(quarter_for(Period(2020, 1))) == Rates(10500, 6200, 6200)
        assert selectors.rates_for(quarter_for(Period(2019, 4))) == DEFAULT_RATES
    else:
        with pytest.raises(ValidationError, match="year started on 1 April 2020"):
            tariff_save(tariff=tariff, today=today, by=None)
        assert not Tariff.objects.filter(year=2020).exists()


def test_started_year_tariff_cannot_be_changed(db):
    tariff = Tariff.objects.get(year=2018)
    tariff.continuing_pence = 1
    with pytest.raises(ValidationError):
        tariff_save(tariff=tariff, today=D(2026, 11, 22), by=None)
    assert Tariff.objects.get(year=2018).continuing_pence == 6000
