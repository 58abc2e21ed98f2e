"""Hostile uploads of a meeting's signed attendance sheet (outcomes/evidence.py), posted to the
practice manager's form: the file is accepted by what it is (the first bytes of a PDF, PNG or JPEG)
and its size, never its name; hostile text in the other fields is refused or kept as typed.

For every post: never an error page; a refused post says why and writes nothing (no meeting, no
document, no history row); a post with a good sheet and good fields records exactly one meeting
with the very bytes uploaded."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from core.periods import LONDON
from outcomes.evidence import SIGNATURES
from outcomes.models import Meeting
from tests import factories as f
from tests.fuzz.helpers import (
    assert_refusal_is_explained,
    changed,
    example_savepoint,
    row_counts,
)
from tests.fuzz.profiles import fuzz
from tests.fuzz.strategies import formulas, long_text, nul_text, odd_dates, xlsx_bytes

pytestmark = pytest.mark.django_db

LIMIT = 4096  # EVIDENCE_MAX_BYTES in these tests: files either side of it stay small
TODAY = datetime.date(2026, 1, 15)
ALIGNED_FROM = datetime.date(2025, 4, 1)
ALREADY_MET = datetime.date(2025, 6, 2)
URL = reverse("outcomes:meeting_create", args=["C87001"])


@pytest.fixture
def home(db, settings, monkeypatch):
    settings.EVIDENCE_MAX_BYTES = LIMIT
    moment = datetime.datetime.combine(TODAY, datetime.time(10), LONDON)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
    alignment = f.AlignmentFactory(
        practice__ods_code="C87001",
        care_home__cqc_location_id="1-101613254",
        start_date=ALIGNED_FROM,
    )
    return alignment


@pytest.fixture
def manager_client(client, home):
    client.force_login(f.practice_manager(home.practice))
    sheet = SimpleUploadedFile("s.pdf", b"%PDF-1.7 first")
    response = client.post(
        URL,
        {
            "care_home": home.care_home.pk,
            "met_on": ALREADY_MET.isoformat(),
            "attendees": "Dr A",
            "notes": "N",
            "attendance_sheet": sheet,
        },
    )
    assert response.status_code == 302  # a meeting already recorded on ALREADY_MET
    return client


def _good_sheet(content: bytes) -> bool:
    return len(content) <= LIMIT and any(content.startswith(s) for s, _, _ in SIGNATURES)


def _good_text(text: str) -> bool:
    return bool(text.strip()) and "\x00" not in text


signatures = st.sampled_from([signature for signature, _type, _ext in SIGNATURES])
sheets = st.one_of(
    # A real signature, then anything, up to either side of the limit.
    st.tuples(signatures, st.binary(max_size=200), st.integers(0, LIMIT + 200)).map(
        lambda t: (t[0] + t[1] + b"\x00" * t[2])[: max(len(t[0]), t[2])]
    ),
    st.binary(max_size=300),  # anything at all
    st.sampled_from(
        [
            b"",
            b"%PDF",  # too short to be the signature
            b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
            b"GIF89a\x01\x00\x01\x00",  # an image of another kind
            b"<svg onload=alert(1)>",
            b"\x89PNG\r\n\x1a",  # a truncated signature
            b" %PDF-1.7",  # the signature, but not first
        ]
    ),
    st.just(xlsx_bytes([[["=cmd|' /C calc'!A0"]]])),  # a zip
)
names = st.one_of(
    st.sampled_from(
        [
            "sheet.pdf",
            "photo.PNG",
            "scan.jpeg",
            "evil.exe",
            "sheet.pdf.exe",
            "../../etc/passwd",
            "IMG 0001 (final).PDF",
            ".pdf",
            "a" * 300 + ".pdf",
            "sheet",
        ]
    ),  # fmt: skip
    st.text(min_size=1, max_size=40).map(lambda t: t + ".pdf"),
)
texts = st.one_of(
    st.sampled_from(["Dr A Gunasekera (lead GP), J Smith (home manager)", "Falls discussed."]),
    formulas(),
    long_text(),
    nul_text(),
    st.sampled_from(["", "   ", "\t"]),
    st.text(max_size=60),
)
good_days = st.dates(ALIGNED_FROM, TODAY).filter(lambda day: day != ALREADY_MET)
met_on = st.one_of(
    good_days.map(lambda day: (day.isoformat(), True)),
    st.sampled_from(
        [ALREADY_MET, TODAY + datetime.timedelta(days=1), datetime.date(2025, 3, 31)]
    ).map(lambda day: (day.isoformat(), False)),  # already met, future, before the alignment
    odd_dates().map(lambda text: (text, None)),  # None: whatever the form makes of it
)


good_sheets = st.tuples(signatures, st.binary(max_size=300)).map(lambda t: t[0] + t[1])
good_texts = st.text(min_size=1, max_size=80).filter(_good_text)


@st.composite
def meetings(draw):
    """A good meeting with some of its parts (or none, or all) replaced by hostile ones."""
    hostile = draw(st.sets(st.sampled_from(["sheet", "attendees", "notes", "day"])))
    return {
        "content": draw(sheets if "sheet" in hostile else good_sheets),
        "attendees": draw(texts if "attendees" in hostile else good_texts),
        "notes": draw(texts if "notes" in hostile else good_texts),
        "day": draw(met_on if "day" in hostile else good_days.map(lambda d: (d.isoformat(), True))),
    }


@fuzz(40)
@given(meeting=meetings(), name=names)
def test_attendance_sheet_upload_never_errors_and_records_all_or_nothing(
    manager_client, home, meeting, name
):
    content, attendees, notes = meeting["content"], meeting["attendees"], meeting["notes"]
    day_text, day_good = meeting["day"]
    with example_savepoint():
        before = row_counts()
        response = manager_client.post(
            URL,
            {
                "care_home": home.care_home.pk,
                "met_on": day_text,
                "attendees": attendees,
                "notes": notes,
                "attendance_sheet": SimpleUploadedFile(name, content),
            },
        )
        assert response.status_code in (200, 302), f"the form answered {response.status_code}"
        good = _good_sheet(content) and _good_text(attendees) and _good_text(notes)
        if response.status_code == 200:
            event("refused")
            page = response.content.decode()
            messages = " ".join(assert_refusal_is_explained(page))
            assert changed(before, row_counts()) == {}, "a refused meeting wrote something"
            if content and not _good_sheet(content):
                assert "is not a PDF, PNG or JPEG file" in messages or "largest" in messages, (
                    messages
                )
            assert not (good and day_good), f"a good meeting was refused: {messages}"
            return
        event("recorded")
        assert good and day_good is not False, "a bad meeting was recorded"
        assert changed(before, row_counts()) == {
            "outcomes.Meeting": 1,
            "documents.Document": 1,
            "audit.AuditEvent": 1,
        }
        meeting = Meeting.objects.select_related("attendance_sheet").latest("pk")
        assert bytes(meeting.attendance_sheet.content) == content
        assert ALIGNED_FROM <= meeting.met_on <= TODAY
        assert meeting.attendance_sheet.filename.startswith("attendance-sheet-C87001-1-101613254-")
        assert (
            meeting.attendees == attendees.strip()
            or meeting.attendees == attendees.replace("\r\n", "\n").strip()
        )
