"""A practice manager keeps their practice's contact emails, and cannot reach another practice."""

import re

from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import sign_in


def test_practice_manager_changes_contact_emails_and_cannot_open_another_practice(
    page, live_server, check_page, console_errors
):
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    pcn = f.PCNFactory(code="U51663", name="Rother Valley South PCN", commissioner=rotherham)
    own = f.PracticeFactory(ods_code="C87001", name="Dinnington Group Practice", pcn=pcn)
    other = f.PracticeFactory(ods_code="C87002", name="Kiveton Park Medical Practice", pcn=pcn)
    f.PracticeContactFactory(practice=own, email="old.manager@nhs.net")
    manager = f.practice_manager(own, username="pat.manager", first_name="Pat")

    # Sign in: the home page lists the manager's practice.
    sign_in(page, live_server, manager.username, check=check_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your practices")
    expect(page.get_by_role("main")).not_to_contain_text("Kiveton Park Medical Practice")
    check_page("home")

    # Their practice.
    page.get_by_role("link", name="Dinnington Group Practice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dinnington Group Practice")
    expect(page.get_by_role("main")).to_contain_text("old.manager@nhs.net")
    check_page("practice detail")

    # Change the contact emails.
    page.get_by_role("link", name="Change contact emails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Contact email addresses for Dinnington Group Practice"
    )
    emails = page.get_by_label("Contact email addresses")
    expect(emails).to_have_value("old.manager@nhs.net")
    check_page("contact emails form")
    emails.fill("practice.manager@nhs.net\nreception.c87001@nhs.net")
    page.get_by_role("button", name="Save contacts").click()

    # Back on the practice page, with the new addresses and not the old one.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dinnington Group Practice")
    expect(page.get_by_text("Contact email addresses saved.")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("practice.manager@nhs.net")
    expect(main).to_contain_text("reception.c87001@nhs.net")
    expect(main).not_to_contain_text("old.manager@nhs.net")
    check_page("practice detail after saving")

    # Another practice's address is simply not found.
    console_errors.allow(r"status of 404")  # Chromium logs the 404 response of the page itself
    response = page.goto(f"/practices/{other.ods_code}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title(re.compile("Page not found"))
    expect(page.get_by_role("main")).not_to_contain_text("Kiveton Park Medical Practice")
    check_page("another practice not found")
