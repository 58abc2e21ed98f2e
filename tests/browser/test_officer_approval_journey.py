"""Officers review claims in the browser: one checks a claim and is refused when they try to approve
it too, a second approves it, a third queries another claim, which the practice manager amends and
resubmits; then an officer waives the deduction on a late claim, creates a payment run, closes it
and sees the totals per practice. Every page reached is axe-checked, the error pages included."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from claims.models import PaymentRun, Worksheet
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in

S = Worksheet.Status
Q1 = Period(2019, 1)  # 2019/20 Q1, due 14 July 2019


def practice_with_claim(commissioner, *, ods_code, name, home, days_late, opening):
    practice = f.PracticeFactory(ods_code=ods_code, name=name, pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    care_home = f.AlignmentFactory(
        practice=practice, care_home__name=home, care_home__commissioner=commissioner
    ).care_home
    quarter = quarter_for(Q1)
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            care_home.pk: LineEntry(
                opening=opening, new_permanent=0, temporary=0, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=days_late), datetime.time(10), LONDON
        ),
    )
    return claim, care_home


def sign_out(page: Page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_officers_check_approve_query_waive_and_run_payments(
    page, live_server, check_page, console_errors
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    dinnington, _ = practice_with_claim(
        rotherham,
        ods_code="C87001",
        name="Dinnington Group Practice",
        home="Oakwood Lodge",
        days_late=0,
        opening=10,
    )  # £600.00
    kiveton, beech = practice_with_claim(
        rotherham,
        ods_code="C87002",
        name="Kiveton Park Medical Practice",
        home="Beech Hill",
        days_late=2,
        opening=8,
    )
    rawmarsh, _ = practice_with_claim(
        rotherham,
        ods_code="C87003",
        name="Rawmarsh Health Centre",
        home="Rosedale House",
        days_late=10,
        opening=5,
    )  # 10% and deferred: £270.00 in the run after next
    checker = f.officer(
        rotherham, username="chris.checker", first_name="Chris", last_name="Checker"
    )
    approver = f.officer(
        rotherham, username="alex.approver", first_name="Alex", last_name="Approver"
    )
    querier = f.officer(rotherham, username="quinn.query", first_name="Quinn", last_name="Query")
    manager = f.practice_manager(kiveton.practice, username="pat.manager", first_name="Pat")
    claim_approve(claim=claim_check(claim=rawmarsh, by=checker), by=approver)

    # Chris checks Dinnington's claim from the queue.
    sign_in(page, live_server, checker.username, check=check_page)
    check_page("home of Chris")
    page.get_by_role("banner").get_by_role("link", name="Claims", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims")
    expect(page.get_by_role("table", name=re.compile(r"^Claims \("))).to_be_visible()
    check_page("claims queue")
    page.get_by_role("link", name="Dinnington Group Practice 2019/20 Q1 claim").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2019/20 Q1 claim")
    main = page.get_by_role("main")
    expect(main).to_contain_text("10 × £60.00 = £600.00")
    check_page("claim submitted")
    page.get_by_role("button", name="Mark as checked").click()
    expect(page.get_by_role("alert")).to_contain_text("checked. A different officer must")
    check_page("claim checked")

    # Chris cannot approve what he checked: the page says why instead of offering the button.
    expect(page.get_by_role("button", name="Approve claim")).to_have_count(0)
    expect(main).to_contain_text("You checked this claim: a different officer must approve it.")
    check_page("approval explained to the checker")
    dinnington.refresh_from_db()
    assert dinnington.status == S.CHECKED
    sign_out(page)

    # Alex approves it.
    sign_in(page, live_server, approver.username, check=check_page)
    check_page("home of Alex")
    page.goto(f"/claims/{dinnington.pk}/")
    page.get_by_role("button", name="Approve claim").click()
    expect(page.get_by_role("alert")).to_contain_text("approved")
    expect(page.locator(".nhsuk-tag")).to_have_text("Approved")
    check_page("claim approved")
    sign_out(page)

    # Quinn queries Kiveton's claim, meeting the empty-question error first.
    sign_in(page, live_server, querier.username, check=check_page)
    check_page("home of Quinn")
    page.goto(f"/claims/{kiveton.pk}/")
    page.get_by_role("button", name="Send query to the practice").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the question the practice must answer")
    check_page("query without a question")
    page.get_by_label("Question for the practice").fill(
        "Beech Hill's register shows 9 patients at the start of the quarter: please check."
    )
    page.get_by_role("button", name="Send query to the practice").click()
    expect(page.get_by_role("alert")).to_contain_text("queried")
    check_page("claim queried")
    sign_out(page)

    # Pat, Kiveton's practice manager, sees the question and resubmits amended figures.
    sign_in(page, live_server, manager.username, check=check_page)
    check_page("home of Pat")
    page.goto(f"/practices/{kiveton.practice.ods_code}/worksheets/{Q1.slug}/")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Beech Hill's register shows 9 patients")
    expect(page.get_by_label("Beech Hill: patients at the start of the quarter")).to_have_value("8")
    check_page("queried worksheet to amend")
    page.get_by_label("Beech Hill: patients at the start of the quarter").fill("9")
    page.get_by_role("button", name="Check figures").click()
    expect(main).to_contain_text("£540.00")  # 9 × £60
    check_page("amended worksheet preview")
    page.get_by_role("button", name="Resubmit worksheet").click()
    expect(page.get_by_role("alert")).to_contain_text("has been resubmitted (2 days late)")
    check_page("worksheet resubmitted")
    kiveton.refresh_from_db()
    assert (kiveton.status, kiveton.days_late, kiveton.gross_pence) == (S.SUBMITTED, 2, 54000)
    assert kiveton.lines.get(care_home=beech).opening == 9
    # Where Kiveton's money stands, from the practice page.
    page.goto(f"/practices/{kiveton.practice.ods_code}/")
    check_page("practice page")
    page.get_by_role("link", name="Payments to Kiveton Park Medical Practice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payments")
    expect(main).to_contain_text("Not yet approved")
    check_page("practice payments")
    sign_out(page)

    # Chris finds the late claims and waives Rawmarsh's deduction (and with it the deferral).
    sign_in(page, live_server, checker.username, check=check_page)
    check_page("home of Chris again")
    page.goto("/claims/?show=all")  # Rawmarsh is approved: not in Chris's own queue
    page.get_by_text("Filter claims").click()  # the filters are collapsed
    page.get_by_label("Late claims only").check()
    page.get_by_role("button", name="Filter").click()
    expect(
        page.get_by_role("table", name=re.compile(r"^Claims \(")).get_by_role("row")
    ).to_have_count(3)
    check_page("late claims")
    page.get_by_role("link", name="Rawmarsh Health Centre 2019/20 Q1 claim").click()
    expect(main).to_contain_text("£270.00")
    page.get_by_label("Exceptional circumstances").fill(
        "The practice's server failed in the week the worksheet was due."
    )
    page.get_by_role("button", name="Waive the deduction").click()
    expect(page.get_by_role("alert")).to_contain_text("net payment now £300.00")
    # The waiver changed an approved amount: the claim is back in review (ADR 0021).
    expect(page.get_by_role("alert")).to_contain_text("The claim is back in review")
    expect(page.locator(".nhsuk-tag")).to_have_text("Submitted")
    expect(main).to_contain_text("The practice's server failed")
    check_page("deduction waived")
    page.get_by_role("button", name="Mark as checked").click()
    expect(page.get_by_role("alert")).to_contain_text("checked. A different officer must")
    claim_approve(claim=rawmarsh, by=approver)  # Alex approves the new amount

    # Chris creates the payment run (meeting the missing-date error), previews and closes it.
    page.get_by_role("banner").get_by_role("link", name="Payment runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment runs")
    check_page("payment runs")
    page.get_by_role("link", name="Create a payment run").click()
    check_page("create a payment run")
    page.get_by_role("button", name="Create payment run").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the payment date")
    check_page("payment run without a date")
    # The payment date may not be in the past (the London date).
    fill_date(page, "Payment date", ("30", "8", "2019"))
    page.get_by_role("button", name="Create payment run").click()
    expect(page.get_by_role("alert")).to_contain_text("has passed")
    pay_on = london_date(timezone.now()) + datetime.timedelta(days=7)
    fill_date(page, "Payment date", pay_on)
    page.get_by_role("button", name="Create payment run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"PR-03L-{pay_on:%Y%m%d}")
    totals = page.get_by_role("table", name="Due to each practice if the run is closed now")
    expect(totals).to_contain_text("Dinnington Group Practice")
    expect(totals).to_contain_text("Rawmarsh Health Centre")
    expect(totals).not_to_contain_text("Kiveton")  # resubmitted: not approved yet
    expect(totals).to_contain_text("£900.00")
    check_page("open payment run preview")
    # A second officer authorises what the run pays (docs/adr/0022; journeyed in
    # test_recovery_journey.py), then Chris closes it.
    f.authorised(PaymentRun.objects.get())
    page.reload()
    page.get_by_role("button", name="Close run").click()  # to the confirmation page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before closing the run")
    check_page("close run confirmation")
    page.get_by_role("button", name="Close run and email 2 practices").click()
    expect(page.get_by_role("alert")).to_contain_text("closed: 2 claims for 2 practices, £900.00")
    paid = page.get_by_role("table", name="Paid to each practice (remittances)")
    expect(paid.get_by_role("row", name=re.compile("Dinnington"))).to_contain_text("£600.00")
    expect(paid.get_by_role("row", name=re.compile("Rawmarsh"))).to_contain_text("£300.00")
    expect(page.get_by_role("link", name="Download finance export (CSV)")).to_be_visible()
    check_page("closed payment run")
    run = PaymentRun.objects.get()
    assert run.status == PaymentRun.Status.CLOSED
    assert set(run.claims.values_list("status", flat=True)) == {S.SCHEDULED}
