"""The dashboard's trends are bounded (issue 18, ADR 0044): the five financial years to the year
chosen, however long the history."""

import datetime

import pytest
from django.urls import reverse

from accounts.access import scope_for
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from reports import dashboard
from tests import factories as f


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def history(commissioner):
    """One practice's Q1 worksheet in each of eight financial years, 2018/19 to 2025/26 (each
    year's Q2 to Q4 too, so every Q1 carries forward)."""
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(
        practice=practice,
        care_home__commissioner=commissioner,
        start_date=datetime.date(2018, 4, 1),
    ).care_home
    for year in range(2018, 2026):
        for number in (1, 2, 3, 4):
            quarter = quarter_for(Period(year, number))
            worksheet_submit(
                practice=practice,
                quarter=quarter,
                entries={
                    home.pk: LineEntry(
                        opening=10 if (year, number) == (2018, 1) else None,
                        new_permanent=0,
                        temporary=0,
                        moved_out=0,
                        died=0,
                    )
                },
                by=None,
                submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
            )
    return practice


def years(figure) -> list[str]:
    return [row[0] for row in figure.rows]


def test_trends_are_the_five_years_to_the_latest_by_default(commissioner, history):
    figure = dashboard.trends(scope_for(f.officer(commissioner)))
    assert years(figure) == ["2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
    assert figure.title == "Trends over the 5 financial years to 2025/26"


def test_trends_end_at_the_year_chosen(client, commissioner, history):
    officer = f.officer(commissioner)
    assert years(dashboard.trends(scope_for(officer), 2020)) == [
        "2018/19",
        "2019/20",
        "2020/21",
    ]
    client.force_login(officer)
    response = client.get(reverse("reports:dashboard_csv", args=["trends"]), {"year": 2023})
    lines = response.content.decode().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [
        "2019/20",
        "2020/21",
        "2021/22",
        "2022/23",
        "2023/24",
    ]
