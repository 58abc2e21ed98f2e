"""A contracting officer syncs the registry from the three national files: uploads them, reads the
changes in words and what they must resolve, confirms, and sees the registry changed. (A worker
reads the files; in tests it runs in-process once the upload commits.) The pages of a sync still
being read and of files with problems pass the same checks."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from imports.models import RegistrySync
from tests import factories as f
from tests.browser.helpers import fill_date, sign_in
from tests.imports import test_sync_registry as registry_case
from tests.national_files import cqc_ods

world = registry_case.world


def test_officer_uploads_the_national_files_reads_the_preview_and_confirms(
    page, live_server, check_page, world, tmp_path
):
    user = f.officer(world["barnsley"], username="sam.officer", first_name="Sam")
    files = {
        "epraccur.csv": registry_case.practices_file(),
        "ePCN.xlsx": registry_case.pcns_file(),
        "HSCA_Active_Locations.ods": cqc_ods(registry_case.LOCATIONS),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)

    sign_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/imports/")
    page.get_by_role("link", name="sync the registry from the national files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sync the registry from the national files"
    )
    check_page("registry sync upload")

    # Nothing chosen: an error summary, then the three files.
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("Select at least one file to upload.")
    check_page("registry sync upload error")
    page.get_by_label("GP practices file (epraccur.csv)").set_input_files(tmp_path / "epraccur.csv")
    page.get_by_label("PCN file (ePCN.xlsx)").set_input_files(tmp_path / "ePCN.xlsx")
    page.get_by_label("CQC care homes file (HSCA Active Locations)").set_input_files(
        tmp_path / "HSCA_Active_Locations.ods"
    )
    fill_date(page, "Date the files were published", ("15", "4", "2026"))
    page.get_by_role("button", name="Upload and check").click()

    # The preview, in words and grouped.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check what the files change")
    expect(page.get_by_role("heading", name="PCN moves (1)")).to_be_visible()
    expect(page.get_by_text("C87012 moves from Raven PCN to Wentworth 1 PCN on 1 April 2026."))
    expect(page.get_by_text("For you to resolve")).to_be_visible()
    expect(page.get_by_text(re.compile("C87003 closes on 31 March 2026 but is still aligned")))
    check_page("registry sync preview")

    page.get_by_role("button", name="Confirm and apply these changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Registry synced"))
    expect(page.get_by_text("The registry is in step with the files.")).to_be_visible()
    check_page("registry sync applied")
    world["practices"]["C87012"].refresh_from_db()
    assert world["practices"]["C87012"].pcn.code == "U10002"


def test_the_pages_of_a_sync_being_read_and_of_files_with_problems(
    page, live_server, check_page, world
):
    user = f.officer(world["barnsley"], username="sam.officer", first_name="Sam")
    reading = RegistrySync.objects.create(
        commissioner=world["barnsley"],
        files_date=datetime.date(2026, 4, 15),
        uploaded_by=user,
        care_homes_filename="HSCA_Active_Locations.ods",
        status=RegistrySync.Status.READING,
        started_at=timezone.now() - datetime.timedelta(minutes=20),
        progress_done=20_000,
        progress_total=50_004,
        progress_label="Reading HSCA_Active_Locations.ods",
    )
    failed = RegistrySync.objects.create(
        commissioner=world["barnsley"],
        files_date=datetime.date(2026, 4, 15),
        uploaded_by=user,
        practices_filename="epraccur.csv",
        status=RegistrySync.Status.FAILED,
        problems=[
            {
                "file": "epraccur.csv",
                "row": 2,
                "column": "11 (open date)",
                "reason": "'20261340' is not a date.",
            }
        ],  # fmt: skip
        summary={"problems": 1},
    )
    sign_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/imports/national/{reading.pk}/")
    expect(page.get_by_role("status")).to_have_text(
        "Reading HSCA_Active_Locations.ods: 20,000 of 50,004 rows read."
    )
    expect(page.get_by_role("button", name="Start again")).to_be_visible()
    check_page("registry sync reading")
    page.get_by_role("link", name="Refresh this page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reading the files")

    page.goto(f"{live_server.url}/imports/national/{failed.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("1 problem in the files")
    expect(page.get_by_role("cell", name="'20261340' is not a date.")).to_be_visible()
    check_page("registry sync failed")
