"""An officer closes a payment run and watches its remittance advice being built by a real Celery
worker (consuming from Redis); they check the emails sent; then a practice manager downloads their
practice's remittance advice. Every page reached is axe-checked."""

import datetime
import re

from playwright.sync_api import expect

from claims.payments.runs import payment_run_create
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from notices.models import Notice
from tests import factories as f
from tests.browser.helpers import sign_in


def approved_claim(commissioner, officers, *, ods_code, name, home, opening):
    practice = f.PracticeFactory(ods_code=ods_code, name=name, pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice, email=f"manager.{ods_code.lower()}@nhs.net")
    care_home = f.AlignmentFactory(
        practice=practice, care_home__name=home, care_home__commissioner=commissioner
    ).care_home
    quarter = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            care_home.pk: LineEntry(
                opening=opening, new_permanent=1, temporary=0, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
    )
    claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    return practice


def test_officer_watches_remittances_build_and_manager_downloads_theirs(
    page, live_server, check_page, celery_worker, tmp_path
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    officers = (
        f.officer(rotherham, username="chris.checker", first_name="Chris", last_name="Checker"),
        f.officer(rotherham, username="alex.approver", first_name="Alex", last_name="Approver"),
    )
    dinnington = approved_claim(
        rotherham, officers, ods_code="C87001", name="Dinnington Group Practice",
        home="Oakwood Lodge", opening=10,
    )  # fmt: skip
    approved_claim(
        rotherham, officers, ods_code="C87002", name="Kiveton Park Medical Practice",
        home="Beech Hill", opening=6,
    )  # fmt: skip
    run = f.authorised(  # by a second officer (docs/adr/0022)
        payment_run_create(
            backdated=True, commissioner=rotherham, run_date=datetime.date(2019, 8, 1), by=None
        )
    )
    manager = f.practice_manager(dinnington, username="pat.manager")

    sign_in(page, live_server, "chris.checker")
    page.goto(f"/payment-runs/{run.pk}/")
    check_page("open run")
    page.get_by_role("button", name="Close run").click()  # the confirmation page first
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before closing the run")
    page.get_by_role("button", name="Close run and email 2 practices").click()
    expect(page.get_by_text(f"{run.reference} closed")).to_be_visible()
    status = page.locator("#remittance-progress")
    expect(status).to_have_attribute("role", "status")
    # The worker builds and emails them; the page's status line follows without a reload.
    expect(status).to_have_text("2 of 2 remittance advices built, 2 emailed.", timeout=90_000)
    expect(
        page.get_by_role("link", name=re.compile("Download the remittance advice for Dinnington"))
    ).to_be_visible()
    check_page("run closed, remittances built")

    page.get_by_role("link", name=re.compile("email to Dinnington")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remittance advice")
    expect(page.get_by_text("manager.c87001@nhs.net")).to_be_visible()
    check_page("remittance email")
    page.goto("/emails/")  # in the header's "More" menu at this width
    expect(page.get_by_role("heading", name="Emails to practices")).to_be_visible()
    check_page("emails to practices")
    assert Notice.objects.filter(kind=Notice.Kind.REMITTANCE, status="sent").count() == 2

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, manager.username)
    page.goto(f"/practices/{dinnington.ods_code}/payments/")
    check_page("practice payments")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile(f"Download remittance advice {run.reference}")
        ).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"remittance-advice-{run.reference}-C87001.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
