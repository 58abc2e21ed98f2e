"""An officer reads the accruals in the browser: from the home page, for today, then at the close of
31 July 2019 (chosen in the date control), a date that is not real (the error summary), the lines'
CSV download, and the same page at 320 pixels wide (no sideways scrolling). Every page is
axe-checked."""

import csv
import datetime
import io
import re

from django.utils import timezone
from playwright.sync_api import expect

from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from reports.accruals import day_text
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in
from tests.browser.test_reflow import NARROW, reflow_problem
from tests.two_factor import authenticator

Q4_2018 = Period(2018, 4)
Q1_2019 = Period(2019, 1)


def submit(practice, home, period, *, opening):
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON),
    )


def test_officer_reads_the_accruals_at_a_month_end(page, live_server, check_page, console_errors):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practices = {}
    for ods, name, pcn_name in (
        ("C87001", "Dinnington Group Practice", "Rother Valley South PCN"),
        ("C87002", "Kiveton Park Medical Practice", "Wentworth 1 PCN"),
    ):
        practice = f.PracticeFactory(
            ods_code=ods, name=name, pcn__commissioner=rotherham, pcn__name=pcn_name
        )
        f.AgreementFactory(practice=practice)
        home = f.AlignmentFactory(
            practice=practice, care_home__commissioner=rotherham, care_home__beds=40
        ).care_home
        practices[ods] = (practice, home)
        submit(practice, home, Q4_2018, opening=10)
    dinnington, oakwood = practices["C87001"]
    q1 = submit(dinnington, oakwood, Q1_2019, opening=10)
    officer = f.officer(rotherham, username="chris.officer", first_name="Chris")
    authenticator(officer)
    claim_approve(claim=claim_check(claim=q1, by=f.officer(rotherham)), by=officer)

    sign_in(page, live_server, officer.username)
    main = page.get_by_role("main")

    # From the home page: today's accruals (the Q1 claim approved today, not yet in a run).
    page.goto("/")
    page.get_by_role("link", name="Accruals for month end and year end").click()
    today = day_text(london_date(timezone.now()))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"at the close of {today}")
    expect(page.get_by_role("table", name="Accrued by category: the figures")).to_be_visible()
    check_page("accruals today")

    # At the close of 31 July 2019: Q1 was still in review, and Kiveton had not sent Q1.
    fill_date(page, "Accruals at the close of", ("31", "7", "2019"))
    page.get_by_role("button", name="Show the accruals").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("at the close of 31 July 2019")
    lines = page.get_by_role("table", name="Every claim and worksheet accrued: the figures")
    expect(lines).to_contain_text("Not submitted: estimate")
    expect(lines).to_contain_text("Kiveton Park Medical Practice")
    page.get_by_text("What is accrued, and how").click()
    expect(main).to_contain_text("less the lateness deduction")
    check_page("accruals at 31 July 2019")

    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile(r"^Download as CSV\W+Every claim and worksheet accrued")
        ).click()
    assert download.value.suggested_filename == "accruals-lines-at-2019-07-31.csv"
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    estimate = next(row for row in rows if row[0] == "Not submitted: estimate")
    # 10 patients × £60.00, less 50% as if sent on 1 August 2019 (18 days late).
    assert estimate[1:3] == ["Kiveton Park Medical Practice", "C87002"]
    assert estimate[6] == "300.00"
    assert rows[-1][0] == "Total"

    # A date that is not real: the error summary, and no figures.
    page.goto("/reports/accruals/?date=2019-02-30")
    expect(page.get_by_role("alert")).to_contain_text("The date of the accrual must be a real date")
    expect(page.get_by_role("table")).to_have_count(0)
    check_page("accruals with a date that is not real")

    # At 320 pixels wide (400% zoom), the page reflows; wide tables scroll in their own box.
    page.set_viewport_size(NARROW)
    page.goto("/reports/accruals/?date=2019-07-31")
    expect(page.get_by_role("heading", level=1)).to_contain_text("31 July 2019")
    assert reflow_problem(page) is None, reflow_problem(page)
    check_page("accruals at 320px")
