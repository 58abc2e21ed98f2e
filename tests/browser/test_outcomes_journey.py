"""A practice manager records a meeting with a care home's manager and its signed attendance sheet
(first offering a file that is not one, which the form refuses), then sends the half-yearly
outcomes report (first leaving a figure out, which the form names); an officer sees the report
among the half-year's practices. Every page reached is axe-checked."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from outcomes.models import OutcomesPeriod
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in


def test_manager_records_meeting_sends_outcomes_report_and_officer_sees_it(
    page, live_server, check_page, tmp_path
):
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
    year, half = OutcomesPeriod.before(year, half)
    slug = f"{year}-{(year + 1) % 100:02d}-H{half}"

    sign_in(page, live_server, manager.username)
    page.goto(f"/practices/{practice.ods_code}/meetings/")
    check_page("meetings")
    page.get_by_role("link", name="Record a meeting").click()
    expect(page.get_by_text("No patient-identifiable data")).to_be_visible()
    check_page("meeting form")
    page.get_by_label("Care home", exact=True).select_option(label=str(alignment.care_home))
    fill_date(page, "Meeting date", timezone.localdate())
    page.get_by_label("Who attended").fill("Dr A Gunasekera (lead GP), J Smith (home manager)")
    page.get_by_label("Notes of the discussion (anonymised)").fill(
        "Two falls admissions discussed."
    )
    sheet = tmp_path / "attendance.pdf"
    sheet.write_bytes(b"MZ\x90\x00 not really a PDF")
    page.get_by_label("Signed attendance sheet").set_input_files(sheet)
    page.get_by_role("button", name="Record meeting").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("is not a PDF, PNG or JPEG file")
    check_page("meeting form with a refused file")
    sheet.write_bytes(b"%PDF-1.7\n%%EOF\n")
    page.get_by_label("Signed attendance sheet").set_input_files(sheet)
    page.get_by_role("button", name="Record meeting").click()
    expect(page.get_by_text("Meeting recorded with its attendance sheet.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Download the attendance sheet", exact=False)
    ).to_be_visible()
    check_page("meetings after recording one")

    page.goto(f"/practices/{practice.ods_code}/outcomes/")
    check_page("practice outcomes reports")
    page.locator(f"a[href$='/outcomes/{slug}/']").click()
    expect(page.get_by_text("No patient-identifiable data")).to_be_visible()
    check_page("outcomes report form")
    page.get_by_label("Number of emergency admissions").fill("7")
    page.get_by_label("Relevant actions taken").fill("Falls clinic set up with the home.")
    page.get_by_label("Changes in practice as a result of discussion").fill("Weekly check-in.")
    page.get_by_role("button", name="Send outcomes report").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter the number of unplanned visits to the homes"
    )
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
