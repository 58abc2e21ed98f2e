"""A contracting officer finds a practice, follows it to an aligned care home and changes the
alignment's lead GP and end date, meeting a validation error on the way."""

import datetime
import re

from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import fill_date, sign_in


def build_registry():
    rotherham = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    south = f.PCNFactory(code="U51663", name="Rother Valley South PCN", commissioner=rotherham)
    north = f.PCNFactory(code="U67890", name="Wentworth North PCN", commissioner=rotherham)
    dinnington = f.PracticeFactory(ods_code="C87001", name="Dinnington Group Practice", pcn=south)
    f.PracticeFactory(ods_code="C87002", name="Kiveton Park Medical Practice", pcn=south)
    f.PracticeFactory(ods_code="C87003", name="Rawmarsh Health Centre", pcn=north)
    f.AgreementFactory(practice=dinnington)
    f.PracticeContactFactory(practice=dinnington, email="dinnington.manager@nhs.net")
    oakwood = f.CareHomeFactory(
        cqc_location_id="1-101613254", name="Oakwood Lodge", commissioner=rotherham
    )
    beech = f.CareHomeFactory(
        cqc_location_id="1-102345678", name="Beech Hill Nursing Home", commissioner=rotherham
    )
    f.AlignmentFactory(
        care_home=oakwood,
        practice=dinnington,
        start_date=datetime.date(2018, 4, 1),
        lead_gp="Dr A Gunasekera",
    )
    f.AlignmentFactory(
        care_home=beech,
        practice=dinnington,
        start_date=datetime.date(2019, 4, 1),
        lead_gp="Dr P Hallam",
    )
    user = f.officer(rotherham, username="sam.officer", first_name="Sam", last_name="Officer")
    return user


def test_officer_changes_lead_gp_and_end_date_of_an_alignment(page, live_server, check_page):
    user = build_registry()
    new_end = datetime.date(datetime.date.today().year + 2, 3, 31)

    # Sign in and land on the home page of the officer's commissioner.
    sign_in(page, live_server, user.username, check=check_page)
    expect(page.get_by_role("heading", level=1)).to_have_text("NHS Rotherham CCG")
    check_page("home")

    # Practices, from the header navigation.
    page.get_by_role("banner").get_by_role("link", name="Practices", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("GP practices")
    practices = page.get_by_role("table", name="GP practices")
    expect(practices, "the practices table is captioned (named) 'GP practices'").to_be_visible()
    expect(practices.get_by_role("row")).to_have_count(4)  # header + 3 practices
    check_page("practice list")

    # Filter the list by name.
    page.get_by_label("Name or ODS code").fill("dinnington")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=dinnington"))
    expect(practices.get_by_role("row")).to_have_count(2)
    expect(practices).to_contain_text("Dinnington Group Practice")
    expect(practices).not_to_contain_text("Kiveton Park Medical Practice")
    check_page("practice list filtered")

    # The practice, and its aligned homes.
    practices.get_by_role("link", name="Dinnington Group Practice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dinnington Group Practice")
    homes = page.get_by_role("table", name="Aligned now")
    expect(homes.get_by_role("row", name=re.compile("Oakwood Lodge"))).to_contain_text(
        "Dr A Gunasekera"
    )
    expect(homes).to_contain_text("Beech Hill Nursing Home")
    check_page("practice detail")

    # One of its homes.
    homes.get_by_role("link", name="Oakwood Lodge", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oakwood Lodge")
    aligned = page.get_by_role("table", name="Aligned now")
    row = aligned.get_by_role("row", name=re.compile("Dinnington Group Practice"))
    expect(row).to_contain_text("Dr A Gunasekera")
    expect(row).to_contain_text("Continuing")
    check_page("care home detail")

    # Edit the alignment.
    row.get_by_role("link", name=re.compile(r"^Edit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Edit the alignment of Oakwood Lodge with Dinnington Group Practice"
    )
    lead_gp = page.get_by_label("Lead GP")
    expect(lead_gp).to_have_value("Dr A Gunasekera")
    check_page("alignment form")

    # An end date before the start date is refused, with an error summary that takes focus.
    lead_gp.fill("Dr R Okafor")
    fill_date(page, "End date", ("31", "3", "2017"))
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    # It says what is wrong in words, and its link takes the user to the end date.
    error_link = summary.get_by_role("link", name=re.compile(r"end date", re.I))
    expect(error_link).to_have_attribute("href", "#id_end_date_day")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(lead_gp).to_have_value("Dr R Okafor")
    check_page("alignment form with error")

    # Corrected, it saves and the home shows the new lead GP and end date.
    fill_date(page, "End date", new_end)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Oakwood Lodge")
    expect(page.get_by_text("Alignment saved.")).to_be_visible()
    row = page.get_by_role("table", name="Aligned now").get_by_role(
        "row", name=re.compile("Dinnington Group Practice")
    )
    expect(row).to_contain_text("Dr R Okafor")
    expect(row).to_contain_text(f"31 Mar {new_end.year}")
    expect(page.get_by_role("main")).not_to_contain_text("Dr A Gunasekera")
    check_page("care home after saving")
