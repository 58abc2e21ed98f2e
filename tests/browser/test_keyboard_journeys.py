"""The two main journeys with the keyboard alone (WCAG 2.1.1 Keyboard, 2.4.1 Bypass blocks, 2.4.7
Focus visible): a practice manager submits a quarter's worksheet and an officer approves a claim,
from signing in to the outcome, with nothing but Tab, Shift+Tab, Enter, Space and typing into the
focused field. No ``click()``, no ``fill()``.

Each control is found by its role and accessible name (as a screen reader user would hear it), then
reached by pressing Tab until it has the focus; every link and button reached must show a visible
focus indicator, and the skip link must be the first Tab stop of a page."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from claims.models import Quarter, Worksheet
from claims.review.services import claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f
from tests.factories import TEST_PASSWORD
from tests.two_factor import authenticator, current_code

MAX_TAB_STOPS = 200  # more than any page here has: a control not reached by then is unreachable

# The focused element's focus indicator, as the browser paints it.
FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    return {
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
            && style.outlineColor !== 'transparent' && style.outlineColor !== 'rgba(0, 0, 0, 0)',
        boxShadow: style.boxShadow !== 'none',
        description: `${el.tagName.toLowerCase()} "${(el.innerText || el.value || '').trim()}"`
            + ` outline=${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`
            + ` box-shadow=${style.boxShadow}`,
    };
}"""


def is_focused(target: Locator) -> bool:
    return target.evaluate("el => el === document.activeElement")


def assert_focus_visible(page: Page) -> None:
    focused = page.locator(":focus")
    style = focused.evaluate(FOCUS_STYLE)
    assert style["outline"] or style["boxShadow"], (
        f"no visible focus indicator on {style['description']}"
    )


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus; fail if it never does."""
    expect(target).to_be_visible()
    for _ in range(MAX_TAB_STOPS):
        if is_focused(target):
            break
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    else:
        raise AssertionError(f"{target} cannot be reached with the Tab key")
    tag = target.evaluate("el => el.tagName.toLowerCase()")
    if tag in ("a", "button"):
        assert_focus_visible(page)


def activate(page: Page, target: Locator) -> None:
    """Tab to a link or button and press Enter."""
    tab_to(page, target)
    page.keyboard.press("Enter")


def type_into(page: Page, field: Locator, text: str) -> None:
    """Tab to a field, select what it holds and type over it."""
    tab_to(page, field)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def assert_skip_link_first(page: Page) -> None:
    """From the top of a freshly loaded page, the first Tab stop is the skip link, which is
    visibly focused and moves the focus to the main content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert is_focused(skip), "the skip link is not the first Tab stop"
    expect(skip).to_be_visible()  # shown when focused
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()


def sign_in_by_keyboard(page: Page, live_server, username: str) -> None:
    # Django's sign-in form puts the focus in Username on load (autofocus), so the skip link is
    # checked on the pages after it.
    page.goto(f"{live_server.url}/accounts/login/")
    type_into(page, page.get_by_label("Username"), username)
    type_into(page, page.get_by_label("Password"), TEST_PASSWORD)
    activate(page, page.get_by_role("button", name="Sign in"))
    expect(page).not_to_have_url(f"{live_server.url}/accounts/login/")
    if "/accounts/two-factor/" in page.url:
        from accounts.models import Authenticator

        device = Authenticator.objects.filter(user__username=username).latest("pk")
        type_into(page, page.get_by_label("Code from your authenticator app"), current_code(device))
        page.keyboard.press("Enter")  # submits the form from its field, as people do
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_practice_manager_submits_a_worksheet_with_the_keyboard_alone(
    page, live_server, check_page, console_errors
):
    today = timezone.localdate()
    target = Period.containing(today).previous()  # a quarter that has ended
    Quarter.objects.create(
        year=target.year, number=target.quarter, due_date=today + datetime.timedelta(days=7)
    )
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(
        practice=practice,
        care_home__name="Rosedale House",
        care_home__beds=20,
        care_home__commissioner=rotherham,
        start_date=target.first_day,
    )
    manager = f.practice_manager(practice, username="pat.manager", first_name="Pat")

    sign_in_by_keyboard(page, live_server, manager.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practices")
    check_page("home")
    assert_skip_link_first(page)
    activate(page, page.get_by_role("link", name="Dinnington Group Practice"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dinnington Group Practice")
    activate(
        page,
        page.get_by_role(
            "link", name="Quarterly worksheets and claims of Dinnington Group Practice"
        ),
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("worksheets")
    check_page("quarters")
    activate(page, page.get_by_role("link", name=f"the {target.label} worksheet").first)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{target.label} worksheet")
    check_page("worksheet form")

    figures = {
        "patients at the start of the quarter": "9",
        "new permanent patients": "3",
        "temporary patients": "1",
        "patients who moved out": "0",
        "patients who died": "1",
        "patients living in another care home": "0",
    }
    for label, value in figures.items():
        type_into(page, page.get_by_label(f"Rosedale House: {label}"), value)
    activate(page, page.get_by_role("button", name="Check figures"))
    main = page.get_by_role("main")
    gross = 9 * 60 + 3 * 102 + 60  # £906
    expect(main.get_by_role("row", name="Gross")).to_contain_text(f"£{gross:,}.00")
    check_page("worksheet preview")

    activate(page, page.get_by_role("button", name="Submit worksheet"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{target.label} worksheet")
    expect(page.get_by_role("alert")).to_contain_text(
        f"The {target.label} worksheet has been submitted (on time): net payment £{gross:,}.00."
    )
    check_page("worksheet submitted")
    claim = Worksheet.objects.get(quarter__year=target.year, quarter__number=target.quarter)
    assert (claim.status, claim.gross_pence) == (Worksheet.Status.SUBMITTED, gross * 100)


def test_officer_approves_a_claim_with_the_keyboard_alone(
    page, live_server, check_page, console_errors
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(
        practice=practice, care_home__name="Oakwood Lodge", care_home__commissioner=rotherham
    ).care_home
    quarter = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON),
    )
    checker = f.officer(rotherham, username="chris.checker", first_name="Chris")
    claim_check(claim=claim, by=checker)
    approver = f.officer(rotherham, username="alex.approver", first_name="Alex")
    authenticator(approver)

    sign_in_by_keyboard(page, live_server, approver.username)
    check_page("officer home")
    assert_skip_link_first(page)
    activate(page, page.get_by_role("link", name="Claims to review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims")
    check_page("claims queue")
    assert_skip_link_first(page)  # and from the main content, on to the queue's links
    activate(page, page.get_by_role("link", name="Dinnington Group Practice 2019/20 Q1 claim"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2019/20 Q1 claim")
    check_page("claim checked by another officer")
    activate(page, page.get_by_role("button", name="Approve claim"))
    expect(page.get_by_role("alert")).to_contain_text("approved")
    expect(page.locator(".nhsuk-tag")).to_have_text("Approved")
    check_page("claim approved")
    claim.refresh_from_db()
    assert claim.status == Worksheet.Status.APPROVED
