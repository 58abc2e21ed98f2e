"""The audit pack: built by its task from a case, it holds every section for a seeded practice;
a second build for the same request stores nothing new; it downloads through the access rule."""

import datetime
import io
import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from django.urls import reverse

from audits.packs import audit_pack_build, audit_pack_request
from audits.services import audit_case_flag
from carehomes.models import Resident
from carehomes.register import clinic_record, resident_save
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from documents.models import Document
from outcomes.evidence import CheckedFile, meeting_record
from outcomes.services import outcomes_period_for, outcomes_report_submit
from tests import factories as f

D = datetime.date


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def case(db, django_capture_on_commit_callbacks):
    commissioner = f.CommissionerFactory(code="03L", name="NHS Rotherham CCG")
    checker = f.officer(commissioner, username="checker", first_name="Priya", last_name="Shah")
    approver = f.officer(commissioner, username="approver", first_name="Asha", last_name="Okafor")
    alignment = f.AlignmentFactory(
        care_home__name="Oakwood Lodge",
        care_home__commissioner=commissioner,
        practice__name="Dinnington Group Practice",
        practice__ods_code="C87001",
        practice__pcn__commissioner=commissioner,
        start_date=D(2019, 4, 1),
    )
    practice, home = alignment.practice, alignment.care_home
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice)
    q1 = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=practice,
        quarter=q1,
        entries={home.pk: LineEntry(opening=10, new_permanent=2, temporary=1, moved_out=1, died=1)},
        by=None,
        submitted_at=datetime.datetime.combine(
            q1.due_date + datetime.timedelta(days=3), datetime.time(9), LONDON
        ),
    )
    claim_waive(claim=claim, by=checker, reason="Practice manager in hospital.")
    claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    with django_capture_on_commit_callbacks(execute=True):
        payment_run_close(
            run=f.authorised(
                payment_run_create(
                    backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=checker
                )
            ),
            by=checker,
        )
    outcomes_report_submit(
        practice=practice, period=outcomes_period_for(2019, 1),
        figures={"emergency_admissions": 7, "unplanned_visits": 12, "actions_taken": "Falls clinic.",
                 "changes_in_practice": "Weekly check-in."},
        by=None, submitted_at=datetime.datetime(2019, 9, 20, 10, tzinfo=LONDON),
    )  # fmt: skip
    meeting_record(
        practice=practice, care_home=home, met_on=D(2019, 6, 3), attendees="Dr A (lead GP), J Smith",
        notes="Two admissions discussed.", sheet=CheckedFile(b"%PDF-1.7\n%%EOF\n", "application/pdf", "pdf"),
        by=None, today=D(2019, 12, 1),
    )  # fmt: skip
    resident_save(
        resident=Resident(practice=practice, care_home=home, nhs_number="4857773457", admitted_on=D(2019, 5, 1), assessed_on=D(2019, 5, 3), care_plan_on=D(2019, 5, 3)),
        by=None, today=D(2019, 12, 1),
    )  # fmt: skip
    clinic_record(
        practice=practice,
        care_home=home,
        held_on=D(2019, 11, 25),
        clinician="",
        by=None,
        today=D(2019, 12, 1),
    )
    return audit_case_flag(
        practice=practice,
        financial_year=2019,
        reason="Openings rose while nobody left.",
        by=checker,
    )


def test_audit_pack_holds_every_section_for_the_practice(
    case, django_capture_on_commit_callbacks, request
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_pack_request(case=case, by=None)
    case.refresh_from_db()
    assert case.pack is not None
    text = pdf_text(bytes(case.pack.content))
    for fact in [
        "Audit pack 2019/20",
        "Dinnington Group Practice (C87001)",
        "1. Practice and agreement",
        "Agreement signed 1 March 2018",
        "2. Worksheets and their calculation",
        "2019/20 Q1 · claim C87001-2019-20-Q1",
        "Oakwood Lodge",
        "Continuing (opening) 10 £60.00 £600.00",
        "New permanent 2 £102.00 £204.00",
        "Waiver: Practice manager in hospital.",
        "Deduction waived by Priya Shah",
        "Checked by Priya Shah",
        "Approved by Asha Okafor",
        "3. Payments and remittances",
        "PR-03L-20190801",
        "remittance-advice-PR-03L-20190801-C87001.pdf",
        "4. Outcomes reports",
        "Emergency admissions: 7. Unplanned visits: 12.",
        "5. Meetings with the homes' managers",
        "attendance-sheet-C87001-",
        "6. Care-home register: service requirements",
        "Assessed by the lead GP within two weeks of admission 1 of 1 100%",
        "7. The audit",
        "Openings rose while nobody left.",
    ]:
        assert fact in text, fact
    assert "4857773457" not in text and "485 777 3457" not in text
    # Money in the history reads as money, through the one formatter (never "net 820.80").
    assert "submitted: net £820.80" in text  # 5% late when submitted; waived later
    assert not re.search(r"\bnet \d+\.\d\d", text)
    # The first two pages as PNG, for a person to look at.
    folder = Path(__file__).resolve().parents[2] / "test-output" / "audit-packs"
    folder.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(bytes(case.pack.content))
    try:
        for index in range(min(2, len(document))):
            document[index].render(scale=1.2).to_pil().save(folder / f"page-{index + 1}.png")
    finally:
        document.close()
    assert (folder / "page-1.png").stat().st_size > 0


def test_audit_pack_built_twice_for_one_request_stores_one_document(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_pack_request(case=case, by=None)
    before = Document.objects.filter(kind=Document.Kind.AUDIT_PACK).count()
    audit_pack_build(case.pk)  # the task delivered again
    assert Document.objects.filter(kind=Document.Kind.AUDIT_PACK).count() == before == 1


def test_auditor_requests_and_downloads_the_pack(client, case, django_capture_on_commit_callbacks):
    client.force_login(f.auditor(case.practice.pcn.commissioner))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:pack_request", args=[case.pk]), follow=True)
    assert "The audit pack is being built" in response.content.decode()
    download = client.get(reverse("audits:pack", args=[case.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="audit-pack-2019-C87001.pdf"'
    assert download.content.startswith(b"%PDF-")


def test_pack_download_before_it_is_built_says_so(client, case):
    client.force_login(f.auditor(case.practice.pcn.commissioner))
    response = client.get(reverse("audits:pack", args=[case.pk]), follow=True)
    assert "No audit pack has been built" in response.content.decode()
