"""Review at the pace of a quarter and a payment run that forgives mistakes, in the browser (issue
16): one officer bulk-checks three claims from the queue, a second bulk-approves them; the run is
prepared, its date corrected, authorised by the second officer and closed from its confirmation
page. The claims table at 1280 px shows the net without scrolling sideways (measured). Every page
reached is axe-checked."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from claims.models import PaymentRun, Worksheet
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in

S = Worksheet.Status
PRACTICES = [
    ("C87001", "Dinnington Group Practice", "Oakwood Lodge"),
    ("C87002", "Kiveton Park Medical Practice", "Beech Hill"),
    ("C87003", "Rawmarsh Health Centre", "Rosedale House"),
]


def submitted_claims(commissioner):
    quarter = quarter_for(Period(2019, 1))
    claims = []
    for ods_code, name, home in PRACTICES:
        practice = f.PracticeFactory(ods_code=ods_code, name=name, pcn__commissioner=commissioner)
        f.AgreementFactory(practice=practice)
        care_home = f.AlignmentFactory(
            practice=practice, care_home__name=home, care_home__commissioner=commissioner
        ).care_home
        claims.append(
            worksheet_submit(
                practice=practice,
                quarter=quarter,
                entries={
                    care_home.pk: LineEntry(
                        opening=10, new_permanent=0, temporary=0, moved_out=0, died=0
                    )
                },
                by=None,
                submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(10), LONDON),
            )
        )
    return claims  # £600.00 each


def sign_out(page: Page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def no_sideways_scroll_with_net_visible(page: Page) -> dict:
    """Measured in the browser: the page and the claims table's scroll region do not scroll
    sideways, and the Net column's header lies within the viewport."""
    return page.evaluate(
        r"""() => {
            const table = [...document.querySelectorAll('table')].find(
                t => t.caption && /^Claims \(/.test(t.caption.textContent));
            const region = table.closest('.nhsuk-scroll__content') || table.parentElement;
            const net = [...table.querySelectorAll('th')].find(th => th.textContent.trim().startsWith('Net'));
            const box = net.getBoundingClientRect();
            return {
                page: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
                table: region.scrollWidth <= region.clientWidth,
                net: box.right <= window.innerWidth && box.width > 0,
                width: window.innerWidth,
            };
        }"""
    )


def select_all_claims(page: Page):
    for _ods, name, _home in PRACTICES:
        page.get_by_label(re.compile(f"Select .*{name}")).check()


def test_bulk_check_bulk_approve_then_a_run_confirmed_and_closed(
    page, live_server, check_page, console_errors
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    claims = submitted_claims(rotherham)
    for claim in claims[:1]:
        claim.practice.contacts.create(email="manager.c87001@nhs.net")
    chris = f.officer(rotherham, username="chris.checker", first_name="Chris", last_name="Checker")
    alex = f.officer(
        rotherham,
        username="alex.approver",
        first_name="Alex",
        last_name="Approver",
        is_finance_approver=True,
    )

    # Chris opens the queue on what he can act on: three claims to check, the net on screen.
    sign_in(page, live_server, chris.username)
    page.goto("/claims/")
    expect(page.get_by_text("Claims you can act on (3)")).to_be_visible()
    assert page.viewport_size["width"] == 1280
    measured = no_sideways_scroll_with_net_visible(page)
    assert measured == {"page": True, "table": True, "net": True, "width": 1280}, measured
    check_page("claims to check")

    select_all_claims(page)
    page.get_by_role("button", name="Check selected claims").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check 3 claims")
    expect(page.get_by_role("table", name="Claims to check")).to_contain_text("£1,800.00")
    check_page("bulk check confirmation")
    assert not Worksheet.objects.exclude(status=S.SUBMITTED).exists()
    page.get_by_role("button", name="Check 3 claims (£1,800.00)").click()
    expect(page.get_by_role("alert")).to_contain_text("3 claims checked, £1,800.00 in all.")
    expect(page.get_by_text("Claims you can act on (0)")).to_be_visible()
    check_page("claims checked")

    # He cannot approve what he checked: the claim page says so instead of offering it.
    page.goto(f"/claims/{claims[0].pk}/")
    expect(page.get_by_role("main")).to_contain_text(
        "You checked this claim: a different officer must approve it."
    )
    expect(page.get_by_role("button", name="Approve claim")).to_have_count(0)
    check_page("approval explained to the checker")
    sign_out(page)

    # Alex approves the three together.
    sign_in(page, live_server, alex.username)
    page.goto("/claims/")
    expect(page.get_by_text("Claims you can act on (3)")).to_be_visible()
    select_all_claims(page)
    page.get_by_role("button", name="Approve selected claims").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve 3 claims")
    check_page("bulk approve confirmation")
    page.get_by_role("button", name="Approve 3 claims (£1,800.00)").click()
    expect(page.get_by_role("alert")).to_contain_text("3 claims approved, £1,800.00 in all.")
    check_page("claims approved")
    assert set(Worksheet.objects.values_list("status", "checked_by", "approved_by")) == {
        (S.APPROVED, chris.pk, alex.pk)
    }
    sign_out(page)

    # Chris prepares a run, first with a date in the past, then corrects its date.
    sign_in(page, live_server, chris.username)
    page.goto("/payment-runs/new/")
    fill_date(page, "Payment date", ("30", "8", "2019"))
    page.get_by_role("button", name="Create payment run").click()
    expect(page.get_by_role("alert")).to_contain_text("has passed")
    check_page("run date in the past")
    today = london_date(timezone.now())
    fill_date(page, "Payment date", (today + datetime.timedelta(days=3)))
    page.get_by_role("button", name="Create payment run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PR-03L-")
    page.get_by_role("link", name="Change the payment date").click()
    check_page("change the payment date")
    pay_on = today + datetime.timedelta(days=10)
    fill_date(page, "Payment date", pay_on)
    page.get_by_role("button", name="Save payment date").click()
    expect(page.get_by_role("alert")).to_contain_text(f"PR-03L-{pay_on:%Y%m%d}")
    check_page("run prepared")
    sign_out(page)

    # Alex authorises it.
    sign_in(page, live_server, alex.username)
    run = PaymentRun.objects.get(status=PaymentRun.Status.OPEN)
    page.goto(f"/payment-runs/{run.pk}/")
    page.get_by_role("button", name="Authorise run").click()
    expect(page.get_by_role("alert")).to_contain_text("authorised to pay £1,800.00")
    check_page("run authorised")
    sign_out(page)

    # Chris confirms and closes it: who is paid and emailed, then the run closed.
    sign_in(page, live_server, chris.username)
    page.goto(f"/payment-runs/{run.pk}/")
    page.get_by_role("button", name="Close run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before closing the run")
    confirmation = page.get_by_role("table", name=re.compile("who is emailed"))
    expect(confirmation).to_contain_text("manager.c87001@nhs.net")
    expect(confirmation).to_contain_text("No contact email: nobody is emailed")
    check_page("close run confirmation")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN  # nothing closed by looking
    page.get_by_role("button", name="Close run and email 3 practices").click()
    expect(page.get_by_role("alert")).to_contain_text("closed: 3 claims for 3 practices, £1,800.00")
    # Not paid before its date: the page explains instead of offering "Mark as paid".
    expect(page.get_by_role("main")).to_contain_text(
        f"The run pays on {pay_on:%-d %B %Y}. It can be marked as paid"
    )
    expect(page.get_by_role("button", name="Mark as paid")).to_have_count(0)
    check_page("run closed, paid on its date")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CLOSED
    assert set(run.claims.values_list("status", flat=True)) == {S.SCHEDULED}
