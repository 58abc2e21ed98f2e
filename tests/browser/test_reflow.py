"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide, what a 1280-pixel screen shows at 400% zoom, no
main page of any role scrolls sideways. Wide data tables scroll inside their own container
(``.app-table-scroll`` or nhsuk-frontend's ``.nhsuk-scroll``), never the page. Each page is also
axe-checked and screenshotted at that width (test-output/screenshots/<test>/).

All the pages of a role are visited in one test and every failure is reported together, so one
run names every page that needs a fix."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page

from claims.payments.runs import payment_run_create
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f
from tests.browser.helpers import CSP_VIOLATION, PageChecker, sign_in
from tests.two_factor import authenticator

NARROW = {"width": 320, "height": 640}
Q1 = Period(2019, 1)
Q2 = Period(2019, 2)  # ended, not yet submitted: the manager's worksheet form

PAGE_WIDTH = """() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest: [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter(el => !el.closest('.app-table-scroll, .nhsuk-scroll__content, .nhsuk-skip-link'))
        .filter(el => el.tagName === 'TABLE' || !el.closest('table'))
        .slice(0, 3)
        .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
            + ` right=${Math.round(el.getBoundingClientRect().right)}`
            + (el.caption ? ` "${el.caption.innerText.trim().slice(0, 60)}"` : '')),
})"""


def build_scheme():
    """One commissioner with a practice whose Q1 claim is approved and in a payment run."""
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham Clinical Commissioning Group")
    practice = f.PracticeFactory(
        ods_code="C87001",
        name="Dinnington Group Practice and Branch Surgeries",
        pcn__commissioner=rotherham,
        pcn__name="Rother Valley South Primary Care Network",
    )
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(
        practice=practice,
        care_home__name="Oakwood Lodge Residential and Nursing Home",
        care_home__beds=40,
        care_home__commissioner=rotherham,
        start_date=Q1.first_day,
    ).care_home
    quarter = quarter_for(Q1)
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=30, new_permanent=2, temporary=1, moved_out=1, died=1)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON),
    )
    officer = f.officer(rotherham, username="chris.officer", first_name="Chris")
    authenticator(officer)
    checker = f.officer(rotherham, username="alex.checker")
    claim_approve(claim=claim_check(claim=claim, by=checker), by=officer)
    run = payment_run_create(
        backdated=True, commissioner=rotherham, run_date=datetime.date(2019, 8, 30), by=officer
    )
    manager = f.practice_manager(practice, username="pat.manager", first_name="Pat")
    auditor = f.auditor(rotherham, username="sam.auditor", first_name="Sam")
    authenticator(auditor)
    return {
        "practice": practice,
        "home": home,
        "claim": claim,
        "run": run,
        "officer": officer,
        "manager": manager,
        "auditor": auditor,
    }


def pages_of(role: str, data: dict) -> list[tuple[str, str]]:
    ods = data["practice"].ods_code
    if role == "signed out":
        return [("sign in", "/accounts/login/"), ("accessibility statement", "/accessibility/")]
    if role == "practice manager":
        return [
            ("home", "/"),
            ("practice", f"/practices/{ods}/"),
            ("quarters", f"/practices/{ods}/worksheets/"),
            ("worksheet form", f"/practices/{ods}/worksheets/{Q2.slug}/"),
            ("submitted worksheet", f"/practices/{ods}/worksheets/{Q1.slug}/"),
            ("payments", f"/practices/{ods}/payments/"),
            ("care-home register", f"/practices/{ods}/register/"),
            ("practice schemes", f"/practices/{ods}/schemes/"),
            ("accessibility statement", "/accessibility/"),
        ]
    if role == "auditor":
        return [("home", "/"), ("audits", "/audits/"), ("checks", "/reports/checks/")]
    return [
        ("home", "/"),
        ("practice list", "/practices/"),
        ("practice", f"/practices/{ods}/"),
        ("care homes", "/care-homes/"),
        ("care home", data["home"].get_absolute_url()),
        ("claims queue", "/claims/"),
        ("claim", f"/claims/{data['claim'].pk}/"),
        ("payment runs", "/payment-runs/"),
        ("payment run", f"/payment-runs/{data['run'].pk}/"),
        ("practice payments", f"/practices/{ods}/payments/"),
        ("reports", "/reports/"),
        ("dashboard", "/reports/dashboard/"),
        ("coverage", "/care-homes/coverage/"),
        ("schemes", "/reports/schemes/"),
        ("schemes by practice", "/reports/schemes/?rows=practice"),
        ("schemes for a practice", f"/reports/schemes/?show=practice:{ods}"),
        ("checks", "/reports/checks/"),
        ("audits", "/audits/"),
        ("emails", "/emails/"),
    ]


def reflow_problem(page: Page) -> str | None:
    width = page.evaluate(PAGE_WIDTH)
    if width["scrollWidth"] <= width["innerWidth"]:
        return None
    return (
        f"scrolls sideways: {width['scrollWidth']}px wide in a {width['innerWidth']}px window"
        f" (too wide: {', '.join(width['widest']) or 'see the screenshot'})"
    )


@pytest.mark.parametrize(
    "role", ["signed out", "practice manager", "contracting officer", "auditor"]
)
def test_main_pages_reflow_at_320_pixels(role, page, live_server, check_page, console_errors):
    data = build_scheme()
    user = {
        "practice manager": data["manager"],
        "contracting officer": data["officer"],
        "auditor": data["auditor"],
    }.get(role)
    if user is not None:
        sign_in(page, live_server, user.username)
    page.set_viewport_size(NARROW)

    problems = []
    for label, url in pages_of(role, data):
        response = page.goto(url)
        if response is None or response.status != 200:
            problems.append(f"{label} ({url}): status {response and response.status}")
            continue
        problem = reflow_problem(page)
        if problem:
            problems.append(f"{label} ({url}): {problem}")
        try:
            check_page(f"{label} at 320px")
        except AssertionError as violations:
            problems.append(f"{label} ({url}): {violations}")
    assert not problems, f"{len(problems)} page(s) fail at 320px:\n- " + "\n- ".join(problems)


# -- the Content-Security-Policy check every journey's check_page makes -------------------------


def test_check_page_fails_on_a_content_security_policy_violation(browser, live_server):
    """An inline script (which the policy forbids) makes the next ``check_page`` fail, while the
    same page without it passes. Its own context: the ``page`` fixture would fail the test at
    teardown on the console error that is the point here."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        check = PageChecker(page, "test_check_page_fails_on_a_content_security_policy_violation")
        page.goto("/accessibility/")
        check("accessibility statement")  # no violation yet

        with page.expect_console_message(lambda m: bool(CSP_VIOLATION.search(m.text))):
            page.evaluate(
                """() => {
                    const script = document.createElement('script');
                    script.textContent = 'document.title = "inline";';
                    document.body.append(script);
                }"""
            )
        assert page.title() != "inline"  # the policy held
        with pytest.raises(AssertionError, match="Content-Security-Policy violation"):
            check("after an inline script")
    finally:
        context.close()
