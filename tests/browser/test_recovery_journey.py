"""Money both ways (docs/adr/0022): an auditor closes a case with "recovery of payment"; an officer
raises the recovery from it; a second officer approves it; the next payment run, prepared by one
officer and authorised by the other, nets it against the practice's claim; the practice manager
sees it on their payments page and in the remittance advice. Every page reached is axe-checked."""

import datetime
import io
import re

import pypdf
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from audits.models import AuditCase
from claims.models import Adjustment, PaymentRun
from claims.payments.runs import (
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in


def submitted(practice, home, period, opening):
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
    )


def test_recovery_from_an_audit_is_netted_in_the_next_run_and_the_practice_sees_it(
    page, live_server, check_page, tmp_path
):
    rotherham = f.CommissionerFactory(
        code="03L", name="NHS Rotherham CCG", contact_email="les.payments@rotherham.nhs.uk"
    )
    chris = f.officer(rotherham, username="chris.checker", first_name="Chris", last_name="Checker")
    alex = f.officer(rotherham, username="alex.approver", first_name="Alex", last_name="Approver")
    auditor = f.auditor(rotherham, username="ali.auditor", first_name="Ali", last_name="Auditor")
    practice = f.PracticeFactory(
        ods_code="C87001", name="Dinnington Group Practice", pcn__commissioner=rotherham
    )
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice, email="manager.c87001@nhs.net")
    home = f.AlignmentFactory(
        practice=practice, care_home__name="Oakwood Lodge", care_home__commissioner=rotherham
    ).care_home
    manager = f.practice_manager(practice, username="pat.manager")
    # Q1 was paid in an earlier run; Q2 is approved and waits for the next one.
    q1 = claim_approve(
        claim=claim_check(claim=submitted(practice, home, Period(2019, 1), 10), by=chris), by=alex
    )
    first = payment_run_create(
        backdated=True, commissioner=rotherham, run_date=datetime.date(2019, 8, 1), by=chris
    )
    first = payment_run_close(run=payment_run_authorise(run=first, by=alex), by=chris)
    payment_run_mark_paid(run=first, by=alex, payment_reference="BACS-20190801")
    claim_approve(
        claim=claim_check(claim=submitted(practice, home, Period(2019, 2), None), by=chris), by=alex
    )
    case = AuditCase.objects.create(
        practice=practice, financial_year=2019, source="flagged", status="under_review",
        flag_reason="Residents counted at two homes",
    )  # fmt: skip

    # Ali closes the case: recovery of payment.
    sign_in(page, live_server, auditor.username)
    page.goto(reverse("audits:case", args=[case.pk]))
    page.get_by_label("Recovery of payment").check()
    page.locator("#id_close-findings").fill("Two residents were claimed at two homes in Q1.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Closed: Recovery of payment")).to_be_visible()
    expect(page.get_by_role("link", name="Raise a recovery")).to_have_count(0)  # auditors do not
    check_page("case closed with a recovery")
    page.get_by_role("button", name="Sign out").click()

    # Chris raises the recovery from the case.
    sign_in(page, live_server, chris.username)
    page.goto(reverse("audits:case", args=[case.pk]))
    page.get_by_role("link", name="Raise a recovery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Raise a recovery: Dinnington Group Practice"
    )
    expect(page.get_by_label("Audit finding")).to_be_checked()
    check_page("raise a recovery")
    page.get_by_role("button", name="Raise adjustment").click()  # nothing filled in
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose the paid claim")
    check_page("raise a recovery with errors")
    page.get_by_label("Paid claim").select_option(
        label=f"{q1.reference}: {practice.name}, 2019/20 Q1"
    )
    page.get_by_label("Amount in pounds").fill("-120.00")
    page.get_by_label("Explanation").fill("Two residents claimed at Oakwood Lodge and elsewhere.")
    page.get_by_role("button", name="Raise adjustment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recovery ADJ-")
    check_page("recovery raised")
    adjustment = Adjustment.objects.get()
    assert (adjustment.amount_pence, adjustment.audit_case) == (-12_000, case)
    page.get_by_role("button", name="Sign out").click()

    # Alex approves it, then prepares the next run.
    sign_in(page, live_server, alex.username)
    page.goto(reverse("adjustments:detail", args=[adjustment.pk]))
    page.get_by_role("button", name="Approve adjustment").click()
    expect(page.get_by_text("netted in the next payment run")).to_be_visible()
    check_page("recovery approved")
    page.get_by_role("banner").get_by_role("link", name="Payment runs").click()
    page.get_by_role("link", name="Create a payment run").click()
    pay_on = london_date(timezone.now()) + datetime.timedelta(days=7)  # not in the past
    fill_date(page, "Payment date", pay_on)
    page.get_by_role("button", name="Create payment run").click()
    totals = page.get_by_role("table", name="Due to each practice if the run is closed now")
    expect(totals).to_contain_text(adjustment.reference)
    expect(totals).to_contain_text("£480.00")  # £600.00 less £120.00
    expect(page.get_by_role("button", name="Authorise run")).to_have_count(0)
    check_page("run prepared, with the recovery netted")
    page.get_by_role("button", name="Sign out").click()

    # Chris authorises and closes it.
    sign_in(page, live_server, chris.username)
    run = PaymentRun.objects.get(status=PaymentRun.Status.OPEN)
    page.goto(reverse("payment_runs:run", args=[run.pk]))
    page.get_by_role("button", name="Authorise run").click()
    expect(page.get_by_role("alert")).to_contain_text("authorised to pay £480.00")
    check_page("run authorised")
    page.get_by_role("button", name="Close run").click()  # the confirmation page first
    expect(page.get_by_role("table", name=re.compile("who is emailed"))).to_contain_text("£480.00")
    check_page("close confirmation with the recovery")
    page.get_by_role("button", name="Close run and email 1 practice").click()
    expect(page.get_by_role("alert")).to_contain_text("1 adjustment netted")
    paid = page.get_by_role("table", name="Paid to each practice (remittances)")
    expect(paid.get_by_role("row", name=re.compile("Dinnington"))).to_contain_text("£480.00")
    check_page("run closed with the recovery")
    page.get_by_role("button", name="Sign out").click()

    # Pat sees the recovery on the practice's payments page and in the remittance advice.
    sign_in(page, live_server, manager.username)
    page.goto(reverse("payment_runs:practice_payments", args=[practice.ods_code]))
    adjustments = page.get_by_role("table", name="Adjustments of paid claims")
    expect(adjustments).to_contain_text("Two residents claimed at Oakwood Lodge")
    expect(adjustments).to_contain_text("-£120.00")
    check_page("practice payments with the recovery")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile(f"Download remittance advice {run.reference}")
        ).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = " ".join(
        (p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(saved.read_bytes())).pages
    )
    text = re.sub(r"\s+", " ", text)
    assert f"Recovery {adjustment.reference}" in text
    assert re.search(r"Two residents claimed at Oakwood Lodge and elsewhere\. - ?£120\.00", text)
    assert "Claims in this run £600.00 Paid £480.00" in text
    assert "les.payments@rotherham.nhs.uk" in text
