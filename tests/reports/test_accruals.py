"""Accruals at month end and year end (docs/adr/0023): hand-worked figures for each category at the
edges of the date (23:30 and 00:30 London time, in BST and in GMT), totals that are the sums of their
rows, downloads that carry the page's rows, a flat query count, and another commissioner's claims
never counted."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.access import scope_for
from claims.models import PaymentRun, Tariff, Worksheet
from claims.payments.runs import payment_run_close, payment_run_create, payment_run_mark_paid
from claims.review.services import claim_approve, claim_check, claim_reject
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from reports import accruals
from reports.accruals import APPROVED, IN_REVIEW, NOT_SUBMITTED
from tests import factories as f

Q4_2018 = Period(2018, 4)  # January to March 2019, due 14 April 2019
Q1_2019 = Period(2019, 1)  # April to June 2019 (BST), due 14 July 2019
Q2_2019 = Period(2019, 2)  # July to September 2019, due 14 October 2019
Q3_2019 = Period(2019, 3)  # October to December 2019 (GMT from 27 October), due 14 January 2020

# A 2019/20 tariff whose continuing rate is not a round number of pounds, so a 50% deduction
# lands on a half penny and the half-up rounding shows.
CONTINUING_2019 = 6001


def london(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def on_time(period):
    return datetime.datetime.combine(quarter_for(period).due_date, datetime.time(12), LONDON)


@pytest.fixture
def commissioner(db):
    Tariff.objects.create(
        year=2019, new_permanent_pence=10200, continuing_pence=CONTINUING_2019, temporary_pence=6000
    )
    return f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")


@pytest.fixture
def officers(commissioner):
    return f.officer(commissioner), f.officer(commissioner)


def practice_with_home(commissioner, pcn=None, *, name=None):
    pcn = pcn or f.PCNFactory(commissioner=commissioner)
    practice = f.PracticeFactory(pcn=pcn, **({"name": name} if name else {}))
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(practice=practice, care_home__commissioner=commissioner).care_home
    return practice, home


def submit(practice, home, period, *, opening, new=0, moved_out=0, at=None):
    return worksheet_submit(
        practice=practice,
        quarter=quarter_for(period),
        entries={
            home.pk: LineEntry(
                opening=opening, new_permanent=new, temporary=0, moved_out=moved_out, died=0
            )
        },
        by=None,
        submitted_at=at or on_time(period),
    )


def approve(claim, officers, *, at):
    checker, approver = officers
    claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    Worksheet.objects.filter(pk=claim.pk).update(approved_at=at)  # the moment under test
    claim.refresh_from_db()
    return claim


def pay(commissioner, officer, *, run_date, closed_at, paid_at=None):
    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=run_date, by=officer
            )
        ),
        by=officer,
    )
    PaymentRun.objects.filter(pk=run.pk).update(closed_at=closed_at)
    if paid_at is not None:
        payment_run_mark_paid(run=run, by=officer, payment_reference="BACS-1")
        PaymentRun.objects.filter(pk=run.pk).update(paid_at=paid_at)
    run.refresh_from_db()
    return run


def accrued(user, day):
    return accruals.accruals_at(scope_for(user), day)


def by_category(result):
    return {category: result.total(category) for category in (APPROVED, IN_REVIEW, NOT_SUBMITTED)}


# -- the date rules, on their own -----------------------------------------------------------------


def test_close_of_a_day_is_midnight_at_its_end_in_london():
    assert accruals.close_of(datetime.date(2019, 6, 30)) == datetime.datetime(
        2019, 6, 30, 23, 0, tzinfo=datetime.UTC
    )  # BST
    assert accruals.close_of(datetime.date(2019, 12, 31)) == datetime.datetime(
        2020, 1, 1, 0, 0, tzinfo=datetime.UTC
    )  # GMT
    # 31 March 2019: the clocks went forward at 01:00 that morning; the day closes in BST.
    assert accruals.close_of(datetime.date(2019, 3, 31)) == datetime.datetime(
        2019, 3, 31, 23, 0, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize(
    ("moment", "day", "expected"),
    [
        (london(2019, 6, 30, 23, 30), datetime.date(2019, 6, 30), True),  # 22:30 UTC
        (london(2019, 7, 1, 0, 30), datetime.date(2019, 6, 30), False),  # 23:30 UTC on the 30th
        (london(2019, 12, 31, 23, 30), datetime.date(2019, 12, 31), True),
        (london(2020, 1, 1, 0, 30), datetime.date(2019, 12, 31), False),
        (None, datetime.date(2019, 12, 31), False),
    ],
)
def test_happened_by_reads_the_london_calendar(moment, day, expected):
    assert accruals.happened_by(moment, day) is expected


@pytest.mark.parametrize(
    ("status", "approved_at", "paid_at", "expected"),
    [
        ("submitted", None, None, IN_REVIEW),
        ("queried", None, None, IN_REVIEW),
        ("awaiting_finance", None, None, IN_REVIEW),
        ("approved", london(2019, 6, 30, 23, 30), None, APPROVED),
        ("approved", london(2019, 7, 1, 0, 30), None, IN_REVIEW),
        ("scheduled", london(2019, 6, 1, 9), None, APPROVED),
        ("paid", london(2019, 6, 1, 9), london(2019, 7, 1, 0, 30), APPROVED),
        ("paid", london(2019, 6, 1, 9), london(2019, 6, 30, 23, 30), None),
        ("rejected", None, None, None),
    ],
)
def test_claim_category_at_the_close_of_30_june_2019(status, approved_at, paid_at, expected):
    day = datetime.date(2019, 6, 30)
    kwargs = {"status": status, "approved_at": approved_at, "paid_at": paid_at, "day": day}
    assert accruals.claim_category(first_submitted_at=london(2019, 5, 1, 9), **kwargs) == expected
    # Not yet submitted at the close: nothing, whatever happened later.
    late = london(2019, 7, 1, 0, 30)
    assert accruals.claim_category(first_submitted_at=late, **kwargs) is None


def test_ended_periods_count_a_quarter_ending_on_the_day():
    assert accruals.ended_periods(datetime.date(2019, 6, 30))[-1] == Q1_2019
    assert accruals.ended_periods(datetime.date(2019, 6, 29))[-1] == Q4_2018
    assert accruals.ended_periods(datetime.date(2018, 6, 29)) == []


# -- (a) approved, not paid -----------------------------------------------------------------------

JULY_31 = datetime.date(2019, 7, 31)  # a month end in BST
DECEMBER_31 = datetime.date(2019, 12, 31)  # a month end in GMT


@pytest.fixture
def q1_claim(commissioner):
    """7 continuing patients and 2 new ones, on time: 7 × £60.01 + 2 × £102.00 = £624.07."""
    practice, home = practice_with_home(commissioner)
    claim = submit(practice, home, Q1_2019, opening=7, new=2)
    assert claim.net_pence == 7 * CONTINUING_2019 + 2 * 10200 == 62407
    return claim


def test_claim_approved_at_2330_bst_on_the_date_is_accrued_as_approved(q1_claim, officers):
    approve(q1_claim, officers, at=london(2019, 7, 31, 23, 30))
    result = accrued(officers[0], JULY_31)
    assert by_category(result) == {APPROVED: 62407, IN_REVIEW: 0, NOT_SUBMITTED: 0}
    (line,) = result.lines
    assert (line.period, line.status) == (Q1_2019, "Approved")


def test_claim_approved_at_0030_bst_the_day_after_is_still_in_review(q1_claim, officers):
    approve(q1_claim, officers, at=london(2019, 8, 1, 0, 30))  # 23:30 UTC on 31 July
    result = accrued(officers[0], JULY_31)
    assert by_category(result) == {APPROVED: 0, IN_REVIEW: 62407, NOT_SUBMITTED: 0}
    assert "approved after 31 July 2019" in result.lines[0].basis
    # The next day it is approved, and not yet paid.
    assert by_category(accrued(officers[0], datetime.date(2019, 8, 1)))[APPROVED] == 62407


def test_claim_in_a_run_paid_at_2330_bst_on_the_date_is_not_accrued(
    q1_claim, officers, commissioner
):
    approve(q1_claim, officers, at=london(2019, 7, 20, 9))
    pay(
        commissioner,
        officers[0],
        run_date=JULY_31,
        closed_at=london(2019, 7, 25, 9),
        paid_at=london(2019, 7, 31, 23, 30),
    )
    assert accrued(officers[0], JULY_31).lines == []


def test_claim_in_a_run_paid_at_0030_bst_the_day_after_is_accrued_as_approved(
    q1_claim, officers, commissioner
):
    approve(q1_claim, officers, at=london(2019, 7, 20, 9))
    run = pay(
        commissioner,
        officers[0],
        run_date=datetime.date(2019, 8, 1),
        closed_at=london(2019, 7, 25, 9),
        paid_at=london(2019, 8, 1, 0, 30),
    )
    result = accrued(officers[0], JULY_31)
    assert by_category(result) == {APPROVED: 62407, IN_REVIEW: 0, NOT_SUBMITTED: 0}
    assert result.lines[0].status == "Paid"
    assert run.reference in result.lines[0].basis
    assert accrued(officers[0], datetime.date(2019, 8, 1)).lines == []


def test_claim_in_a_closed_run_not_yet_paid_is_accrued_as_approved(
    q1_claim, officers, commissioner
):
    approve(q1_claim, officers, at=london(2019, 7, 20, 9))
    pay(commissioner, officers[0], run_date=JULY_31, closed_at=london(2019, 7, 25, 9))
    result = accrued(officers[0], datetime.date(2019, 9, 30))
    assert result.total(APPROVED) == 62407
    assert result.lines[0].status == "Scheduled"


def test_gmt_edges_of_approval_and_payment(commissioner, officers):
    practice, home = practice_with_home(commissioner)
    submit(practice, home, Q1_2019, opening=7, new=2)
    q2 = submit(practice, home, Q2_2019, opening=9)  # 9 × £60.01 = £540.09
    q3 = submit(practice, home, Q3_2019, opening=9, at=london(2020, 1, 1, 0, 30))
    approve(q2, officers, at=london(2019, 12, 31, 23, 30))
    result = accrued(officers[0], DECEMBER_31)
    # Q1 is in review; Q2 approved at 23:30 GMT on the date; Q3 was sent at 00:30 on 1 January,
    # so on 31 December it is a worksheet not submitted (Q3 ended on 31 December: it counts),
    # estimated from Q2's 9 closing patients, sent on time the next day.
    assert by_category(result) == {APPROVED: 54009, IN_REVIEW: 62407, NOT_SUBMITTED: 54009}
    assert q3.first_submitted_at > accruals.close_of(DECEMBER_31)
    Worksheet.objects.filter(pk=q2.pk).update(approved_at=london(2020, 1, 1, 0, 30))
    assert by_category(accrued(officers[0], DECEMBER_31))[IN_REVIEW] == 62407 + 54009


# -- (b) submitted, subject to review -------------------------------------------------------------


def test_claims_in_review_count_at_their_current_net_and_rejected_ones_not_at_all(
    commissioner, officers
):
    practice, home = practice_with_home(commissioner)
    late = submit(practice, home, Q1_2019, opening=7, new=2, at=london(2019, 7, 20, 10))
    # 6 days late: 5% of £624.07 is £31.2035, half-up to £31.20; net £592.87.
    assert (late.days_late, late.deduction_pence, late.net_pence) == (6, 3120, 59287)
    other, other_home = practice_with_home(commissioner)
    rejected = submit(other, other_home, Q1_2019, opening=3)
    claim_reject(claim=rejected, by=officers[0], reason="No such patients")
    result = accrued(officers[0], JULY_31)
    assert by_category(result) == {APPROVED: 0, IN_REVIEW: 59287, NOT_SUBMITTED: 0}
    (line,) = result.lines
    assert line.practice == practice
    assert "subject to review" in line.basis


def test_claim_first_submitted_the_day_after_is_an_estimate_not_a_claim(commissioner, officers):
    practice, home = practice_with_home(commissioner)
    submit(practice, home, Q4_2018, opening=7, moved_out=0)
    approve(
        Worksheet.objects.get(practice=practice, quarter__number=4),
        officers,
        at=london(2019, 5, 1, 9),
    )
    pay(
        commissioner,
        officers[0],
        run_date=datetime.date(2019, 5, 31),
        closed_at=london(2019, 5, 20, 9),
        paid_at=london(2019, 5, 31, 9),
    )
    submit(practice, home, Q1_2019, opening=7, at=london(2019, 8, 1, 0, 30))
    result = accrued(officers[0], JULY_31)
    # Not submitted by the close of 31 July: estimated from Q4's 7 closing patients at the 2019/20
    # continuing rate, 7 × £60.01 = £420.07, less 50% as if sent on 1 August (18 days late):
    # £210.035 half-up to £210.04, leaving £210.03.
    assert by_category(result) == {APPROVED: 0, IN_REVIEW: 0, NOT_SUBMITTED: 21003}
    (line,) = result.lines
    assert line.status == "Not submitted"
    assert line.basis == (
        "7 patients (the closing figures of the 2018/19 Q4 worksheet) × £60.01, the continuing "
        "rate, less 50% (£210.04) as if submitted on 1 August 2019, 18 days late"
    )
    # On 1 August it was submitted (at 00:30): 18 days late, in review at its own net.
    nxt = accrued(officers[0], datetime.date(2019, 8, 1))
    assert by_category(nxt) == {APPROVED: 0, IN_REVIEW: 21003, NOT_SUBMITTED: 0}


# -- (c) not submitted: estimates -----------------------------------------------------------------


@pytest.fixture
def q4_sent(commissioner):
    """A practice that sent 2018/19 Q4 (7 patients closing: 8 opening, 1 moved out) and not Q1."""
    practice, home = practice_with_home(commissioner)
    submit(practice, home, Q4_2018, opening=8, moved_out=1)
    return practice


def test_a_quarter_ending_on_the_date_is_estimated_as_if_sent_on_time(q4_sent, officers):
    result = accrued(officers[0], datetime.date(2019, 6, 30))
    # 7 × £60.01 = £420.07, sent on 1 July: on time, nothing deducted. Q4 itself is in review
    # at £480.00 (8 × £60.00 at the 2018/19 rate).
    assert by_category(result) == {APPROVED: 0, IN_REVIEW: 48000, NOT_SUBMITTED: 42007}
    estimate = next(line for line in result.lines if line.category == NOT_SUBMITTED)
    assert estimate.period == Q1_2019
    assert estimate.basis == (
        "7 patients (the closing figures of the 2018/19 Q4 worksheet) × £60.01, the continuing rate"
    )


def test_a_quarter_not_ended_by_the_date_is_not_estimated(q4_sent, officers):
    result = accrued(officers[0], datetime.date(2019, 6, 29))
    assert by_category(result)[NOT_SUBMITTED] == 0


def test_a_quarter_past_the_last_paying_band_is_not_accrued(q4_sent, officers):
    # Q1 was due on 14 July; sent on 5 August it would be 22 days late: 100% deducted.
    assert by_category(accrued(officers[0], datetime.date(2019, 8, 3)))[NOT_SUBMITTED] == 21003
    assert by_category(accrued(officers[0], datetime.date(2019, 8, 4)))[NOT_SUBMITTED] == 0


def test_a_moved_due_date_keeps_a_quarter_payable(q4_sent, officers):
    quarter = quarter_for(Q1_2019)
    quarter.due_date = datetime.date(2019, 8, 31)
    quarter.save()
    assert by_category(accrued(officers[0], datetime.date(2019, 8, 4)))[NOT_SUBMITTED] == 42007


def test_a_practice_with_nothing_to_estimate_from_is_listed_at_nothing(commissioner, officers):
    practice, _home = practice_with_home(commissioner)
    result = accrued(officers[0], datetime.date(2019, 6, 30))
    (line,) = [line for line in result.lines if line.period == Q1_2019]
    assert (line.practice, line.amount, line.category) == (practice, 0, NOT_SUBMITTED)
    assert line.basis == "No worksheet in 2018/19 or 2019/20 to estimate from: not estimated"


def test_a_practice_out_of_the_les_over_the_quarter_is_not_estimated(commissioner, officers):
    practice, _home = practice_with_home(commissioner)
    # Its only home left it at the end of 2018/19: no worksheet is owed for 2019/20 Q1.
    practice.alignments.update(end_date=datetime.date(2019, 3, 31))
    result = accrued(officers[0], datetime.date(2019, 6, 30))
    assert [line for line in result.lines if line.period == Q1_2019] == []


def test_an_estimate_starts_from_the_latest_accepted_worksheet_before_the_quarter(
    commissioner, officers
):
    practice, home = practice_with_home(commissioner)
    submit(practice, home, Q4_2018, opening=8, moved_out=1)  # 7 closing
    q1 = submit(practice, home, Q1_2019, opening=7, new=3)  # 10 closing, but rejected
    claim_reject(claim=q1, by=officers[0], reason="Wrong home")
    result = accrued(officers[0], datetime.date(2019, 9, 30))
    (line,) = [line for line in result.lines if line.period == Q2_2019]
    assert line.amount == 7 * CONTINUING_2019


# -- totals, scope and the page -------------------------------------------------------------------


@pytest.fixture
def two_commissioners(commissioner, officers):
    """03L: two PCNs, four practices, lines in every category at 31 July 2019. 02P: the same
    shape, never shown to 03L."""
    built = {}
    for code, names in (("03L", ("Alpha PCN", "Beta PCN")), ("02P", ("Gamma PCN",))):
        owner = f.CommissionerFactory(code=code)
        staff = officers if code == "03L" else (f.officer(owner), f.officer(owner))
        for pcn_name in names:
            pcn = f.PCNFactory(commissioner=owner, name=pcn_name)
            for index in range(2):
                practice, home = practice_with_home(owner, pcn)
                submit(practice, home, Q4_2018, opening=5 + index)
                approve(
                    Worksheet.objects.get(practice=practice, quarter__number=4),
                    staff,
                    at=london(2019, 5, 1, 9),
                )
                if index == 0:
                    submit(practice, home, Q1_2019, opening=5, new=1)  # in review
        built[code] = owner
    return built


def test_totals_are_the_sums_of_their_rows(two_commissioners, officers):
    result = accrued(officers[0], JULY_31)
    figures = result.figures()
    assert result.total(APPROVED) == 2 * (6000 * 5 + 6000 * 6)
    assert result.total(IN_REVIEW) == 2 * (5 * CONTINUING_2019 + 10200)
    # The second practice of each PCN: 6 patients, 50% as if sent on 1 August.
    assert result.total(NOT_SUBMITTED) == 2 * (6 * CONTINUING_2019 - 18003)
    for slug in ("by-pcn", "by-practice"):
        figure = figures[slug]
        money_columns = [i for i, c in enumerate(figure.columns) if c.kind == "money"]
        for i in money_columns:
            assert figure.totals[i] == sum(row[i] for row in figure.rows), (slug, i)
        for row in figure.rows:
            assert row[-1] == sum(row[i] for i in money_columns[:-1])
        assert figure.totals[-1] == result.total()
    assert [row[0] for row in figures["by-pcn"].rows] == ["Alpha PCN", "Beta PCN"]
    categories = figures["categories"]
    assert [row[2] for row in categories.rows] == [
        result.total(APPROVED),
        result.total(IN_REVIEW),
        result.total(NOT_SUBMITTED),
    ]
    assert categories.totals == ("Total", len(result.lines), result.total())
    assert figures["lines"].totals[6] == sum(row[6] for row in figures["lines"].rows)


def test_another_commissioners_claims_are_never_counted(two_commissioners, officers, client):
    own = accrued(officers[0], JULY_31)
    assert {line.practice.pcn.commissioner.code for line in own.lines} == {"03L"}
    everyone = accrued(f.administrator(), JULY_31)
    assert (
        everyone.total()
        == own.total() + accrued(f.auditor(two_commissioners["02P"]), JULY_31).total()
    )
    client.force_login(f.auditor(two_commissioners["03L"]))
    response = client.get(reverse("reports:accruals"), {"date": "2019-07-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha PCN" in html and "Gamma PCN" not in html


def test_page_shows_the_figures_and_the_basis(two_commissioners, officers, client):
    client.force_login(officers[0])
    response = client.get(reverse("reports:accruals"), {"date": "2019-07-31"})
    html = response.content.decode()
    assert "Owed and not paid at the close of 31 July 2019" in html
    assert response.context["result"].summary in html
    for slug in accruals.FIGURE_SLUGS:
        assert f'id="{slug}-title"' in html
    assert "less the lateness deduction a worksheet sent the day after 31 July 2019" in html
    assert "£1,320.00" in html  # the approved total


def test_page_defaults_to_today_in_london(client, commissioner, officers):
    client.force_login(officers[0])
    response = client.get(reverse("reports:accruals"))
    assert response.status_code == 200
    assert response.context["day"] == london_date(timezone.now())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2019-02-30", "The date of the accrual must be a real date"),
        ("07/31/2019", "The date of the accrual must be a real date"),
        ("", "Enter the date of the accrual"),
        ("2999-01-01", "The date of the accrual must be today or in the past"),
        ("2017-12-31", "The date of the accrual must be on or after 1 April 2018"),
    ],
)
def test_a_bad_date_is_a_clear_message_and_no_figures(
    client, commissioner, officers, value, message
):
    client.force_login(officers[0])
    response = client.get(reverse("reports:accruals"), {"date": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert "result" not in response.context
    assert html.count("<title>Error: ") == 1
    csv_url = reverse("reports:accruals_csv", args=["by-pcn"])
    assert client.get(csv_url, {"date": value}).status_code == 404


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("slug", accruals.FIGURE_SLUGS)
def test_downloads_carry_the_pages_rows(two_commissioners, officers, client, slug):
    client.force_login(officers[0])
    page = client.get(reverse("reports:accruals"), {"date": "2019-07-31"})
    figure = next(i["figure"] for i in page.context["figures"] if i["figure"].slug == slug)
    expected = [[str(cell) for cell in row] for row in figure.export_rows()]
    assert len(expected) == len(figure.rows) + 2  # the header and the total
    response = client.get(reverse("reports:accruals_csv", args=[slug]), {"date": "2019-07-31"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="accruals-{slug}-at-2019-07-31.csv"'
    )
    assert _csv_rows(response) == expected
    response = client.get(reverse("reports:accruals_xlsx", args=[slug]), {"date": "2019-07-31"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    from_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(from_xlsx) == len(expected)
    money = [i for i, c in enumerate(figure.columns) if c.kind == "money"]
    for got, want in zip(from_xlsx[1:], figure.rows + [figure.totals], strict=True):
        for i in money:
            assert round(got[i] * 100) == want[i]


def test_download_of_an_unknown_figure_is_not_found(client, commissioner, officers):
    client.force_login(officers[0])
    assert client.get(reverse("reports:accruals_csv", args=["salaries"])).status_code == 404


def test_download_neutralises_a_practice_name_that_looks_like_a_formula(
    client, commissioner, officers
):
    practice, home = practice_with_home(commissioner, name='=HYPERLINK("http://x")')
    submit(practice, home, Q1_2019, opening=3)
    client.force_login(officers[0])
    url = reverse("reports:accruals_csv", args=["lines"])
    rows = _csv_rows(client.get(url, {"date": "2019-07-31"}))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'


def _build(commissioner, pcns, per_pcn, staff):
    for pcn in pcns:
        for index in range(per_pcn):
            practice, home = practice_with_home(commissioner, pcn)
            q4 = submit(practice, home, Q4_2018, opening=4 + index)
            approve(q4, staff, at=london(2019, 5, 1, 9))
            if index % 3 == 0:
                submit(practice, home, Q1_2019, opening=4 + index)
            if index % 3 == 1:
                approve(
                    submit(practice, home, Q1_2019, opening=4 + index),
                    staff,
                    at=london(2019, 7, 20, 9),
                )


def _page_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:accruals"), {"date": "2019-07-31"})
        for slug in accruals.FIGURE_SLUGS:
            client.get(reverse("reports:accruals_csv", args=[slug]), {"date": "2019-07-31"})
    assert response.status_code == 200
    return len(queries)


def test_query_count_stays_the_same_as_claims_grow(client, commissioner, officers):
    pcns = [f.PCNFactory(commissioner=commissioner) for _ in range(2)]
    _build(commissioner, pcns, 3, officers)
    small = _page_queries(client, officers[0])
    _build(
        commissioner,
        pcns + [f.PCNFactory(commissioner=commissioner) for _ in range(3)],
        6,
        officers,
    )
    assert len(accrued(officers[0], JULY_31).lines) > 20
    assert _page_queries(client, officers[0]) == small


def test_page_shows_the_first_lines_and_the_downloads_hold_them_all(
    two_commissioners, officers, client, monkeypatch
):
    """Issue 18: the page never draws a commissioner's every accrued line."""
    from reports.views import accruals as accruals_views

    client.force_login(officers[0])
    url, day = reverse("reports:accruals"), {"date": "2019-07-31"}
    everything = next(
        i["figure"] for i in client.get(url, day).context["figures"] if i["figure"].slug == "lines"
    )
    assert len(everything.rows) >= 2
    monkeypatch.setattr(accruals_views, "LINES_ON_THE_PAGE", 1)
    page = client.get(url, day)
    shown = next(i["figure"] for i in page.context["figures"] if i["figure"].slug == "lines")
    assert shown.rows == everything.rows[:1]
    assert shown.totals == everything.totals  # the total is of every line
    assert f"The first 1 of {len(everything.rows)} lines are shown here" in page.content.decode()
    rows = _csv_rows(client.get(reverse("reports:accruals_csv", args=["lines"]), day))
    assert len(rows) == len(everything.rows) + 2
