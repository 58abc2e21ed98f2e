"""Syncing the registry from the national files through the web: upload, read the changes in
words, confirm or discard; the officer's own commissioner only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carehomes.models import CareHome
from history.models import AuditEvent
from imports.models import RegistrySync
from practices.models import PCN, Practice
from tests import factories as f
from tests.imports import test_sync_registry as registry_case
from tests.national_files import cqc_ods, epraccur_csv

pytestmark = pytest.mark.django_db
world = registry_case.world  # the same registry as the command's tests
LOCATIONS = registry_case.LOCATIONS
pcns_file = registry_case.pcns_file
practices_file = registry_case.practices_file
UPLOAD = reverse("imports:sync_upload")


@pytest.fixture
def officer_client(client, world):
    client.force_login(f.officer(world["barnsley"]))
    return client


def upload(client, **files):
    data = {"files_date": "2026-04-15"}
    data.update(
        {role: SimpleUploadedFile(name, content) for role, (name, content) in files.items()}
    )
    return client.post(UPLOAD, data)


def test_officer_uploads_three_files_reads_the_changes_and_confirms(officer_client, world):
    response = upload(
        officer_client,
        practices=("epraccur.csv", practices_file()),
        pcns=("ePCN.xlsx", pcns_file()),
        care_homes=("HSCA_Active_Locations.ods", cqc_ods(LOCATIONS)),
    )
    sync = RegistrySync.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:sync_preview", kwargs={"pk": sync.pk})
    preview = officer_client.get(response["Location"]).content.decode()
    assert "C87012 moves from Raven PCN to Wentworth 1 PCN on 1 April 2026." in preview
    assert "Closing Surgery (C87003) is closed from 31 March 2026." in preview
    assert "For you to resolve" in preview
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"  # nothing written yet

    confirmed = officer_client.post(reverse("imports:sync_confirm", kwargs={"pk": sync.pk}))
    assert confirmed.status_code == 302
    sync.refresh_from_db()
    assert sync.status == RegistrySync.Status.APPLIED
    assert Practice.objects.get(ods_code="C87012").pcn.code == "U10002"
    assert CareHome.objects.get(cqc_location_id="1-100000001").beds == 35
    event = AuditEvent.objects.get(object_type="imports.registrysync", object_id=str(sync.pk))
    assert event.actor is not None and event.after["files_date"] == "2026-04-15"

    again = officer_client.post(reverse("imports:sync_confirm", kwargs={"pk": sync.pk}))
    assert again.status_code == 409


def test_a_file_with_problems_is_shown_by_file_row_and_column_and_cannot_be_confirmed(
    officer_client, world
):
    bad = epraccur_csv([{"ods": "C87001", "name": "Broom Lane", "opened": "1974-13-01"}])
    upload(officer_client, practices=("epraccur.csv", bad))
    sync = RegistrySync.objects.get()
    page = officer_client.get(reverse("imports:sync_preview", kwargs={"pk": sync.pk}))
    text = page.content.decode()
    assert "1 problem in the files" in text
    assert "11 (open date)" in text and "&#x27;1974-13-01&#x27; is not a date" in text
    assert "Confirm and apply" not in text
    officer_client.post(reverse("imports:sync_confirm", kwargs={"pk": sync.pk}))
    sync.refresh_from_db()
    assert sync.is_pending
    assert not AuditEvent.objects.filter(action="registry_sync").exists()


def test_upload_without_a_file_or_with_the_wrong_type_is_refused(officer_client, world):
    empty = upload(officer_client)
    assert "Select at least one file to upload." in empty.content.decode()
    wrong = upload(officer_client, pcns=("ePCN.csv", b"a,b\n"))
    assert "The file must be .xlsx." in wrong.content.decode()
    assert not RegistrySync.objects.exists()


def test_discarded_sync_changes_nothing(officer_client, world):
    upload(officer_client, pcns=("ePCN.xlsx", pcns_file()))
    sync = RegistrySync.objects.get()
    officer_client.post(reverse("imports:sync_discard", kwargs={"pk": sync.pk}))
    sync.refresh_from_db()
    assert sync.status == RegistrySync.Status.DISCARDED
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"


def test_home_page_shows_the_officers_category_beside_cqcs(officer_client, world):
    home = world["homes"]["override"]
    page = officer_client.get(home.get_absolute_url()).content.decode()
    assert "Elderly (set by an officer)" in page
    assert "Category from CQC" in page and "Learning disability and other bands" in page
