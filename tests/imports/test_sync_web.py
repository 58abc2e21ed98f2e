"""Syncing the registry from the national files through the web: upload (the files are stored and a
worker reads them once), read the changes in words, confirm (applied here, or by a worker when
there are more than a page of them) or discard; the officer's own commissioner only (ADR 0024,
0047). In tests the queued tasks run in-process when the request's transaction commits
(``django_capture_on_commit_callbacks``), as on the embedded default."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone

from carehomes.models import CareHome
from history.models import AuditEvent
from imports import sync as sync_module
from imports.models import RegistrySync
from imports.sync import SyncFile, SyncRows, read_files
from imports.sync_jobs import APPLY_IN_REQUEST, _ProgressOutside
from imports.tasks import registry_sync_apply_task, registry_sync_read_task
from practices.models import PCN, Practice
from tests import factories as f
from tests.celery_worker import wait_until
from tests.imports import test_sync_registry as registry_case
from tests.national_files import cqc_ods, epraccur_csv

pytestmark = pytest.mark.django_db
world = registry_case.world  # the same registry as the command's tests
LOCATIONS = registry_case.LOCATIONS
pcns_file = registry_case.pcns_file
practices_file = registry_case.practices_file
UPLOAD = reverse("imports:sync_upload")
Status = RegistrySync.Status
NO_FILES = {"practices_content": None, "pcns_content": None, "care_homes_content": None}


def page_of(sync):
    return reverse("imports:sync_preview", kwargs={"pk": sync.pk})


def confirm_url(sync):
    return reverse("imports:sync_confirm", kwargs={"pk": sync.pk})


@pytest.fixture
def officer(world):
    return f.officer(world["barnsley"])


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def upload(client, **files):
    data = {"files_date": "2026-04-15"}
    data.update(
        {role: SimpleUploadedFile(name, content) for role, (name, content) in files.items()}
    )
    return client.post(UPLOAD, data)


def upload_and_read(client, capture, **files):
    """Upload; the read task queued on commit runs (as a worker would); the sync, read."""
    with capture(execute=True):
        upload(client, **files)
    return RegistrySync.objects.latest("pk")


def three_files():
    return {
        "practices": ("epraccur.csv", practices_file()),
        "pcns": ("ePCN.xlsx", pcns_file()),
        "care_homes": ("HSCA_Active_Locations.ods", cqc_ods(LOCATIONS)),
    }


def test_upload_queues_the_reading_and_the_preview_and_confirm_read_no_file(
    officer_client, world, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = upload(officer_client, **three_files())
    sync = RegistrySync.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(sync)
    # nothing read inside the request: the files are stored and a task is queued
    assert (sync.status, sync.rows, len(queued)) == (Status.QUEUED, None, 1)
    waiting = officer_client.get(page_of(sync)).content.decode()
    assert "are waiting for a worker to read them." in waiting
    assert "Refresh this page" in waiting and "Confirm and apply" not in waiting

    for callback in queued:  # the commit: the task is queued (and, in tests, runs in-process)
        callback()

    sync.refresh_from_db()
    assert sync.status == Status.PREVIEWED and sync.started_at is not None
    assert {r["ods_code"] for r in sync.rows["practices"]} == {"C87001", "C87012", "C87003",
                                                              "C87004"}  # fmt: skip
    assert sync.summary["counts"]["PCN moves"] == 1
    # The stored files are gone: the preview and the confirmation read only the stored rows.
    RegistrySync.objects.filter(pk=sync.pk).update(**NO_FILES)
    preview = officer_client.get(page_of(sync)).content.decode()
    assert "C87012 moves from Raven PCN to Wentworth 1 PCN on 1 April 2026." in preview
    assert "Closing Surgery (C87003) is closed from 31 March 2026." in preview
    assert "For you to resolve" in preview and "Refresh this page" not in preview
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"  # nothing written yet

    confirmed = officer_client.post(confirm_url(sync))  # a page of changes: applied here
    assert confirmed.status_code == 302
    sync.refresh_from_db()
    assert sync.status == Status.APPLIED and sync.confirmed_by == officer
    assert Practice.objects.get(ods_code="C87012").pcn.code == "U10002"
    assert CareHome.objects.get(cqc_location_id="1-100000001").beds == 35
    event = AuditEvent.objects.get(object_type="imports.registrysync", object_id=str(sync.pk))
    assert event.actor == officer and event.after["files_date"] == "2026-04-15"
    applied = officer_client.get(page_of(sync)).content.decode()
    assert "Registry synced" in applied and "C87012 moves from Raven PCN" in applied

    again = officer_client.post(confirm_url(sync))
    assert again.status_code == 409
    assert "already applied; nothing was changed again" in again.content.decode()


def test_a_second_delivery_of_the_reading_does_nothing(
    officer_client, world, django_capture_on_commit_callbacks
):
    sync = upload_and_read(officer_client, django_capture_on_commit_callbacks, **three_files())
    assert sync.status == Status.PREVIEWED
    RegistrySync.objects.filter(pk=sync.pk).update(**NO_FILES)  # a re-read would fail

    assert registry_sync_read_task.delay(sync.pk).get() == Status.PREVIEWED

    again = RegistrySync.objects.get(pk=sync.pk)
    assert (again.status, again.rows, again.started_at) == (Status.PREVIEWED, sync.rows,
                                                           sync.started_at)  # fmt: skip


def test_a_file_with_problems_ends_as_a_failed_sync_shown_by_file_row_and_column(
    officer_client, world, django_capture_on_commit_callbacks
):
    bad = epraccur_csv([{"ods": "C87001", "name": "Broom Lane", "opened": "1974-13-01"}])
    sync = upload_and_read(
        officer_client, django_capture_on_commit_callbacks, practices=("epraccur.csv", bad)
    )
    assert sync.status == Status.FAILED and sync.rows is None
    assert sync.problems == [
        {
            "file": "epraccur.csv",
            "row": 1,
            "column": "11 (open date)",
            "reason": "'1974-13-01' is not a date (YYYYMMDD or DD/MM/YYYY, for example 20260401).",
        }
    ]
    page = officer_client.get(page_of(sync))
    text = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in text and "1 problem in the files" in text
    assert "11 (open date)" in text and "&#x27;1974-13-01&#x27; is not a date" in text
    assert "Confirm and apply" not in text and "Upload the files again" in text
    refused = officer_client.post(confirm_url(sync))
    assert refused.status_code == 409
    assert "The files could not be read" in refused.content.decode()
    sync.refresh_from_db()
    assert sync.status == Status.FAILED
    assert not AuditEvent.objects.filter(action="registry_sync").exists()
    listed = officer_client.get(UPLOAD).content.decode()
    assert "1 problem in the files: nothing changed" in listed


def test_a_damaged_workbook_fails_with_the_readers_message(
    officer_client, world, django_capture_on_commit_callbacks
):
    sync = upload_and_read(
        officer_client,
        django_capture_on_commit_callbacks,
        pcns=("ePCN.xlsx", b"PK\x03\x04 not really a workbook"),
    )
    assert sync.status == Status.FAILED
    text = officer_client.get(page_of(sync)).content.decode()
    assert "Whole file" in text
    assert "is not a valid Excel workbook (.xlsx) (it may be damaged)" in text
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"


def test_upload_without_a_file_or_with_the_wrong_type_is_refused(officer_client, world):
    empty = upload(officer_client)
    assert "Select at least one file to upload." in empty.content.decode()
    wrong = upload(officer_client, pcns=("ePCN.csv", b"a,b\n"))
    assert "The file must be .xlsx." in wrong.content.decode()
    assert not RegistrySync.objects.exists()


def test_discarded_sync_changes_nothing(officer_client, world, django_capture_on_commit_callbacks):
    sync = upload_and_read(
        officer_client, django_capture_on_commit_callbacks, pcns=("ePCN.xlsx", pcns_file())
    )
    officer_client.post(reverse("imports:sync_discard", kwargs={"pk": sync.pk}))
    sync.refresh_from_db()
    assert sync.status == Status.DISCARDED
    assert PCN.objects.get(code="U10002").name == "Wentworth PCN"


def test_a_sync_discarded_before_its_files_are_read_stays_discarded(
    officer_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        upload(officer_client, pcns=("ePCN.xlsx", pcns_file()))
    sync = RegistrySync.objects.get()
    officer_client.post(reverse("imports:sync_discard", kwargs={"pk": sync.pk}))
    for callback in queued:
        callback()
    sync.refresh_from_db()
    assert (sync.status, sync.rows) == (Status.DISCARDED, None)


def many_new_homes(count):
    return [
        {"id": f"1-2000000{n:02d}", "name": f"New Home {n}", "postcode": "S70 1AA"}
        for n in range(count)
    ]


def test_more_than_a_page_of_changes_is_applied_by_a_worker_once(
    officer_client, world, officer, django_capture_on_commit_callbacks
):
    locations = LOCATIONS + many_new_homes(APPLY_IN_REQUEST)
    sync = upload_and_read(
        officer_client,
        django_capture_on_commit_callbacks,
        care_homes=("HSCA_Active_Locations.ods", cqc_ods(locations)),
    )
    RegistrySync.objects.filter(pk=sync.pk).update(**NO_FILES)
    changes = sum(sync.summary["counts"].values())
    assert changes > APPLY_IN_REQUEST

    with django_capture_on_commit_callbacks() as queued:
        response = officer_client.post(confirm_url(sync), follow=True)
    text = response.content.decode()
    assert f"The {changes} changes are being made by a worker." in text
    assert f"Waiting for a worker to apply the {changes} changes." in text
    sync.refresh_from_db()
    assert (sync.status, sync.progress_total, len(queued)) == (Status.APPLYING, changes, 1)
    assert not CareHome.objects.filter(name__startswith="New Home").exists()  # not in the request
    assert officer_client.post(confirm_url(sync)).status_code == 409  # no second confirmation

    for callback in queued:
        callback()

    sync.refresh_from_db()
    assert sync.status == Status.APPLIED and sync.progress_done == changes
    assert CareHome.objects.filter(name__startswith="New Home").count() == APPLY_IN_REQUEST
    events = AuditEvent.objects.filter(action="registry_sync")
    assert events.count() == changes + 1
    assert set(events.values_list("actor", flat=True)) == {officer.pk}
    # delivered again: applied already, nothing written
    assert registry_sync_apply_task.delay(sync.pk).get() == Status.APPLIED
    assert events.count() == changes + 1
    page = officer_client.get(page_of(sync)).content.decode()
    assert f"New care homes: {APPLY_IN_REQUEST + 3}." in page  # and 3 homes of LOCATIONS
    assert "New Home 24 (1-200000024) is added" in page


def test_a_job_lost_for_more_than_15_minutes_can_be_started_again(
    officer_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # the message is lost: never sent
        upload(officer_client, pcns=("ePCN.xlsx", pcns_file()))
    sync = RegistrySync.objects.get()
    restart = reverse("imports:sync_restart", kwargs={"pk": sync.pk})
    assert "Start again" not in officer_client.get(page_of(sync)).content.decode()
    assert officer_client.post(restart).status_code == 409  # not yet: it may only be waiting

    RegistrySync.objects.filter(pk=sync.pk).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    assert (
        "This is taking longer than it should" in officer_client.get(page_of(sync)).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(restart)
    assert response.status_code == 302
    sync.refresh_from_db()
    assert sync.status == Status.PREVIEWED
    assert (
        "Wentworth PCN (U10002) is renamed Wentworth 1 PCN."
        in officer_client.get(page_of(sync)).content.decode()
    )


def test_the_page_says_how_far_the_reading_and_the_applying_have_got(officer_client, world):
    sync = RegistrySync.objects.create(
        commissioner=world["barnsley"],
        files_date=datetime.date(2026, 4, 15),
        care_homes_filename="HSCA_Active_Locations.ods",
        status=Status.READING,
        started_at=timezone.now(),
        progress_done=20_000,
        progress_total=50_004,
        progress_label="Reading HSCA_Active_Locations.ods (file 3 of 3)",
    )
    text = officer_client.get(page_of(sync)).content.decode()
    assert "Reading HSCA_Active_Locations.ods (file 3 of 3): 20,000 of 50,004 rows read." in text
    RegistrySync.objects.filter(pk=sync.pk).update(
        status=Status.APPLYING, progress_done=120, progress_total=273
    )
    text = officer_client.get(page_of(sync)).content.decode()
    assert "Applying the changes: 120 of 273 made." in text
    assert "Confirm and apply" not in text and "Discard this sync" not in text


def test_reading_reports_rows_read_of_each_file(world, monkeypatch):
    monkeypatch.setattr(sync_module, "PROGRESS_EVERY", 3)
    file = SyncFile("care_homes", "cqc.ods", cqc_ods(LOCATIONS))
    told = []
    rows, problems = read_files("03L", [file], progress=lambda f, d, t: told.append((d, t)))
    assert not problems and len(rows.care_homes) == 5
    total = told[0][1]
    assert total >= len(LOCATIONS) and told[0] == (0, total)
    done = [d for d, t in told[1:] if t == total]
    assert len(done) == len(told) - 1 and done == sorted(done) and len(done) >= 2
    assert all(d % 3 == 0 for d in done) and total - 3 < done[-1] <= total


def test_stored_rows_come_back_as_they_were_read(world):
    files = [
        SyncFile("practices", "epraccur.csv", practices_file()),
        SyncFile("pcns", "ePCN.xlsx", pcns_file()),
        SyncFile("care_homes", "cqc.ods", cqc_ods(LOCATIONS)),
    ]
    rows, problems = read_files("03L", files)
    assert not problems
    assert SyncRows.from_json(rows.as_json()) == rows
    assert SyncRows.from_json(SyncRows(pcns=[], partners=[]).as_json()) == SyncRows(
        pcns=[], partners=[]
    )


@pytest.mark.django_db(transaction=True)
def test_an_applys_progress_is_seen_before_it_commits():
    commissioner = f.CommissionerFactory(code="03L")
    sync = RegistrySync.objects.create(
        commissioner=commissioner,
        files_date=datetime.date(2026, 4, 15),
        status=Status.APPLYING,
        progress_total=30,
    )
    other = connections.create_connection("default")
    try:
        with transaction.atomic():  # as the apply's own transaction
            PCN.objects.create(code="U99999", name="Not yet", commissioner=commissioner)
            progress = _ProgressOutside(sync.pk)
            progress(10, 30)
            progress.close()
            with other.cursor() as cursor:  # the officer's page, on another connection
                cursor.execute(
                    "SELECT progress_done FROM imports_registrysync WHERE id = %s", [sync.pk]
                )
                assert cursor.fetchone() == (10,)
                cursor.execute("SELECT count(*) FROM practices_pcn WHERE code = 'U99999'")
                assert cursor.fetchone() == (0,)  # the apply's writes are not seen yet
    finally:
        other.close()


def test_home_page_shows_the_officers_category_beside_cqcs(officer_client, world):
    home = world["homes"]["override"]
    page = officer_client.get(home.get_absolute_url()).content.decode()
    assert "Elderly (set by an officer)" in page
    assert "Category from CQC" in page and "Learning disability and other bands" in page


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_reads_the_files_and_applies_a_large_sync(client, world, celery_worker):
    officer = f.officer(world["barnsley"])
    client.force_login(officer)
    cqc = cqc_ods(LOCATIONS + many_new_homes(APPLY_IN_REQUEST))
    upload(client, care_homes=("HSCA_Active_Locations.ods", cqc))
    sync = RegistrySync.objects.get()
    wait_until(
        lambda: (
            RegistrySync.objects.get(pk=sync.pk).status != Status.QUEUED
            and not RegistrySync.objects.get(pk=sync.pk).is_working
        ),
        what="the reading of the files",
    )
    sync.refresh_from_db()
    assert sync.status == Status.PREVIEWED, (sync.status, sync.error)

    assert client.post(confirm_url(sync)).status_code == 302
    wait_until(
        lambda: RegistrySync.objects.get(pk=sync.pk).status != Status.APPLYING,
        what="the apply",
    )
    sync.refresh_from_db()
    assert sync.status == Status.APPLIED, (sync.status, sync.error)
    assert sync.progress_done == sync.progress_total > APPLY_IN_REQUEST
    assert CareHome.objects.filter(name__startswith="New Home").count() == APPLY_IN_REQUEST
    assert set(
        AuditEvent.objects.filter(action="registry_sync").values_list("actor", flat=True)
    ) == {officer.pk}
    assert bytes(sync.care_homes_content) == cqc  # the file applied is kept, as uploaded
