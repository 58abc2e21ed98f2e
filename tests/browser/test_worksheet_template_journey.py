"""A practice manager does the quarter's worksheet through the spreadsheet: from the home page to
the quarter that is due (listed first), the template downloaded, filled in with openpyxl as a person
would (figures typed into the unlocked cells only), uploaded, previewed as the form previews, and
submitted; the receipt is then in the outbox. Every page is checked with axe."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from claims.models import Quarter, Worksheet
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from claims.worksheets.xlsx import HEADINGS
from core.periods import LONDON, Period
from notices.models import Notice
from tests import factories as f
from tests.browser.helpers import sign_in
from tests.claims.template_filling import type_figures


def test_practice_manager_fills_the_spreadsheet_uploads_it_and_gets_a_receipt(
    page, live_server, check_page, console_errors, tmp_path
):
    today = timezone.localdate()
    target = Period.containing(today).previous()  # ended: the quarter that is due
    earlier = target.previous()
    Quarter.objects.create(
        year=target.year, number=target.quarter, due_date=today + datetime.timedelta(days=9)
    )
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice, email="pm@dinnington.nhs.uk")
    oakwood = f.AlignmentFactory(
        practice=practice,
        care_home__name="Oakwood Lodge",
        care_home__beds=60,
        care_home__commissioner=rotherham,
        start_date=earlier.first_day,
    ).care_home
    rosedale = f.AlignmentFactory(
        practice=practice,
        care_home__name="Rosedale House",
        care_home__beds=30,
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
    check_page("home")
    page.get_by_role("link", name="Dinnington Group Practice").click()
    page.get_by_role(
        "link", name="Quarterly worksheets and claims of Dinnington Group Practice"
    ).click()
    main = page.get_by_role("main")
    # The quarter due is the first row; the one in progress says when it opens.
    first_row = main.locator("tbody tr").first
    expect(first_row.get_by_role("rowheader")).to_have_text(target.label)
    expect(first_row).to_contain_text("Due in 9 days")
    expect(main).to_contain_text(f"Opens {Period.containing(today).next().first_day:%-d %B %Y}")
    check_page("quarters, the due one first")

    first_row.get_by_role("link", name=f"the {target.label} worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{target.label} worksheet")
    expect(main).to_contain_text("not paid and not carried forward")  # the "In another home" hint
    check_page("worksheet form")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this worksheet as a spreadsheet (.xlsx)").click()
    content = open(download.value.path(), "rb").read()
    filled = tmp_path / download.value.suggested_filename
    filled.write_bytes(
        type_figures(
            content,
            {
                "Oakwood Lodge": {
                    HEADINGS["new_permanent"]: 2,
                    HEADINGS["temporary"]: 1,
                    HEADINGS["moved_out"]: 0,
                    HEADINGS["died"]: 1,
                },  # "In another home" left at its 0
                "Rosedale House": {
                    HEADINGS["opening"]: 9,
                    HEADINGS["new_permanent"]: 3,
                    HEADINGS["temporary"]: 0,
                    HEADINGS["moved_out"]: 0,
                    HEADINGS["died"]: 0,
                },
            },
        )
    )

    page.get_by_role("link", name="Upload a filled-in worksheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Upload the {target.label}")
    check_page("upload")
    page.get_by_label("Upload the filled-in worksheet").set_input_files(str(filled))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Check the uploaded {target.label} worksheet"
    )
    gross = 35 * 60 + 2 * 102 + 60 + 9 * 60 + 3 * 102  # £3,210
    expect(main).to_contain_text(f"£{gross:,}.00")
    assert not Worksheet.objects.filter(quarter__year=target.year, quarter__number=target.quarter)
    check_page("upload preview")

    page.get_by_role("button", name="Submit worksheet").click()
    expect(page.get_by_role("main")).to_contain_text("has been submitted (on time)")
    check_page("worksheet submitted")
    claim = Worksheet.objects.get(quarter__year=target.year, quarter__number=target.quarter)
    assert (claim.gross_pence, claim.days_late) == (gross * 100, 0)
    assert claim.lines.get(care_home=rosedale).opening == 9
    receipt = Notice.objects.get(kind=Notice.Kind.RECEIPT, practice=practice)
    assert receipt.recipient_list == ["pm@dinnington.nhs.uk"]
    assert f"£{gross:,}.00" in receipt.body
    assert "In the next payment run after approval" in receipt.body
