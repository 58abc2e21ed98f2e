"""Four-eyes on the claim page: a direct POST that would bypass it gets the service's message in the
error summary and writes nothing; a change to an approved claim says it is back in review; the
officer confirms a correction above the home's beds as the practice would."""

import datetime

import pytest

from claims.models import Worksheet
from claims.review.services import claim_approve, claim_check, claim_reject
from history.models import AuditEvent
from notices.models import Notice
from practices.models import Agreement
from tests import factories as f
from tests.claims.test_review_pages import signed_in, submit, url

S = Worksheet.Status


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return (
        f.officer(commissioner, username="checker"),
        f.officer(commissioner, username="approver"),
    )


@pytest.fixture
def practice(commissioner):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(practice=practice, care_home__beds=40, care_home__commissioner=commissioner)
    return practice


def _writes(claim):
    stored = Worksheet.objects.get(pk=claim.pk)
    return (
        stored.status,
        stored.net_pence,
        stored.approved_by_id,
        stored.lines.get().opening,
        AuditEvent.objects.count(),
        Notice.objects.count(),
    )


def _refused(response, message):
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "nhsuk-error-summary" in page
    assert message in page
    return page


def _correct(client, claim, opening, *, confirm=False):
    line = claim.lines.get()
    data = {f"line-{line.pk}-opening": str(opening), f"line-{line.pk}-reason": "Home's census"}
    if confirm:
        data[f"line-{line.pk}-beds_confirmed"] = "on"
    return client.post(url("correct_opening", claim, line=line.pk), data, follow=True)


def test_correcting_an_approved_claim_sends_it_back_to_review(client, officers, practice):
    checker, approver = officers
    claim = claim_approve(claim=claim_check(claim=submit(practice), by=checker), by=approver)
    response = _correct(signed_in(client, checker), claim, 12)
    page = response.content.decode()
    assert "corrected to 12: net payment now £720.00." in page
    assert "The claim is back in review: it needs a fresh check and approval." in page
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by, claim.checked_by) == (S.SUBMITTED, None, None)
    assert "check" in response.context["actions"]


def test_correction_above_the_beds_asks_the_officer_to_confirm(client, officers, practice):
    checker, approver = officers
    claim = claim_approve(claim=claim_check(claim=submit(practice), by=checker), by=approver)
    before = _writes(claim)
    client = signed_in(client, checker)
    page = _refused(_correct(client, claim, 999), "more than its 40 registered beds")
    line = claim.lines.get()
    assert f'name="line-{line.pk}-beds_confirmed"' in page and 'type="checkbox"' in page
    assert _writes(claim) == before

    page = _correct(client, claim, 999, confirm=True).content.decode()
    assert "The claim is back in review" in page
    claim.refresh_from_db()
    assert (claim.status, claim.lines.get().opening) == (S.SUBMITTED, 999)
    assert "confirmed by the officer who corrected the opening" in page


def test_direct_post_correcting_a_rejected_claim_refused(client, officers, practice):
    claim = claim_reject(claim=submit(practice), by=officers[0], reason="Duplicate")
    before = _writes(claim)
    response = _correct(signed_in(client, officers[0]), claim, 5)
    _refused(response, "was rejected, so its figures are final")
    assert _writes(claim) == before


def test_direct_post_waiving_a_rejected_claim_refused(client, officers, practice):
    claim = claim_reject(claim=submit(practice, days_late=3), by=officers[0], reason="Duplicate")
    before = _writes(claim)
    response = signed_in(client, officers[0]).post(
        url("waive", claim), {"waive-reason": "Flood"}, follow=True
    )
    _refused(response, "was rejected, so its figures are final")
    assert _writes(claim) == before


def test_waiving_an_approved_claim_sends_it_back_to_review(client, officers, practice):
    checker, approver = officers
    claim = submit(practice, days_late=30)  # 100% deduction
    claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    response = signed_in(client, checker).post(
        url("waive", claim), {"waive-reason": "Practice flooded"}, follow=True
    )
    page = response.content.decode()
    assert "net payment now £600.00. The claim is back in review" in page
    claim.refresh_from_db()
    assert (claim.status, claim.net_pence, claim.approved_by) == (S.SUBMITTED, 60000, None)


def test_direct_post_approving_after_the_agreement_ended_refused(client, officers, practice):
    checker, approver = officers
    claim = claim_check(claim=submit(practice), by=checker)  # 2019/20 Q1, from 1 April 2019
    Agreement.objects.filter(practice=practice).update(
        notice_given_on=datetime.date(2018, 9, 30),
        notice_given_by="commissioner",
        ends_on=datetime.date(2019, 3, 31),
    )
    before = _writes(claim)
    response = signed_in(client, approver).post(url("approve", claim), follow=True)
    _refused(
        response,
        "The practice&#x27;s agreement ended on 31 March 2019; no claim is paid for a quarter "
        "starting after it.",
    )
    assert _writes(claim) == before
