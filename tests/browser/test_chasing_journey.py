"""An officer chases a practice that has not sent the last quarter's worksheet, with the keyboard
alone: home → the outstanding page → chase, zero axe violations on every page reached."""

from __future__ import annotations

from django.utils import timezone
from playwright.sync_api import expect

from claims import selectors
from claims.worksheets.services import quarter_for
from notices.models import Notice
from tests import factories as f
from tests.browser.test_keyboard_journeys import (
    activate,
    assert_skip_link_first,
    sign_in_by_keyboard,
)
from tests.two_factor import authenticator


def test_officer_chases_a_practice_from_the_home_page_with_the_keyboard_alone(
    page, live_server, check_page, console_errors
):
    today = timezone.localdate()
    quarter = quarter_for(selectors.last_quarter_due(today).period)
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(practice=practice, care_home__commissioner=rotherham)
    f.PracticeContactFactory(practice=practice, email="manager@dinnington.nhs.uk")
    officer = f.officer(rotherham, username="olive.officer", first_name="Olive")
    authenticator(officer)

    sign_in_by_keyboard(page, live_server, officer.username)
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"Not submitted: {quarter.label} worksheets")
    expect(main).to_contain_text("Dinnington Group Practice (C87001)")
    check_page("officer home")
    assert_skip_link_first(page)
    activate(page, page.get_by_role("link", name="1 practice not submitted"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{quarter.label} worksheets")
    expect(main).to_contain_text("manager@dinnington.nhs.uk")
    check_page("outstanding worksheets")
    assert_skip_link_first(page)
    activate(page, page.get_by_role("button", name="Chase Dinnington Group Practice"))
    expect(page.get_by_role("alert")).to_contain_text("chased for the")
    expect(main).to_contain_text("Chased today")
    expect(main).to_contain_text("Chasing email")
    check_page("practice chased")
    notice = Notice.objects.get(kind=Notice.Kind.CHASE)
    assert notice.practice == practice and notice.recipient_list == ["manager@dinnington.nhs.uk"]
