"""Meeting evidence (specification 4.1, 3.2): checking the signed attendance sheet a practice
uploads, recording the meeting, and counting meetings against the six a year expected for each
practice and home.

An attendance sheet is accepted by what it is, not by its name: its first bytes must be those of a
PDF, PNG or JPEG file, and it must be no larger than ``EVIDENCE_MAX_BYTES``. It is kept in the
database (``documents.Document``), outside any public path, and downloads under a name the service
makes (``attendance-sheet-C87001-1-101613254-2026-11-03.pdf``), never the name it was uploaded with."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from carehomes.models import Alignment
from core.periods import Period
from documents.models import Document
from history.services import audit_record, snapshot
from outcomes.models import Meeting

MEETINGS_A_YEAR = 6  # bi-monthly
# The file types an attendance sheet may be, by their first bytes: (signature, content type, ext).
SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str


def check_attendance_sheet(upload) -> CheckedFile:
    """The upload's bytes and real type, or a ``ValidationError`` saying what is wrong with it."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"{upload.name} is {filesizeformat(upload.size)}; the largest attendance sheet "
            f"accepted is {filesizeformat(limit)}. Scan it at a lower resolution, or as a PDF."
        )
    content = upload.read(limit + 1)
    if len(content) > limit:  # the size the browser declared was wrong
        raise ValidationError(
            f"{upload.name} is larger than {filesizeformat(limit)}, the largest accepted."
        )
    for signature, content_type, extension in SIGNATURES:
        if content.startswith(signature):
            return CheckedFile(content, content_type, extension)
    raise ValidationError(
        f"{upload.name} is not a PDF, PNG or JPEG file (whatever its name says). Upload the "
        "signed attendance sheet as a PDF or a photo (PNG or JPEG)."
    )


@transaction.atomic
def meeting_record(
    *,
    practice,
    care_home,
    met_on: datetime.date,
    attendees: str,
    notes: str,
    sheet: CheckedFile,
    by,
    today: datetime.date | None = None,
) -> Meeting:
    today = today or timezone.localdate()
    if met_on > today:
        raise ValidationError({"met_on": "The meeting date cannot be in the future."})
    if (
        not Alignment.objects.covering(met_on, met_on)
        .filter(practice=practice, care_home=care_home)
        .exists()
    ):
        raise ValidationError(
            {"care_home": "The home was not aligned with the practice on the meeting date."}
        )
    document = Document.of(
        kind=Document.Kind.ATTENDANCE_SHEET,
        filename=(
            f"attendance-sheet-{practice.ods_code}-{care_home.cqc_location_id}-"
            f"{met_on.isoformat()}.{sheet.extension}"
        ),
        content=sheet.content,
        content_type=sheet.content_type,
    )
    try:
        with transaction.atomic():
            document.save()
            meeting = Meeting.objects.create(
                practice=practice,
                care_home=care_home,
                met_on=met_on,
                attendees=attendees.strip(),
                notes=notes.strip(),
                attendance_sheet=document,
                recorded_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        raise ValidationError(
            {"met_on": f"A meeting at {care_home.name} on this date is already recorded."}
        ) from None
    audit_record(
        by=by,
        action="meeting_record",
        obj=meeting,
        summary=f"Meeting evidence: {care_home.name} on {met_on:%-d %B %Y}",
        after={**snapshot(meeting, ["care_home_id", "met_on"]), "sheet_sha256": document.sha256},
    )
    return meeting


# -- how many --------------------------------------------------------------------------------------


def financial_year_start(day: datetime.date) -> datetime.date:
    return datetime.date(Period.containing(day).year, 4, 1)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from ``start`` to ``end`` (1 April → 31 May is 1; → 1 June is 2)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def meetings_expected(aligned_from: datetime.date, today: datetime.date) -> int:
    """Meetings a practice should have had with a home this financial year by ``today``: one for
    each whole two months since the year began (or since the home was aligned, if later), at most
    six."""
    start = max(financial_year_start(today), aligned_from)
    if start > today:
        return 0
    return min(months_between(start, today) // 2, MEETINGS_A_YEAR)


@dataclass(frozen=True)
class MeetingCount:
    care_home: object
    held: int
    expected: int

    @property
    def shortfall(self) -> int:
        return max(self.expected - self.held, 0)


def meeting_counts(practice, meetings, today: datetime.date | None = None) -> list[MeetingCount]:
    """Per home aligned with the practice now: meetings held this financial year against those
    expected by today (and against the six of the year)."""
    today = today or timezone.localdate()
    year_start = financial_year_start(today)
    held: dict[int, int] = {}
    for meeting in meetings:
        if year_start <= meeting.met_on <= today:
            held[meeting.care_home_id] = held.get(meeting.care_home_id, 0) + 1
    counts = []
    alignments = (
        Alignment.objects.current(today).filter(practice=practice).select_related("care_home")
    )
    for alignment in sorted(alignments, key=lambda a: a.care_home.name):
        counts.append(
            MeetingCount(
                care_home=alignment.care_home,
                held=held.get(alignment.care_home_id, 0),
                expected=meetings_expected(alignment.start_date, today),
            )
        )
    return counts
