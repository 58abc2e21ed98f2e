"""A practice manager keeps the care-home register: adds a resident (first with a mistyped NHS
number, which the form names), records a clinic, and sees what is due; an auditor reads the same
practice's compliance as counts, without NHS numbers. Every page reached is axe-checked."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import fill_date, sign_in


def test_manager_keeps_register_and_auditor_reads_counts(page, live_server, check_page):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    alignment = f.AlignmentFactory(
        care_home__name="Oakwood Lodge",
        care_home__commissioner=rotherham,
        practice__name="Dinnington Group Practice",
        practice__ods_code="C87001",
        practice__pcn__commissioner=rotherham,
        start_date=datetime.date(2025, 4, 1),
    )
    practice = alignment.practice
    manager = f.practice_manager(practice, username="pat.manager")
    auditor = f.auditor(rotherham, username="ali.auditor")
    admitted = timezone.localdate() - datetime.timedelta(days=3)

    sign_in(page, live_server, manager.username)
    page.goto(f"/practices/{practice.ods_code}/register/")
    expect(page.get_by_text("No residents on the register yet.")).to_be_visible()
    check_page("empty register")

    page.get_by_role("link", name="Add a resident").click()
    page.get_by_label("Care home", exact=True).select_option(label=str(alignment.care_home))
    page.get_by_label("NHS number").fill("485 777 3458")
    fill_date(page, "Admission date", admitted)
    page.get_by_role("button", name="Save to the register").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("check digit is wrong")
    check_page("resident form with an error")

    page.get_by_label("NHS number").fill("485 777 3457")
    page.get_by_role("button", name="Save to the register").click()
    expect(page.get_by_text("The register is updated.")).to_be_visible()
    expect(page.get_by_role("link", name="Change the record of 485 777 3457")).to_be_visible()
    check_page("register with a resident")

    page.get_by_role("link", name="Record a clinic").click()
    page.get_by_label("Care home", exact=True).select_option(label=str(alignment.care_home))
    fill_date(page, "Clinic date", timezone.localdate())
    page.get_by_role("button", name="Record clinic").click()
    expect(page.get_by_text("Clinic recorded.")).to_be_visible()
    check_page("register after a clinic")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, auditor.username)
    page.goto(f"/practices/{practice.ods_code}/compliance/")
    expect(page.get_by_text("1 current resident on the register")).to_be_visible()
    expect(page.get_by_text("485 777 3457")).to_have_count(0)
    check_page("compliance summary for the auditor")
