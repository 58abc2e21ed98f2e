"""Importing through the web: upload, preview, confirm or discard, scoped to the officer's
commissioner."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from carehomes.models import Alignment, CareHome
from history.models import AuditEvent
from imports.models import ImportBatch
from practices.models import Agreement, Practice
from tests import factories as f
from tests.imports.conftest import (
    ALIGNMENT_COLUMNS,
    HOME_COLUMNS,
    PRACTICE_COLUMNS,
    ImportBatchFactory,
    alignment_line,
    csv_file,
    home_line,
    practice_line,
    xlsx_file,
)

pytestmark = pytest.mark.django_db
UPLOAD = reverse("imports:upload")


@pytest.fixture
def officer(rotherham):
    return f.officer(rotherham)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def upload(client, kind, content, name="file.csv"):
    return client.post(UPLOAD, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def preview_url(batch):
    return reverse("imports:preview", kwargs={"pk": batch.pk})


def confirm_url(batch):
    return reverse("imports:confirm", kwargs={"pk": batch.pk})


PRACTICES = csv_file(
    PRACTICE_COLUMNS,
    practice_line(),
    practice_line(ods="C87002", name="Clifton Medical Centre", email="a@clifton.nhs.uk"),
)


def test_upload_page_shows_the_form_to_an_officer(officer_client):
    response = officer_client.get(UPLOAD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'enctype="multipart/form-data"' in html
    assert "ods_code,name,pcn_code,pcn_name,commissioner_code,commissioner_name,email" in html


@pytest.mark.parametrize("role", ["manager", "auditor", "administrator"])
def test_upload_page_is_forbidden_to_other_roles(client, rotherham, role):
    user = {
        "manager": lambda: f.practice_manager(f.PracticeFactory()),
        "auditor": lambda: f.auditor(rotherham),
        "administrator": f.administrator,
    }[role]()
    client.force_login(user)
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, "practices", PRACTICES).status_code == 403
    assert not ImportBatch.objects.exists()


def test_upload_stores_the_batch_and_previews_the_changes(officer_client, officer, rotherham):
    response = upload(officer_client, "practices", PRACTICES, "practices.csv")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == preview_url(batch)
    assert (batch.kind, batch.original_filename, batch.uploaded_by, batch.commissioner) == (
        "practices",
        "practices.csv",
        officer,
        rotherham,
    )
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert bytes(batch.content) == PRACTICES

    html = officer_client.get(preview_url(batch)).content.decode()
    assert "Practices: 2 to create." in html
    assert "Clifton Medical Centre (C87002)" in html
    assert "Confirm import" in html
    assert not Practice.objects.exists()  # nothing written before confirmation


def test_preview_shows_updates_before_and_after(officer_client, rotherham):
    pcn = f.PCNFactory(code="U51663", name="Rotherham Central North PCN", commissioner=rotherham)
    practice = f.PracticeFactory(ods_code="C87001", name="Broom Lane Surgery", pcn=pcn)
    f.PracticeContactFactory(practice=practice, email="manager@broomlane.nhs.uk")
    upload(officer_client, "practices", csv_file(PRACTICE_COLUMNS, practice_line()))
    html = officer_client.get(preview_url(ImportBatch.objects.get())).content.decode()
    assert "To be updated" in html
    assert "Broom Lane Surgery" in html and "Broom Lane Medical Centre" in html
    assert 'scope="col"' in html and "<caption" in html


def test_confirm_applies_the_import(officer_client, officer):
    upload(officer_client, "practices", PRACTICES)
    batch = ImportBatch.objects.get()
    response = officer_client.post(confirm_url(batch))
    assert response.status_code == 302 and response["Location"] == preview_url(batch)
    assert Practice.objects.count() == 2
    assert Agreement.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_at is not None
    assert batch.summary["counts"]["practice"]["create"] == 2
    event = AuditEvent.objects.get(action="import_practices")
    assert event.actor == officer
    page = officer_client.get(preview_url(batch)).content.decode()
    assert "Imported" in page and "Confirm import" not in page


def test_confirm_from_xlsx_upload(officer_client):
    content = xlsx_file(
        PRACTICE_COLUMNS,
        [
            "C87001",
            "Broom Lane Medical Centre",
            "U51663",
            "Central PCN",
            "03L",
            "NHS Rotherham CCG",
            "a@b.nhs.uk",
        ],
    )
    upload(officer_client, "practices", content, "practices.xlsx")
    officer_client.post(confirm_url(ImportBatch.objects.get()))
    assert Practice.objects.get().ods_code == "C87001"


def test_second_confirm_is_refused(officer_client):
    upload(officer_client, "practices", PRACTICES)
    batch = ImportBatch.objects.get()
    officer_client.post(confirm_url(batch))
    response = officer_client.post(confirm_url(batch))
    assert response.status_code == 409
    assert "already imported" in response.content.decode()
    assert AuditEvent.objects.filter(action="import_practices").count() == 1
    assert Agreement.objects.count() == 2


def test_file_with_a_bad_row_shows_row_column_reason_and_writes_nothing(officer_client):
    content = csv_file(
        PRACTICE_COLUMNS, practice_line(), practice_line(ods="C87002"), practice_line(ods="X1")
    )
    upload(officer_client, "practices", content)
    batch = ImportBatch.objects.get()
    response = officer_client.get(preview_url(batch))
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "nhsuk-error-summary" in html
    assert '<td class="nhsuk-table__cell">4</td>' in html
    assert '<td class="nhsuk-table__cell">ods_code</td>' in html
    assert "&#x27;X1&#x27; is not a valid practice ODS code" in html
    assert "Confirm import" not in html
    # Posting the confirmation anyway writes nothing.
    response = officer_client.post(confirm_url(batch))
    assert response.status_code == 200
    assert "is not a valid practice ODS code" in response.content.decode()
    assert not Practice.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_problems_that_appear_at_confirm_time_are_shown_and_nothing_is_written(
    officer_client, rotherham
):
    pcn = f.PCNFactory(code="U51663", commissioner=rotherham)
    practice = f.PracticeFactory(ods_code="C87001", pcn=pcn)
    home = f.CareHomeFactory(cqc_location_id="1-101613254", commissioner=rotherham)
    upload(officer_client, "alignments", csv_file(ALIGNMENT_COLUMNS, alignment_line()))
    batch = ImportBatch.objects.get()
    # Meanwhile a colleague aligns the home with the practice over the same dates.
    f.AlignmentFactory(care_home=home, practice=practice, start_date=datetime.date(2017, 4, 1))
    response = officer_client.post(confirm_url(batch))
    assert response.status_code == 200
    assert "overlaps the alignment" in response.content.decode()
    assert Alignment.objects.count() == 1
    assert not AuditEvent.objects.filter(action="import_alignments").exists()


def test_wrong_header_is_an_error_on_the_upload_form(officer_client):
    response = upload(officer_client, "practices", csv_file(HOME_COLUMNS, home_line()))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "The header row: missing columns ods_code" in html
    assert "The file looks like a care homes file: select Care homes." in html
    assert not ImportBatch.objects.exists()


def test_non_utf8_csv_is_an_error_on_the_upload_form(officer_client):
    content = csv_file(PRACTICE_COLUMNS, practice_line(name="Broom Lane Médical")).replace(
        "é".encode(), b"\xe9"
    )
    response = upload(officer_client, "practices", content)
    assert "not UTF-8" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_oversize_upload_is_an_error_on_the_upload_form(officer_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(officer_client, "practices", PRACTICES)
    assert "the largest accepted is 100" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_of_another_file_type_is_refused(officer_client):
    response = upload(officer_client, "practices", b"%PDF-1.4", "practices.pdf")
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in response.content.decode()


def test_officer_cannot_import_practices_into_another_commissioner(officer_client):
    content = csv_file(
        PRACTICE_COLUMNS, practice_line(code="02P", commissioner="NHS Sheffield CCG")
    )
    upload(officer_client, "practices", content)
    batch = ImportBatch.objects.get()
    html = officer_client.get(preview_url(batch)).content.decode()
    assert "02P is not your commissioner" in html
    officer_client.post(confirm_url(batch))
    assert not Practice.objects.exists()


def test_officer_cannot_move_another_commissioners_practice(officer_client):
    sheffield = f.CommissionerFactory(code="02P")
    f.PracticeFactory(ods_code="C87001", pcn=f.PCNFactory(commissioner=sheffield))
    upload(officer_client, "practices", csv_file(PRACTICE_COLUMNS, practice_line()))
    html = officer_client.get(preview_url(ImportBatch.objects.get())).content.decode()
    assert "Practice C87001 is registered with another commissioner" in html


def test_care_homes_uploaded_are_registered_with_the_officers_commissioner(
    officer_client, rotherham
):
    f.CommissionerFactory(code="02P")  # a second commissioner: the web needs no --commissioner
    upload(officer_client, "care_homes", csv_file(HOME_COLUMNS, home_line()))
    officer_client.post(confirm_url(ImportBatch.objects.get()))
    assert CareHome.objects.get().commissioner == rotherham


def test_officer_cannot_update_a_home_of_another_commissioner(officer_client):
    sheffield = f.CommissionerFactory(code="02P", name="NHS Sheffield CCG")
    home = f.CareHomeFactory(cqc_location_id="1-101613254", commissioner=sheffield, beds=10)
    upload(officer_client, "care_homes", csv_file(HOME_COLUMNS, home_line()))
    batch = ImportBatch.objects.get()
    html = officer_client.get(preview_url(batch)).content.decode()
    assert "Care home 1-101613254 is registered with another commissioner" in html
    officer_client.post(confirm_url(batch))
    home.refresh_from_db()
    assert home.beds == 10


def test_alignments_may_name_only_practices_in_the_officers_scope(officer_client, rotherham):
    sheffield = f.CommissionerFactory(code="02P")
    f.PracticeFactory(ods_code="C88001", pcn=f.PCNFactory(commissioner=sheffield))
    f.CareHomeFactory(cqc_location_id="1-101613254", commissioner=rotherham)
    upload(officer_client, "alignments", csv_file(ALIGNMENT_COLUMNS, alignment_line(ods="C88001")))
    html = officer_client.get(preview_url(ImportBatch.objects.get())).content.decode()
    assert "no practice C88001 is in your commissioner&#x27;s registry" in html


def test_alignments_may_name_a_home_registered_with_another_commissioner(officer_client, rotherham):
    """A large home across a boundary (seed 001): the practice is ours, the home is registered next door."""
    sheffield = f.CommissionerFactory(code="02P")
    f.PracticeFactory(ods_code="C87001", pcn=f.PCNFactory(commissioner=rotherham))
    f.CareHomeFactory(cqc_location_id="1-101613254", commissioner=sheffield)
    upload(officer_client, "alignments", csv_file(ALIGNMENT_COLUMNS, alignment_line()))
    officer_client.post(confirm_url(ImportBatch.objects.get()))
    assert Alignment.objects.get().practice.ods_code == "C87001"


def test_identical_upload_says_no_changes_and_offers_no_confirm(officer_client):
    upload(officer_client, "practices", PRACTICES)
    officer_client.post(confirm_url(ImportBatch.objects.get()))
    upload(officer_client, "practices", PRACTICES)
    second = ImportBatch.objects.order_by("pk").last()
    html = officer_client.get(preview_url(second)).content.decode()
    assert "No changes: 2 practices already up to date." in html
    assert "Confirm import" not in html


def test_another_commissioners_batch_is_not_found(officer_client):
    batch = ImportBatchFactory(uploaded_by=f.officer(f.CommissionerFactory(code="02P")))
    assert officer_client.get(preview_url(batch)).status_code == 404
    assert officer_client.post(confirm_url(batch)).status_code == 404
    assert (
        officer_client.post(reverse("imports:discard", kwargs={"pk": batch.pk})).status_code == 404
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_colleague_in_the_same_commissioner_can_confirm(client, officer, rotherham):
    batch = ImportBatchFactory(uploaded_by=officer)
    client.force_login(f.officer(rotherham))
    client.post(confirm_url(batch))
    assert Practice.objects.get().ods_code == "C87001"


def test_confirm_only_accepts_post(officer_client, officer):
    batch = ImportBatchFactory(uploaded_by=officer)
    assert officer_client.get(confirm_url(batch)).status_code == 405


def test_discard_closes_the_batch_without_importing(officer_client, officer):
    batch = ImportBatchFactory(uploaded_by=officer)
    response = officer_client.post(reverse("imports:discard", kwargs={"pk": batch.pk}))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    assert officer_client.post(confirm_url(batch)).status_code == 409
    assert not Practice.objects.exists()


def test_upload_page_lists_recent_batches_of_the_commissioner_only(officer_client, officer):
    ImportBatchFactory(uploaded_by=officer, original_filename="ours.csv")
    ImportBatchFactory(
        uploaded_by=f.officer(f.CommissionerFactory(code="02P")), original_filename="theirs.csv"
    )
    html = officer_client.get(UPLOAD).content.decode()
    assert "ours.csv" in html and "theirs.csv" not in html


def test_pages_have_no_inline_script_or_style(officer_client):
    upload(officer_client, "practices", PRACTICES)
    for url in (UPLOAD, preview_url(ImportBatch.objects.get())):
        html = officer_client.get(url).content.decode()
        assert "style=" not in html
        assert "<script>" not in html
