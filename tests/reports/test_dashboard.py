"""The officers' dashboard: every figure equals sums worked out here, independently, from the same
claims; downloads carry the same rows; query counts stay put as claims grow."""

import csv
import datetime
import io
import random

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Worksheet
from claims.review.services import claim_approve, claim_check, claim_reject, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history import generation
from reports import dashboard
from reports.figures import Figure
from tests import factories as f

APPROVED_FOR_PAYMENT = {"approved", "scheduled", "paid"}


def band_name(days: int) -> str:
    """SPEC §6 written out by hand: the default late bands."""
    if days == 0:
        return "On time"
    if days <= 7:
        return "1–7 days late"
    if days <= 14:
        return "8–14 days late"
    if days <= 21:
        return "15–21 days late"
    return "22 or more days late"


def _practice(commissioner, pcn, beds=60):
    alignment = f.AlignmentFactory(
        practice__pcn=pcn, care_home__commissioner=commissioner, care_home__beds=beds
    )
    f.AgreementFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


def _submit(practice, home, period, *, days_late, opening, new=0, temporary=0):
    quarter = quarter_for(period)
    moment = datetime.datetime.combine(
        quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
    )
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(
                opening=opening, new_permanent=new, temporary=temporary, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=moment,
    )


def _decide(claim, status, checker, approver):
    """Take the claim to ``status`` through the review services (two officers approve)."""
    if status == "approved":
        claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    elif status == "rejected":
        claim_reject(claim=claim, by=checker, reason="Not aligned in the quarter")


def build_claims(commissioner, pcns, practices_per_pcn, seed=7):
    """Practices in each PCN claiming 2018/19 Q4 and 2019/20 Q1–Q2 with mixed lateness and status;
    one practice per PCN never sends Q2. Deterministic for a seed."""
    rng = random.Random(seed)
    officer, approver = f.officer(commissioner), f.officer(commissioner)
    late = 0
    for pcn in pcns:
        for index in range(practices_per_pcn):
            practice, home = _practice(commissioner, pcn)
            opening = rng.randint(1, 30)
            for period in (Period(2018, 4), Period(2019, 1), Period(2019, 2)):
                if period == Period(2019, 2) and index == 0:
                    continue  # owed, never sent
                new = rng.randint(0, 3)
                claim = _submit(
                    practice,
                    home,
                    period,
                    days_late=rng.choice([0, 0, 1, 7, 8, 14, 15, 21, 22, 40]),
                    opening=opening,
                    new=new,
                    temporary=rng.randint(0, 2),
                )
                opening += new  # carried forward: nobody leaves
                late += bool(claim.days_late)
                if claim.days_late and late % 3 == 1:  # every third late claim is waived
                    claim_waive(claim=claim, by=officer, reason="Clinical system outage")
                status = rng.choice(["submitted", "approved", "approved", "rejected"])
                _decide(claim, status, officer, approver)


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def world(commissioner):
    pcns = [
        f.PCNFactory(commissioner=commissioner, name="Alpha PCN"),
        f.PCNFactory(commissioner=commissioner, name="Beta PCN"),
    ]
    build_claims(commissioner, pcns, practices_per_pcn=3)
    # Another commissioner's claims never count.
    other = f.CommissionerFactory(code="02P")
    build_claims(other, [f.PCNFactory(commissioner=other, name="Gamma PCN")], 2, seed=9)
    return commissioner


def _own_claims(commissioner, year=None):
    claims = Worksheet.objects.filter(practice__pcn__commissioner=commissioner).select_related(
        "practice__pcn", "quarter"
    )
    if year is not None:
        claims = claims.filter(quarter__year=year)
    return list(claims.prefetch_related("lines"))


def _scope(user):
    from accounts.access import scope_for

    return scope_for(user)


def test_submissions_figure_counts_each_band_and_the_missing(world):
    figure = dashboard.submissions(_scope(f.officer(world)), 2019)
    columns = [c.label for c in figure.columns]
    claims = _own_claims(world, 2019)
    for row in figure.rows:
        in_quarter = [c for c in claims if c.quarter.label == row[0]]
        for label, value in zip(columns[1:-1], row[1:-1], strict=True):
            assert value == sum(1 for c in in_quarter if band_name(c.days_late) == label), (
                row[0],
                label,
            )
    by_label = {row[0]: row for row in figure.rows}
    assert by_label["2019/20 Q1"][-1] == 0
    assert by_label["2019/20 Q2"][-1] == 2  # one practice in each PCN never sent Q2
    assert [row[0] for row in figure.rows] == ["2019/20 Q1", "2019/20 Q2"]


def test_spend_by_pcn_is_the_net_of_claims_approved_for_payment(world):
    figure = dashboard.spend_by_pcn(_scope(f.officer(world)), 2019)
    claims = _own_claims(world, 2019)
    assert [row[0] for row in figure.rows] == ["Alpha PCN", "Beta PCN"]
    for row in figure.rows:
        mine = [c for c in claims if c.practice.pcn.name == row[0]]
        for number in (1, 2, 3, 4):
            assert row[number] == sum(
                c.net_pence
                for c in mine
                if c.quarter.number == number and c.status in APPROVED_FOR_PAYMENT
            )
        assert row[5] == sum(c.net_pence for c in mine if c.status in APPROVED_FOR_PAYMENT)


def test_trends_sum_every_year_of_the_commissioners_claims(world):
    figure = dashboard.trends(_scope(f.officer(world)))
    claims = _own_claims(world)
    assert [row[0] for row in figure.rows] == ["2018/19", "2019/20"]
    for row in figure.rows:
        year = int(row[0][:4])
        mine = [c for c in claims if c.quarter.year == year]
        assert row[1] == len({c.practice_id for c in mine})
        assert row[2] == sum(
            line.opening + line.new_permanent + line.temporary
            for c in mine
            for line in c.lines.all()
        )
        assert row[3] == sum(c.gross_pence for c in mine)
        assert row[4] == sum(c.deduction_pence for c in mine)
        assert row[5] == sum(c.net_pence for c in mine if c.status in APPROVED_FOR_PAYMENT)


def test_deductions_and_waivers_figure_counts_the_deduction_each_waiver_gave_up(world):
    figure = dashboard.deductions_and_waivers(_scope(f.officer(world)), 2019)
    claims = _own_claims(world, 2019)
    assert any(c.waived for c in claims), "the seeded data should include a waiver"
    for row in figure.rows:
        mine = [c for c in claims if c.quarter.label == row[0]]
        assert row[1] == sum(1 for c in mine if c.days_late > 0)
        assert row[2] == sum(c.deduction_pence for c in mine)
        assert row[3] == sum(1 for c in mine if c.waived)
        # The band's percentage of the gross, half-up to the penny, written out here.
        assert row[4] == sum(
            (c.gross_pence * int(c.band_deduction_percent * 100) + 5000) // 10000
            for c in mine
            if c.waived
        )


def test_dashboard_page_shows_each_figure_as_a_chart_and_a_table(client, world):
    client.force_login(f.officer(world))
    response = client.get(reverse("reports:dashboard"), {"year": 2019})
    assert response.status_code == 200
    html = response.content.decode()
    for slug in dashboard.FIGURES:
        assert f'id="{slug}-title"' in html
        assert f'aria-labelledby="{slug}-title {slug}-summary"' in html
    assert html.count('<div class="app-chart">') == len(dashboard.FIGURES)
    assert "Gamma PCN" not in html
    figure = dashboard.spend_by_pcn(_scope(f.officer(world)), 2019)
    assert figure.summary in html


def test_dashboard_names_a_year_without_claims_and_shows_the_latest(client, world):
    client.force_login(f.officer(world))
    response = client.get(reverse("reports:dashboard"), {"year": "1999"})
    assert response.status_code == 200
    assert "There are no claims for the financial year “1999”" in response.content.decode()
    assert response.context["year"] == 2019


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("slug", list(dashboard.FIGURES))
def test_figure_csv_and_xlsx_carry_the_same_rows_as_the_page(client, world, slug):
    user = f.officer(world)
    client.force_login(user)
    figure: Figure = dashboard.FIGURES[slug](_scope(user), 2019)
    expected = [[str(cell) for cell in row] for row in figure.export_rows()]
    response = client.get(reverse("reports:dashboard_csv", args=[slug]), {"year": 2019})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="{slug}-2019-20-')
    assert _csv_rows(response) == expected
    response = client.get(reverse("reports:dashboard_xlsx", args=[slug]), {"year": 2019})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    from_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(c) for c in from_xlsx[0]] == expected[0]
    assert len(from_xlsx) == len(expected)
    money = [i for i, c in enumerate(figure.columns) if c.kind == "money"]
    for got, want in zip(from_xlsx[1:], figure.rows, strict=True):
        for i in money:
            assert round(got[i] * 100) == want[i]


def test_figure_download_of_an_unknown_figure_is_not_found(client, world):
    client.force_login(f.officer(world))
    assert client.get(reverse("reports:dashboard_csv", args=["salaries"])).status_code == 404


def test_figure_csv_neutralises_a_pcn_name_that_looks_like_a_formula(client, commissioner):
    pcn = f.PCNFactory(commissioner=commissioner, name='=HYPERLINK("http://x")')
    practice, home = _practice(commissioner, pcn)
    claim = _submit(practice, home, Period(2019, 1), days_late=0, opening=4)
    officer = f.officer(commissioner)
    _decide(claim, "approved", officer, f.officer(commissioner))
    client.force_login(officer)
    rows = _csv_rows(client.get(reverse("reports:dashboard_csv", args=["spend-by-pcn"])))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    response = client.get(reverse("reports:dashboard_xlsx", args=["spend-by-pcn"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"


def test_figure_xlsx_has_a_bold_header_named_sheet_and_pounds_formatted(client, world):
    client.force_login(f.officer(world))
    response = client.get(reverse("reports:dashboard_xlsx", args=["spend-by-pcn"]), {"year": 2019})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert "/" not in sheet.title and len(sheet.title) <= 31
    assert all(cell.font.bold for cell in sheet[1] if cell.value is not None)
    numbers = [
        c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, int | float)
    ]
    assert numbers  # every number of this figure is money: Q1–Q4 and the year, in pounds
    assert {c.number_format for c in numbers} == {"£#,##0.00"}
    assert not any(c.font.bold for c in numbers)


def _dashboard_queries(client, user):
    """The queries of building the figures: the factories write no history, so nothing kept is
    retired by them (reports/kept.py); retire it here, as a recorded change would."""
    generation.retire()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:dashboard"), {"year": 2019})
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_stays_the_same_as_claims_grow(client, commissioner):
    pcns = [f.PCNFactory(commissioner=commissioner) for _ in range(2)]
    build_claims(commissioner, pcns, practices_per_pcn=2)
    user = f.officer(commissioner)
    small = _dashboard_queries(client, user)
    more = [f.PCNFactory(commissioner=commissioner) for _ in range(3)]
    build_claims(commissioner, pcns + more, practices_per_pcn=3, seed=11)
    assert _dashboard_queries(client, user) == small


def test_figure_export_query_count_stays_the_same_as_claims_grow(client, commissioner):
    pcns = [f.PCNFactory(commissioner=commissioner)]
    build_claims(commissioner, pcns, practices_per_pcn=2)
    user = f.officer(commissioner)
    client.force_login(user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            for slug in dashboard.FIGURES:
                client.get(reverse("reports:dashboard_csv", args=[slug]), {"year": 2019})
        return len(queries)

    small = count()
    build_claims(commissioner, pcns + [f.PCNFactory(commissioner=commissioner)], 4, seed=3)
    assert count() == small
