"""No NHS numbers in free text (issue 19): every free-text field that should hold no patient data
refuses a 10-digit number (spaces or dashes allowed) passing the NHS number check, naming the
field and saying why; the form then writes nothing. Text already stored is not rewritten."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audits.forms import CloseForm, EvidenceRequestForm, FindingsForm, FlagForm
from audits.models import AuditCase
from carehomes.models import CareHome
from claims.models import Worksheet
from claims.payments.forms import AdjustmentForm, EndAdjustmentForm
from claims.periods.views import DueDateForm
from claims.review.forms import (
    OpeningCorrectionForm,
    PaymentRunCancelForm,
    QueryForm,
    RejectForm,
    WaiveForm,
)
from core.free_text import nhs_numbers_in
from outcomes.forms import MeetingForm, OutcomesReportForm
from outcomes.models import Meeting
from practices.forms import AgreementVariationForm
from practices.models import Practice
from tests import factories as f

NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    "text",
    [
        f"Patient NHS {NHS_NUMBER} discussed",
        "Patient 943-476-5919 discussed",
        "Patient 9434765919 discussed",
        f"2 patients ({NHS_NUMBER})",
        "9434765919",
    ],
)
def test_an_nhs_number_is_found_however_it_is_written(text):
    assert len(nhs_numbers_in(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Patient 943 476 5918 discussed",  # wrong check digit
        "Call the home on 0114 273 4567",  # a phone number: 11 digits
        "Met on 2026-03-31, 12 residents, 4 reviews",
        "Ref 94347659190",  # 11 digits in one
        "",
    ],
)
def test_other_numbers_are_not_nhs_numbers(text):
    assert nhs_numbers_in(text) == []


FORMS = [
    (lambda: FlagForm(practices=Practice.objects.none(), years=[2025]), "reason", "Irregularity"),
    (EvidenceRequestForm, "message", "Evidence to send"),
    (FindingsForm, "findings", "Findings"),
    (CloseForm, "findings", "Findings"),
    (QueryForm, "message", "Question for the practice"),
    (RejectForm, "reason", "Reason for rejecting the claim"),
    (WaiveForm, "reason", "Exceptional circumstances"),
    (
        lambda: OpeningCorrectionForm(home_name="Oakwood Lodge"),
        "reason",
        "Reason for correcting the opening at Oakwood Lodge",
    ),
    (PaymentRunCancelForm, "reason", ""),
    (
        lambda: AdjustmentForm(
            claims=Worksheet.objects.none(), audit_cases=AuditCase.objects.none()
        ),
        "explanation",
        "",
    ),
    (lambda: EndAdjustmentForm(label="Reason for refusing"), "reason", "Reason for refusing"),
    (DueDateForm, "reason", "Reason for the change"),
    (OutcomesReportForm, "actions_taken", "Relevant actions taken"),
    (OutcomesReportForm, "changes_in_practice", "Changes in practice"),
    (lambda: MeetingForm(care_homes=CareHome.objects.none()), "notes", ""),
    (lambda: MeetingForm(care_homes=CareHome.objects.none()), "attendees", ""),
    (AgreementVariationForm, "notes", "Notes"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "name", "label"), FORMS)
def test_every_free_text_field_refuses_an_nhs_number_naming_itself(make, name, label):
    field = make().fields[name]
    with pytest.raises(ValidationError) as error:
        field.clean(f"Patient NHS {NHS_NUMBER} discussed")
    message = error.value.messages[0]
    assert field.label
    assert message.startswith(str(field.label).rstrip(" .:") + " must not include an NHS number")
    assert label in message
    assert f"'{NHS_NUMBER}' is one" in message
    assert "must not see patient data" in message
    field.clean("Falls discussed; 2 residents reviewed on 2026-03-31.")  # other text is fine


@pytest.fixture
def aligned(db):
    commissioner = f.CommissionerFactory(code="03L")
    return f.AlignmentFactory(
        care_home__commissioner=commissioner,
        practice__ods_code="C87001",
        practice__pcn__commissioner=commissioner,
        start_date=datetime.date(2025, 4, 1),
    )


def test_meeting_notes_with_an_nhs_number_are_refused_writing_nothing(client, aligned):
    client.force_login(f.practice_manager(aligned.practice))
    response = client.post(
        reverse("outcomes:meeting_create", args=["C87001"]),
        {
            "care_home": aligned.care_home.pk,
            "met_on": "2026-11-03",
            "attendees": "Dr A (lead GP)",
            "notes": f"Patient NHS {NHS_NUMBER} discussed",
            "attendance_sheet": SimpleUploadedFile("s.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "must not include an NHS number: &#x27;943 476 5919&#x27; is one" in page
    assert not Meeting.objects.exists()
