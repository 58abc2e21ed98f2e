"""A practice manager fills in the quarter's worksheet: one opening carried forward, one baseline,
a closing above the home's beds to confirm, the payment preview, the submission, and the pre-filled
spreadsheet download."""

import datetime
import io

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from claims.models import Quarter, Worksheet
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from claims.worksheets.xlsx import TEMPLATE
from core.periods import LONDON, Period
from tests import factories as f
from tests.browser.helpers import sign_in


def test_practice_manager_fills_checks_confirms_and_submits_a_worksheet(
    page, live_server, check_page, console_errors
):
    today = timezone.localdate()
    target = Period.containing(today).previous()  # a quarter that has ended
    earlier = target.previous()
    # The officers moved the target quarter's due date a week ahead, so the journey is on time.
    Quarter.objects.create(
        year=target.year, number=target.quarter, due_date=today + datetime.timedelta(days=7)
    )

    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    oakwood = f.AlignmentFactory(
        practice=practice,
        care_home__name="Oakwood Lodge",
        care_home__beds=40,
        care_home__commissioner=rotherham,
        start_date=earlier.first_day,
    ).care_home
    rosedale = f.AlignmentFactory(
        practice=practice,
        care_home__name="Rosedale House",
        care_home__beds=10,
        care_home__commissioner=rotherham,
        start_date=target.first_day,
    ).care_home
    earlier_quarter = quarter_for(earlier)
    worksheet_submit(
        practice=practice,
        quarter=earlier_quarter,
        entries={
            oakwood.pk: LineEntry(opening=35, new_permanent=1, temporary=0, moved_out=0, died=1)
        },
        by=None,
        submitted_at=datetime.datetime.combine(earlier_quarter.due_date, datetime.time(9), LONDON),
    )
    manager = f.practice_manager(practice, username="pat.manager", first_name="Pat")

    sign_in(page, live_server, manager.username)
    page.get_by_role("link", name="Dinnington Group Practice").click()
    page.get_by_role(
        "link", name="Quarterly worksheets and claims of Dinnington Group Practice"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("worksheets")
    check_page("quarters")

    page.get_by_role("link", name=f"the {target.label} worksheet").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{target.label} worksheet")
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"carried forward from {earlier.label}")  # Oakwood's 35
    check_page("worksheet form")

    # Oakwood: opening carried (35); Rosedale: its first quarter, so a baseline.
    page.get_by_label("Oakwood Lodge: new permanent patients").fill("2")
    page.get_by_label("Oakwood Lodge: temporary patients").fill("1")
    page.get_by_label("Oakwood Lodge: patients who moved out").fill("0")
    page.get_by_label("Oakwood Lodge: patients who died").fill("1")
    page.get_by_label("Oakwood Lodge: patients living in another care home").fill("0")
    page.get_by_label("Rosedale House: patients at the start of the quarter").fill("9")
    page.get_by_label("Rosedale House: new permanent patients").fill("3")
    for figure in ("temporary patients", "patients who moved out", "patients who died"):
        page.get_by_label(f"Rosedale House: {figure}").fill("0")
    page.get_by_label("Rosedale House: patients living in another care home").fill("0")
    page.get_by_role("button", name="Check figures").click()

    # The preview: closing 12 at Rosedale is above its 10 beds, so it must be confirmed.
    expect(main).to_contain_text("Check these figures")
    gross = 35 * 60 + 2 * 102 + 60 + 9 * 60 + 3 * 102  # £3,210
    expect(main).to_contain_text(f"{gross:,}.00")
    check_page("worksheet preview with beds warning")

    page.get_by_role("button", name="Submit worksheet").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert not Worksheet.objects.filter(
        quarter__year=target.year, quarter__number=target.quarter
    ).exists()
    check_page("submit refused until confirmed")

    page.get_by_label("I confirm these figures are right for Rosedale House").check()
    page.get_by_role("button", name="Submit worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{target.label} worksheet")
    expect(page.get_by_role("main")).to_contain_text(f"{gross:,}.00")
    check_page("worksheet submitted")
    claim = Worksheet.objects.get(quarter__year=target.year, quarter__number=target.quarter)
    assert (claim.gross_pence, claim.days_late) == (gross * 100, 0)
    assert claim.lines.get(care_home=rosedale).beds_warning_confirmed

    # The worksheet as a spreadsheet: the template, with the submitted figures.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this worksheet as a spreadsheet (.xlsx)").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).worksheets[0]
    rows = list(sheet.iter_rows(min_row=TEMPLATE.first_row, values_only=True))
    assert {(r[0], r[1]) for r in rows} == {
        ("Oakwood Lodge", oakwood.cqc_location_id),
        ("Rosedale House", rosedale.cqc_location_id),
    }
