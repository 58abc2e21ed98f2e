"""Meeting evidence: the signed attendance sheet is accepted by its content (PDF, PNG, JPEG) and
size, never its name; it downloads only through the access rule under a safe name; meetings are
counted against the six a year expected for each practice and home."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document
from outcomes.evidence import (
    check_attendance_sheet,
    financial_year_start,
    meeting_counts,
    meetings_expected,
    months_between,
)
from outcomes.models import Meeting
from tests import factories as f

D = datetime.date
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 16


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def aligned(db):
    commissioner = f.CommissionerFactory(code="03L")
    alignment = f.AlignmentFactory(
        care_home__name="Oakwood Lodge",
        care_home__cqc_location_id="1-101613254",
        care_home__commissioner=commissioner,
        practice__ods_code="C87001",
        practice__pcn__commissioner=commissioner,
        start_date=D(2025, 4, 1),
    )
    return alignment


# -- the file check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("sheet.pdf", PDF, "application/pdf", "pdf"),
        ("photo.png", PNG, "image/png", "png"),
        ("photo.jpeg", JPEG, "image/jpeg", "jpg"),
        ("scan.bin", PDF, "application/pdf", "pdf"),  # by content, whatever the name
    ],
)
def test_attendance_sheet_accepted_by_content(settings, name, content, content_type, extension):
    checked = check_attendance_sheet(upload(name, content))
    assert (checked.content, checked.content_type, checked.extension) == (
        content,
        content_type,
        extension,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("sheet.pdf", EXE), ("sheet.pdf.exe", EXE), ("sheet.gif", GIF), ("sheet.pdf", b"")],
)
def test_attendance_sheet_refused_when_not_pdf_png_or_jpeg(name, content):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="is not a PDF, PNG or JPEG file"):
        check_attendance_sheet(upload(name, content))


def test_attendance_sheet_over_the_limit_refused(settings):
    from django.core.exceptions import ValidationError

    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="the largest attendance sheet accepted is 1.0"):
        check_attendance_sheet(upload("big.pdf", PDF + b"0" * 1024))
    assert check_attendance_sheet(upload("fits.pdf", PDF + b"0" * (1024 - len(PDF))))


def test_attendance_sheet_whose_declared_size_lies_is_refused(settings):
    from django.core.exceptions import ValidationError

    settings.EVIDENCE_MAX_BYTES = 1024
    sheet = upload("big.pdf", PDF + b"0" * 2048)
    sheet.size = 10  # what a client claimed
    with pytest.raises(ValidationError, match="larger than"):
        check_attendance_sheet(sheet)


# -- how many ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2026, 4, 1), D(2026, 5, 31), 1),
        (D(2026, 4, 1), D(2026, 6, 1), 2),
        (D(2026, 4, 15), D(2026, 6, 14), 1),
        (D(2026, 4, 15), D(2026, 6, 15), 2),
    ],
)
def test_months_between_counts_whole_months(start, end, months):
    assert months_between(start, end) == months


@pytest.mark.parametrize(
    ("aligned_from", "today", "expected"),
    [
        (D(2020, 1, 1), D(2026, 4, 1), 0),
        (D(2020, 1, 1), D(2026, 5, 31), 0),
        (D(2020, 1, 1), D(2026, 6, 1), 1),  # two whole months into the year
        (D(2020, 1, 1), D(2026, 12, 1), 4),
        (D(2020, 1, 1), D(2027, 3, 31), 5),
        (D(2026, 10, 1), D(2026, 12, 1), 1),  # aligned mid-year: counted from then
        (D(2027, 1, 1), D(2026, 12, 1), 0),
    ],
)
def test_meetings_expected_one_for_each_two_months_of_the_year(aligned_from, today, expected):
    assert meetings_expected(aligned_from, today) == expected
    assert financial_year_start(D(2027, 3, 31)) == D(2026, 4, 1)


# -- recording and reading -----------------------------------------------------------------------------


def test_manager_records_a_meeting_and_downloads_the_sheet_under_a_safe_name(client, aligned):
    client.force_login(f.practice_manager(aligned.practice))
    response = client.post(
        reverse("outcomes:meeting_create", args=["C87001"]),
        {
            "care_home": aligned.care_home.pk,
            "met_on": "2026-11-03",
            "attendees": "Dr A Gunasekera (lead GP), J Smith (home manager)",
            "notes": "Two falls admissions discussed; a falls review agreed.",
            "attendance_sheet": upload("../../etc/IMG 0001 (final).PDF", PDF),
        },
        follow=True,
    )
    assert "Meeting recorded with its attendance sheet." in response.content.decode()
    meeting = Meeting.objects.get()
    download = client.get(reverse("outcomes:attendance_sheet", args=["C87001", meeting.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        'attachment; filename="attendance-sheet-C87001-1-101613254-2026-11-03.pdf"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == PDF


def test_renamed_executable_refused_on_the_form_writing_nothing(client, aligned):
    client.force_login(f.practice_manager(aligned.practice))
    response = client.post(
        reverse("outcomes:meeting_create", args=["C87001"]),
        {
            "care_home": aligned.care_home.pk,
            "met_on": "2026-11-03",
            "attendees": "Dr A",
            "notes": "Notes",
            "attendance_sheet": upload("sheet.pdf", EXE),
        },
    )
    assert response.status_code == 200
    assert "sheet.pdf is not a PDF, PNG or JPEG file" in response.content.decode()
    assert not Meeting.objects.exists() and not Document.objects.exists()


def _meeting(practice, home, day):
    sheet = Document.of(kind=Document.Kind.ATTENDANCE_SHEET, filename="s.pdf", content=PDF)
    sheet.save()
    return Meeting.objects.create(
        practice=practice, care_home=home, met_on=day, attendees="A", notes="N",
        attendance_sheet=sheet,
    )  # fmt: skip


def test_another_practices_sheet_is_404_even_under_own_ods_code(client, aligned):
    other = f.AlignmentFactory(care_home=aligned.care_home)
    theirs = _meeting(other.practice, aligned.care_home, D(2026, 11, 1))
    client.force_login(f.practice_manager(aligned.practice))
    assert (
        client.get(reverse("outcomes:attendance_sheet", args=["C87001", theirs.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("outcomes:attendance_sheet", args=[other.practice.ods_code, theirs.pk])
        ).status_code
        == 404
    )


def test_auditor_reads_meetings_and_downloads_evidence(client, aligned):
    meeting = _meeting(aligned.practice, aligned.care_home, D(2026, 11, 1))
    client.force_login(f.auditor(aligned.practice.pcn.commissioner))
    page = client.get(reverse("outcomes:meetings", args=["C87001"])).content.decode()
    assert "Oakwood Lodge" in page and "Record a meeting" not in page
    url = reverse("outcomes:attendance_sheet", args=["C87001", meeting.pk])
    assert client.get(url).status_code == 200


def test_meeting_counts_show_the_shortfall_this_year(aligned):
    for day in (D(2025, 12, 1), D(2026, 5, 20), D(2026, 7, 20)):  # the first is last year's
        _meeting(aligned.practice, aligned.care_home, day)
    (count,) = meeting_counts(aligned.practice, Meeting.objects.all(), D(2026, 12, 1))
    assert (count.held, count.expected, count.shortfall) == (2, 4, 2)
