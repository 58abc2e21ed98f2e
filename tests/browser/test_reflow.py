"""Reflow (WCAG 1.4.10) and the net on screen (issue 16), measured in the browser over the same main
pages of every role (``pages_of``):

* At 320 CSS pixels wide, what a 1280-pixel screen shows at 400% zoom, no main page scrolls
  sideways. Wide data tables scroll inside their own container (``.app-table-scroll`` or
  nhsuk-frontend's ``.nhsuk-scroll``), never the page. Each page is also axe-checked and
  screenshotted at that width (test-output/screenshots/<test>/).
* At 1280 pixels, no page scrolls sideways either, and on the pages that show money (the claims
  queue, a claim, a payment run, a submitted worksheet, a practice's payments) the net column or
  figure lies within the viewport with no container scrolled: ``getBoundingClientRect().right``
  of its heading and of every one of its cells is at most ``innerWidth`` and within every
  ancestor that clips overflow. (A practice's list of quarterly worksheets shows each claim's
  status, not its money, so the submitted worksheet's page stands for it.)

All the pages of a role are visited in one test and every failure is reported together, so one
run names every page that needs a fix."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import NamedTuple

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
WIDE = {"width": 1280, "height": 900}
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


class MainPage(NamedTuple):
    label: str
    url: str
    # On a page that shows money: the heading of the net column (a table's ``th``) or figure (a
    # summary list's ``dt``), matched in full (a regular expression).
    net: str | None = None


def pages_of(role: str, data: dict) -> list[MainPage]:
    """The main pages of each role, visited at 320 and at 1280 pixels."""
    ods = data["practice"].ods_code
    if role == "signed out":
        return [
            MainPage("sign in", "/accounts/login/"),
            MainPage("accessibility statement", "/accessibility/"),
        ]
    if role == "practice manager":
        return [
            MainPage("home", "/"),
            MainPage("practice", f"/practices/{ods}/"),
            MainPage("quarters", f"/practices/{ods}/worksheets/"),
            MainPage("worksheet form", f"/practices/{ods}/worksheets/{Q2.slug}/"),
            MainPage(
                "submitted worksheet", f"/practices/{ods}/worksheets/{Q1.slug}/", net="Net payment"
            ),
            MainPage("payments", f"/practices/{ods}/payments/", net="Net payment"),
            MainPage("care-home register", f"/practices/{ods}/register/"),
            MainPage("practice schemes", f"/practices/{ods}/schemes/"),
            MainPage("accessibility statement", "/accessibility/"),
        ]
    if role == "auditor":
        return [
            MainPage("home", "/"),
            MainPage("audits", "/audits/"),
            MainPage("checks", "/reports/checks/"),
        ]
    return [
        MainPage("home", "/"),
        MainPage("practice list", "/practices/"),
        MainPage("practice", f"/practices/{ods}/"),
        MainPage("care homes", "/care-homes/"),
        MainPage("care home", data["home"].get_absolute_url()),
        MainPage("claims queue", "/claims/"),  # none to act on: the claim is paid
        MainPage("all claims", "/claims/?show=all", net="Net"),
        MainPage("claim", f"/claims/{data['claim'].pk}/", net="Net( payment)?"),
        MainPage("payment runs", "/payment-runs/"),
        MainPage("payment run", f"/payment-runs/{data['run'].pk}/", net="Amount paid"),
        MainPage("practice payments", f"/practices/{ods}/payments/", net="Net payment"),
        MainPage("reports", "/reports/"),
        MainPage("dashboard", "/reports/dashboard/"),
        MainPage("coverage", "/care-homes/coverage/"),
        MainPage("schemes", "/reports/schemes/"),
        MainPage("schemes by practice", "/reports/schemes/?rows=practice"),
        MainPage("schemes for a practice", f"/reports/schemes/?show=practice:{ods}"),
        MainPage("checks", "/reports/checks/"),
        MainPage("audits", "/audits/"),
        MainPage("emails", "/emails/"),
    ]


ROLES = ["signed out", "practice manager", "contracting officer", "auditor"]


def reflow_problem(page: Page) -> str | None:
    width = page.evaluate(PAGE_WIDTH)
    if width["scrollWidth"] <= width["innerWidth"]:
        return None
    return (
        f"scrolls sideways: {width['scrollWidth']}px wide in a {width['innerWidth']}px window"
        f" (too wide: {', '.join(width['widest']) or 'see the screenshot'})"
    )


# The net's heading (th or dt whose whole text matches) with, for a table column, every body cell
# in that column and, for a summary list, its value. Each must end within the viewport and within
# every ancestor that clips overflow (a scroll region), with nothing scrolled.
NET_ON_SCREEN = r"""(pattern) => {
    const matches = new RegExp(`^(?:${pattern})$`);
    const headings = [...document.querySelectorAll('main th, main dt')]
        .filter(el => matches.test(el.textContent.trim()));
    const figures = [];
    for (const heading of headings) {
        figures.push(heading);
        if (heading.tagName === 'DT') {
            figures.push(heading.nextElementSibling);
            continue;
        }
        const columns = heading.parentElement.cells.length;
        for (const body of heading.closest('table').tBodies) {
            for (const row of body.rows) {
                if (row.cells.length === columns) figures.push(row.cells[heading.cellIndex]);
            }
        }
    }
    const scrolled = [...document.querySelectorAll('*')].filter(el => el.scrollLeft !== 0);
    const off = [];
    for (const figure of figures) {
        let limit = window.innerWidth;
        for (let box = figure.parentElement; box; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== 'visible') {
                limit = Math.min(limit, box.getBoundingClientRect().right);
            }
        }
        const right = figure.getBoundingClientRect().right;
        if (right > limit + 0.5 || figure.getBoundingClientRect().width === 0) {
            off.push(`${figure.tagName.toLowerCase()} "${figure.textContent.trim().slice(0, 40)}"`
                + ` right=${Math.round(right)} > ${Math.round(limit)}`);
        }
    }
    return {
        headings: headings.length,
        figures: figures.length - headings.length,
        scrolled: scrolled.length + window.scrollX,
        off: off.slice(0, 3),
    };
}"""


def net_problem(page: Page, pattern: str) -> str | None:
    net = page.evaluate(NET_ON_SCREEN, pattern)
    if not net["headings"] or not net["figures"]:
        return f"no net shown (no heading or no figure matching {pattern!r})"
    if net["scrolled"]:
        return "something is scrolled sideways before the net is measured"
    if net["off"]:
        return f"the net is off screen at {page.viewport_size['width']}px: {', '.join(net['off'])}"
    return None


def main_pages(
    role: str, page: Page, live_server, viewport: dict, problems: list[str]
) -> Iterator[MainPage]:
    """Signs in as ``role``, then loads each of its main pages at ``viewport``'s width and yields
    it once it has loaded, after adding to ``problems`` any failure to load or sideways scroll."""
    data = build_scheme()
    user = {
        "practice manager": data["manager"],
        "contracting officer": data["officer"],
        "auditor": data["auditor"],
    }.get(role)
    if user is not None:
        sign_in(page, live_server, user.username)
    page.set_viewport_size(viewport)
    for main_page in pages_of(role, data):
        response = page.goto(main_page.url)
        if response is None or response.status != 200:
            problems.append(
                f"{main_page.label} ({main_page.url}): status {response and response.status}"
            )
            continue
        problem = reflow_problem(page)
        if problem:
            problems.append(f"{main_page.label} ({main_page.url}): {problem}")
        yield main_page


@pytest.mark.parametrize("role", ROLES)
def test_main_pages_reflow_at_320_pixels(role, page, live_server, check_page, console_errors):
    problems = []
    for main_page in main_pages(role, page, live_server, NARROW, problems):
        try:
            check_page(f"{main_page.label} at 320px")
        except AssertionError as violations:
            problems.append(f"{main_page.label} ({main_page.url}): {violations}")
    assert not problems, f"{len(problems)} page(s) fail at 320px:\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_main_pages_fit_at_1280_pixels_with_the_net_on_screen(
    role, page, live_server, console_errors
):
    problems = []
    money_pages = 0
    for main_page in main_pages(role, page, live_server, WIDE, problems):
        if main_page.net is None:
            continue
        money_pages += 1
        problem = net_problem(page, main_page.net)
        if problem:
            problems.append(f"{main_page.label} ({main_page.url}): {problem}")
    assert not problems, f"{len(problems)} page(s) fail at 1280px:\n- " + "\n- ".join(problems)
    assert page.viewport_size == WIDE
    assert money_pages == {"practice manager": 2, "contracting officer": 4}.get(role, 0)


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
