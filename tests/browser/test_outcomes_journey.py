"""A practice manager sends the half-yearly outcomes report (first leaving a figure out, which the
form names); an officer sees it among the half-year's practices. Every page reached is
axe-checked."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from outcomes.models import OutcomesPeriod
from tests import factories as f
from tests.browser.helpers import sign_in


def test_manager_sends_outcomes_report_and_officer_sees_it(page, live_server, check_page):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    alignment = f.AlignmentFactory(
        care_home__commissioner=rotherham,
        practice__name="Dinnington Group Practice",
        practice__ods_code="C87001",
        practice__pcn__commissioner=rotherham,
        start_date=datetime.date(2025, 4, 1),
    )
    f.AgreementFactory(practice=alignment.practice)
    practice = alignment.practice
    manager = f.practice_manager(practice, username="pat.manager")
    officer = f.officer(rotherham, username="chris.checker")
    # The half-year before the current one: its report is open (and by now late).
    year, half = OutcomesPeriod.containing(timezone.localdate())
    year, half = (year, 1) if half == 2 else (year - 1, 2)
    slug = f"{year}-{(year + 1) % 100:02d}-H{half}"

    sign_in(page, live_server, manager.username)
    page.goto(f"/practices/{practice.ods_code}/outcomes/")
    check_page("practice outcomes reports")
    page.locator(f"a[href$='/outcomes/{slug}/']").click()
    expect(page.get_by_text("No patient-identifiable data")).to_be_visible()
    check_page("outcomes report form")
    page.get_by_label("Number of emergency admissions").fill("7")
    page.get_by_label("Relevant actions taken").fill("Falls clinic set up with the home.")
    page.get_by_label("Changes in practice as a result of discussion").fill("Weekly check-in.")
    page.get_by_role("button", name="Send outcomes report").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("This field is required")
    check_page("outcomes report form with an error")
    page.get_by_label("Number of unplanned visits to the homes").fill("12")
    page.get_by_role("button", name="Send outcomes report").click()
    expect(page.get_by_text("sent.", exact=False).first).to_be_visible()
    check_page("practice outcomes reports after sending")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, officer.username)
    page.goto(f"/outcomes/?period={slug}")
    expect(page.get_by_text("Reports sent: 1 of 1 practice owing one.")).to_be_visible()
    check_page("outcomes reports for officers")
