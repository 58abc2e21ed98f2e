"""Separation of duties in audit (issue 19): the officer who checked or approved a claim cannot
record findings on or close the audit case that covers it (the service refuses; the page explains
instead of offering the forms); auditors, and officers who reviewed none of the claims, can."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.models import AuditCase
from audits.services import (
    audit_case_close,
    audit_case_flag,
    audit_case_record_findings,
    audit_case_start_review,
)
from claims.review.services import claim_check, claim_query
from core.periods import Period
from tests import factories as f
from tests.faults.builders import approved_claim, practice_in_les, submitted_claim

S = AuditCase.Status
# The claims of builders.approved_claim are 2019/20 Q1.
YEAR = 2019


@pytest.fixture
def setting(db):
    commissioner = f.CommissionerFactory(code="03L")
    practice, home = practice_in_les(commissioner, ods_code="C87001")
    checker, approver = f.officer(commissioner), f.officer(commissioner)
    approved_claim(practice, home, checker=checker, approver=approver)
    case = audit_case_start_review(
        case=audit_case_flag(practice=practice, financial_year=YEAR, reason="R", by=None),
        by=None,
    )
    return {
        "case": case,
        "checker": checker,
        "approver": approver,
        "bystander": f.officer(commissioner),
        "auditor": f.auditor(commissioner),
    }


@pytest.mark.parametrize("who", ["checker", "approver"])
def test_whoever_reviewed_a_covered_claim_cannot_record_findings_or_close(setting, who):
    case, officer = setting["case"], setting[who]
    expected = "You checked or approved the claim C87001-2019-20-Q1, which this audit covers"
    with pytest.raises(ValidationError, match=expected):
        audit_case_record_findings(case=case, findings="All in order.", by=officer)
    with pytest.raises(ValidationError, match=expected):
        audit_case_close(case=case, outcome="compliant", findings="All in order.", by=officer)
    case.refresh_from_db()
    assert (case.status, case.findings) == (S.UNDER_REVIEW, "")


def test_the_auditor_holds_the_findings_and_closes(setting):
    case = audit_case_record_findings(
        case=setting["case"], findings="Sheets for 6 meetings.", by=setting["auditor"]
    )
    case = audit_case_close(
        case=case, outcome="compliant", findings=case.findings, by=setting["auditor"]
    )
    assert (case.status, case.closed_by) == (S.CLOSED, setting["auditor"])


def test_an_officer_who_reviewed_none_of_the_claims_may_record_findings(setting):
    case = audit_case_record_findings(
        case=setting["case"], findings="Checked.", by=setting["bystander"]
    )
    assert case.findings == "Checked."


def test_a_checker_whose_check_was_undone_is_still_refused(setting):
    # A query sends a claim back to the practice and clears its checker; the history still says
    # who checked it.
    case = setting["case"]
    checker, other = f.officer(case.practice.commissioner), setting["bystander"]
    practice, home = case.practice, case.practice.alignments.get().care_home
    claim = claim_check(
        claim=submitted_claim(practice, home, opening=11, period=Period(YEAR, 2)), by=checker
    )
    claim = claim_query(claim=claim, by=other, message="Please explain the openings.")
    assert claim.checked_by is None
    with pytest.raises(ValidationError, match="C87001-2019-20-Q2, which this audit covers"):
        audit_case_record_findings(case=case, findings="x", by=checker)


def test_a_case_of_another_year_is_not_covered(setting):
    other = audit_case_flag(
        practice=setting["case"].practice, financial_year=YEAR + 1, reason="R", by=None
    )
    case = audit_case_record_findings(case=other, findings="Fine.", by=setting["checker"])
    assert case.findings == "Fine."


def test_the_page_explains_instead_of_offering_the_forms(client, setting):
    url = reverse("audits:case", args=[setting["case"].pk])
    client.force_login(setting["checker"])
    page = client.get(url).content.decode()
    assert 'id="separation-of-duties"' in page
    assert "someone else must record its findings and close it" in page
    assert reverse("audits:case_findings", args=[setting["case"].pk]) not in page
    assert reverse("audits:case_close", args=[setting["case"].pk]) not in page
    client.force_login(setting["auditor"])
    page = client.get(url).content.decode()
    assert 'id="separation-of-duties"' not in page
    assert reverse("audits:case_close", args=[setting["case"].pk]) in page


def test_a_refused_post_shows_the_reason_and_writes_nothing(client, setting):
    client.force_login(setting["approver"])
    response = client.post(
        reverse("audits:case_close", args=[setting["case"].pk]),
        {"close-outcome": "compliant", "close-findings": "All in order."},
    )
    assert response.status_code == 200
    assert "You checked or approved the claim C87001-2019-20-Q1" in response.content.decode()
    assert AuditCase.objects.get().status == S.UNDER_REVIEW
