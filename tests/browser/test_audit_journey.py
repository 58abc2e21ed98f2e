"""An auditor draws practices for audit, checks that the draw repeats, opens a case, asks the
practice for evidence, reviews it, closes the case with findings and downloads its audit pack.
Every page reached is axe-checked."""

import datetime

from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import sign_in


def test_auditor_draws_and_takes_a_case_to_its_outcome(page, live_server, check_page, tmp_path):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    for n in range(4):
        alignment = f.AlignmentFactory(
            care_home__commissioner=rotherham,
            practice__ods_code=f"C8700{n + 1}",
            practice__pcn__commissioner=rotherham,
            start_date=datetime.date(2024, 4, 1),
        )
        f.AgreementFactory(practice=alignment.practice)
        f.PracticeContactFactory(practice=alignment.practice)
    auditor = f.auditor(rotherham, username="ali.auditor", first_name="Ali", last_name="Auditor")

    sign_in(page, live_server, auditor.username)
    page.goto("/audits/")
    check_page("audits")
    page.get_by_role("link", name="Draw practices").click()
    page.get_by_label("Number of practices").fill("1")
    page.get_by_label("Or a percentage of the eligible practices").fill("25")
    page.get_by_role("button", name="Draw practices").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("not both")
    check_page("draw form with an error")
    page.get_by_label("Or a percentage of the eligible practices").fill("")
    page.get_by_role("button", name="Draw practices").click()
    expect(page.get_by_text("Gives the same practices")).to_be_visible()
    check_page("the draw")

    page.locator("main ul a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C8700")
    check_page("a new case")
    page.get_by_role("button", name="Email the request").click()
    expect(page.get_by_text("Evidence requested: the practice has been emailed.")).to_be_visible()
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_text("The case is under review.")).to_be_visible()
    check_page("case under review")
    page.get_by_label("Action plan agreed").check()
    page.locator("#id_close-findings").fill("Attendance sheets for 5 of 6 meetings; plan agreed.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("The case is closed.")).to_be_visible()
    expect(page.get_by_text("Closed: Action plan agreed")).to_be_visible()
    check_page("closed case")

    # Built by its task (in-process in this test) once the request commits.
    page.get_by_role("button", name="Build the audit pack").click()
    expect(page.get_by_text("The audit pack is being built.")).to_be_visible()
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the audit pack (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("audit-pack-") and saved.read_bytes().startswith(b"%PDF-")
    # (After the click the link keeps NHS.UK's focus and hover styles, which axe reads as a link
    # without an underline; check the page as a person returning to it sees it.)
    page.evaluate("document.activeElement.blur()")
    page.mouse.move(0, 0)
    check_page("case with its audit pack")
