"""One formatter of money and one of dates (core.formatting), used by history rows,
the claim page and the audit pack."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from claims import wording
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.formatting import day, money
from core.periods import LONDON, Period
from reports import accruals, figures
from tests import factories as f


@pytest.mark.parametrize(
    ("pence", "text"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (805200, "£8,052.00"),
        (123456789, "£1,234,567.89"),
        (-12345, "-£123.45"),
        (None, "£0.00"),
    ],
)
def test_money_is_pounds_with_a_sign_and_thousands(pence, text):
    assert money(pence) == text


def test_day_is_the_day_the_month_in_full_and_the_year():
    assert day(datetime.date(2026, 12, 3)) == "3 December 2026"
    # A moment is shown as its London date: 23:30 UTC on 31 May is 1 June in BST.
    moment = datetime.datetime(2026, 5, 31, 23, 30, tzinfo=datetime.UTC)
    assert day(moment) == "1 June 2026"
    assert day(None) == ""


def test_every_money_and_date_helper_is_the_one_formatter():
    assert wording.money is money and figures.money is money
    assert wording.day is day and accruals.day_text is day
    rendered = Template("{% load nhsuk %}{{ p|money }} {{ d|day }}").render(
        Context({"p": 805200, "d": datetime.date(2026, 12, 3)})
    )
    assert rendered == "£8,052.00 3 December 2026"


@pytest.mark.django_db
def test_claim_history_shows_money_as_pounds_with_thousands(client):
    commissioner = f.CommissionerFactory()
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner,
        care_home__beds=200,
        practice__pcn__commissioner=commissioner,
        start_date=datetime.date(2019, 4, 1),
    )
    f.AgreementFactory(practice=alignment.practice)
    quarter = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=alignment.practice,
        quarter=quarter,
        entries={
            alignment.care_home.pk: LineEntry(
                opening=120, new_permanent=8, temporary=4, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
    )
    # 120 × £60 + 8 × £102 + 4 × £60 = £8,256.00, on time.
    assert claim.net_pence == 825600
    client.force_login(f.officer(commissioner))
    page = client.get(reverse("review:claim", args=[claim.pk])).content.decode()
    assert "submitted: net £8,256.00" in page
    assert "net 8256.00" not in page
