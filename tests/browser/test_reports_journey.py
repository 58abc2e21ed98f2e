"""An officer reads the commissioning reports in the browser: the reports index, the dashboard (for
another financial year too) and one figure's CSV download, the scheme comparison for a practice,
the care-home coverage (homes with gaps only, then recording a home's coverage) and the
cross-practice checks with the flag the data raises. Every page is axe-checked."""

import csv
import datetime
import io
import re

from playwright.sync_api import expect

from carehomes.models import Coverage
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f
from tests.browser.helpers import sign_in
from tests.two_factor import authenticator

Q1_2019 = Period(2019, 1)
Q2_2019 = Period(2019, 2)
Q1_2020 = Period(2020, 1)


def submit(practice, period, home, *, opening, days_late=0):
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(
                opening=opening,
                new_permanent=0,
                temporary=0,
                moved_out=0,
                died=0,
                beds_warning_confirmed=True,
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=days_late), datetime.time(10), LONDON
        ),
    )


def test_officer_reads_dashboard_schemes_coverage_and_checks(
    page, live_server, check_page, console_errors
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    dinnington = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    kiveton = f.PracticeFactory(
        ods_code="C87002", name="Kiveton Park Medical Practice", pcn__commissioner=rotherham
    )
    for practice in (dinnington, kiveton):
        f.AgreementFactory(practice=practice)
    oakwood = f.AlignmentFactory(
        practice=dinnington,
        care_home__name="Oakwood Lodge",
        care_home__beds=40,
        care_home__commissioner=rotherham,
        start_date=Q1_2019.first_day,
    ).care_home
    # Beech Hill has 6 beds: Kiveton's 9 patients there raise "more patients than beds".
    beech = f.AlignmentFactory(
        practice=kiveton,
        care_home__name="Beech Hill",
        care_home__beds=6,
        care_home__commissioner=rotherham,
        start_date=Q1_2019.first_day,
    ).care_home
    submit(dinnington, Q1_2019, oakwood, opening=10)
    submit(kiveton, Q1_2019, beech, opening=9, days_late=3)
    submit(dinnington, Q2_2019, oakwood, opening=10)
    submit(kiveton, Q2_2019, beech, opening=9)
    # A practice that joined in 2020/21: a second financial year to choose on the dashboard.
    rawmarsh = f.PracticeFactory(
        ods_code="C87003", name="Rawmarsh Health Centre", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=rawmarsh)
    rosedale = f.AlignmentFactory(
        practice=rawmarsh,
        care_home__name="Rosedale House",
        care_home__beds=20,
        care_home__commissioner=rotherham,
        start_date=Q1_2020.first_day,
    ).care_home
    submit(rawmarsh, Q1_2020, rosedale, opening=12)
    officer = f.officer(rotherham, username="chris.officer", first_name="Chris")
    authenticator(officer)

    sign_in(page, live_server, officer.username)
    main = page.get_by_role("main")

    # The reports index, then the dashboard (the latest year with claims: 2020/21).
    page.goto("/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    check_page("reports index")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Financial year 2020/21")
    check_page("dashboard 2020-21")

    page.get_by_label("Financial year", exact=True).select_option(label="2019/20")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Financial year 2019/20")
    submissions = page.get_by_role("table", name=re.compile("^Worksheets on time, late"))
    expect(submissions).to_be_visible()
    check_page("dashboard 2019-20")

    with page.expect_download() as download:
        page.get_by_role(
            "link",
            name=re.compile(r"^Download as CSV\W+Worksheets on time, late and not submitted"),
        ).click()
    assert re.fullmatch(r".+-2019-20-\d{4}-\d{2}-\d{2}\.csv", download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert len(rows) > 1, rows  # a header and the quarters' rows
    assert any("2019/20 Q1" in cell for row in rows for cell in row), rows

    # The scheme comparison for one practice.
    page.goto("/reports/")
    page.get_by_role("link", name="Scheme comparison").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What each scheme would pay")
    check_page("scheme comparison")
    page.get_by_label("Compare for").select_option(label=str(kiveton))
    page.get_by_label("Financial year", exact=True).select_option(label="2019/20")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Kiveton Park Medical Practice in 2019/20"
    )
    expect(main).to_contain_text("Beech Hill")
    check_page("scheme comparison for a practice")

    # Care-home coverage: nothing is recorded yet, so both homes have gaps.
    page.goto("/reports/")
    page.get_by_role("link", name="Care-home coverage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care-home coverage")
    expect(page.locator("#coverage-summary")).to_have_text("3 of 3 homes have a gap.")
    check_page("coverage")
    page.get_by_label("Only homes with gaps").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table", name="Care homes with a gap (3)")).to_be_visible()
    check_page("coverage homes with gaps")

    page.get_by_role("link", name="Edit the coverage of Oakwood Lodge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coverage of Oakwood Lodge")
    check_page("coverage form")
    page.get_by_label("Named clinical lead").fill("Dr Amira Shah")
    page.get_by_label("Day of the weekly check-in").select_option(label="Tuesday")
    page.get_by_label("Weekly check-in by").fill("Dinnington PCN care-home team")
    page.get_by_label("A multidisciplinary team (MDT) supports the home").check()
    page.get_by_label("Out-of-hours provider").fill("Rotherham GP Out of Hours")
    page.get_by_label("Personalised care plans are recorded for the residents").check()
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Save coverage").click()
    expect(page.get_by_role("alert")).to_contain_text("Coverage of Oakwood Lodge saved.")
    expect(page.locator("#coverage-summary")).to_have_text("2 of 3 homes have a gap.")
    check_page("coverage recorded")
    coverage = Coverage.objects.get(care_home=oakwood)
    assert (coverage.clinical_lead, coverage.mdt_in_place) == ("Dr Amira Shah", True)

    # The cross-practice checks: the latest quarter with worksheets is 2020/21 Q1; Q2 2019/20
    # has Beech Hill's 9 patients in 6 beds.
    page.goto("/reports/")
    page.get_by_role("link", name="Cross-practice checks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cross-practice checks")
    check_page("checks latest quarter")
    page.get_by_label("Quarter").select_option(label=Q2_2019.label)
    page.get_by_role("button", name="Show the checks").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(Q2_2019.label)
    expect(main).to_contain_text("Beech Hill")
    expect(
        page.get_by_role("link", name=re.compile(r"^Claim of C87002 \(Kiveton Park"))
    ).to_be_visible()
    check_page("checks with a flag")
