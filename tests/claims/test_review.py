"""The claim lifecycle: every transition, the two-tier rule, the threshold, waivers, corrections."""

import datetime

import pytest

from claims.models import ApprovalPolicy, Worksheet
from claims.review.services import (
    TransitionRefused,
    claim_approve,
    claim_check,
    claim_finance_approve,
    claim_query,
    claim_reject,
    claim_waive,
    opening_correct,
    worksheet_resubmit,
)
from claims.worksheets.services import LineEntry, WorksheetRefused, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from tests import factories as f

S = Worksheet.Status


@pytest.fixture
def officers(db):
    commissioner = f.CommissionerFactory(code="03L")
    return (
        f.officer(commissioner, username="checker"),
        f.officer(commissioner, username="approver"),
        f.officer(commissioner, username="finance", is_finance_approver=True),
    )


def test_check_then_approve_by_another_officer(submit_claim, officers):
    checker, approver, _ = officers
    claim = claim_check(claim=submit_claim(), by=checker)
    assert claim.status == S.CHECKED
    claim = claim_approve(claim=claim, by=approver)
    assert (claim.status, claim.checked_by, claim.approved_by) == (S.APPROVED, checker, approver)
    assert claim.approved_at is not None


def test_same_officer_cannot_check_and_approve(submit_claim, officers):
    checker, _, _ = officers
    claim = claim_check(claim=submit_claim(), by=checker)
    with pytest.raises(TransitionRefused, match="different officer"):
        claim_approve(claim=claim, by=checker)
    assert Worksheet.objects.get().status == S.CHECKED


def test_approve_before_check_refused(submit_claim, officers):
    with pytest.raises(TransitionRefused, match="submitted claim cannot be approved"):
        claim_approve(claim=submit_claim(), by=officers[1])


@pytest.mark.parametrize(
    ("threshold", "status"), [(60_000, S.APPROVED), (59_999, S.AWAITING_FINANCE)]
)
def test_finance_threshold_at_its_edge(submit_claim, officers, threshold, status):
    ApprovalPolicy.objects.create(finance_threshold_pence=threshold)
    claim = submit_claim(opening=10)  # net £600.00
    claim = claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    assert claim.status == status


def test_finance_approval_needs_a_finance_approver_who_did_not_check(submit_claim, officers):
    checker, approver, finance = officers
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_approve(claim=claim_check(claim=submit_claim(), by=checker), by=approver)
    with pytest.raises(TransitionRefused, match="Only a finance approver"):
        claim_finance_approve(claim=claim, by=approver)
    checker.is_finance_approver = True
    with pytest.raises(TransitionRefused, match="already checked or approved"):
        claim_finance_approve(claim=claim, by=checker)
    claim = claim_finance_approve(claim=claim, by=finance)
    assert (claim.status, claim.finance_approved_by) == (S.APPROVED, finance)


def test_query_sends_back_and_resubmission_keeps_first_lateness(submit_claim, officers):
    claim = submit_claim(opening=10, days_late=9)
    first = claim.first_submitted_at
    claim = claim_query(
        claim=claim_check(claim=claim, by=officers[0]), by=officers[1], message="Check deaths"
    )
    assert (claim.status, claim.checked_by) == (S.QUERIED, None)
    home = claim.lines.get().care_home
    later = datetime.datetime(2019, 9, 1, 10, tzinfo=LONDON)
    claim = worksheet_resubmit(
        claim=claim,
        entries={home.pk: LineEntry(opening=12, new_permanent=1, temporary=0, moved_out=0, died=1)},
        by=None,
        submitted_at=later,
    )
    assert (claim.status, claim.first_submitted_at, claim.submitted_at) == (
        S.SUBMITTED,
        first,
        later,
    )
    assert claim.days_late == 9 and claim.gross_pence == 12 * 6000 + 10200
    assert claim.deduction_pence == (12 * 6000 + 10200) // 10


def test_query_needs_a_message(submit_claim, officers):
    with pytest.raises(TransitionRefused, match="question"):
        claim_query(claim=submit_claim(), by=officers[0], message=" ")


def test_resubmit_only_when_queried(submit_claim):
    claim = submit_claim()
    with pytest.raises(TransitionRefused):
        worksheet_resubmit(claim=claim, entries={}, by=None, submitted_at=claim.submitted_at)


@pytest.mark.parametrize("counter_fraud", [False, True])
def test_reject_with_reason_and_optional_counter_fraud(submit_claim, officers, counter_fraud):
    claim = claim_reject(
        claim=submit_claim(), by=officers[0], reason="Home not aligned", counter_fraud=counter_fraud
    )
    assert (claim.status, claim.counter_fraud_referral) == (S.REJECTED, counter_fraud)
    with pytest.raises(TransitionRefused):
        claim_check(claim=claim, by=officers[0])


def test_reject_needs_a_reason(submit_claim, officers):
    with pytest.raises(TransitionRefused, match="reason"):
        claim_reject(claim=submit_claim(), by=officers[0], reason="")


def test_waiver_removes_deduction_and_deferral_with_reason(submit_claim, officers):
    claim = submit_claim(opening=10, days_late=16)  # 50%, deferred
    assert (claim.net_pence, claim.release) == (30000, "deferred")
    claim = claim_waive(claim=claim, by=officers[0], reason="Practice manager in hospital")
    assert (claim.net_pence, claim.deduction_pence, claim.release, claim.waived) == (
        60000,
        0,
        "next_run",
        True,
    )
    assert claim.days_late == 16  # lateness itself still shown
    assert claim.waiver_reason == "Practice manager in hospital" and claim.waived_by == officers[0]


def test_waiver_of_on_time_claim_refused(submit_claim, officers):
    with pytest.raises(TransitionRefused, match="on time"):
        claim_waive(claim=submit_claim(), by=officers[0], reason="x")


def test_every_transition_writes_history_with_figures(submit_claim, officers):
    claim = submit_claim(days_late=3)
    claim_waive(claim=claim, by=officers[0], reason="Flood")
    event = AuditEvent.objects.get(action="claim_waive")
    assert (event.before["net_pence"], event.after["net_pence"], event.reason) == (
        57000,
        60000,
        "Flood",
    )
    assert event.actor == officers[0]


@pytest.fixture
def chain(db):
    """A practice and home with three quarters submitted: openings 10 → 12 → 12."""
    alignment = f.AlignmentFactory(care_home__beds=200)
    f.AgreementFactory(practice=alignment.practice)
    practice, home = alignment.practice, alignment.care_home
    claims = []
    for number, entry in [
        (1, LineEntry(opening=10, new_permanent=2, temporary=0, moved_out=0, died=0)),
        (2, LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)),
        (3, LineEntry(new_permanent=0, temporary=0, moved_out=0, died=1)),
    ]:
        quarter = quarter_for(Period(2019, number))
        at = datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON)
        claims.append(
            worksheet_submit(
                practice=practice,
                quarter=quarter,
                entries={home.pk: entry},
                by=None,
                submitted_at=at,
            )
        )
    return claims


def test_opening_correction_recalculates_later_quarters(chain, officers):
    q1 = chain[0]
    changed = opening_correct(
        line=q1.lines.get(), opening=8, by=officers[0], reason="Home's records show 8"
    )
    assert [c.quarter.number for c in changed] == [1, 2, 3]
    openings = [w.lines.get().opening for w in Worksheet.objects.order_by("quarter__number")]
    assert openings == [8, 10, 10]
    assert [w.gross_pence for w in Worksheet.objects.order_by("quarter__number")] == [
        8 * 6000 + 2 * 10200,
        10 * 6000,
        10 * 6000,
    ]
    assert AuditEvent.objects.filter(action="claim_recalculate").count() == 2


def test_opening_correction_needs_a_reason(chain, officers):
    with pytest.raises(TransitionRefused, match="reason"):
        opening_correct(line=chain[1].lines.get(), opening=3, by=officers[0], reason="")


def test_opening_correction_refused_when_leavers_exceed_patients(chain, officers):
    with pytest.raises(TransitionRefused, match="more leavers"):
        opening_correct(line=chain[2].lines.get(), opening=0, by=officers[0], reason="typo")
    assert chain[2].lines.get().opening == 12


def test_practice_is_told_of_a_query_after_commit(
    submit_claim, officers, mailoutbox, django_capture_on_commit_callbacks
):
    claim = submit_claim()
    f.PracticeContactFactory(practice=claim.practice, email="pm@nhs.example")
    with django_capture_on_commit_callbacks(execute=True):
        claim_query(claim=claim, by=officers[0], message="Is the death on 3 May included?")
    assert [m.to for m in mailoutbox] == [["pm@nhs.example"]]
    assert "Is the death on 3 May included?" in mailoutbox[0].body


def test_practice_is_told_of_an_opening_correction(
    chain, officers, mailoutbox, django_capture_on_commit_callbacks
):
    f.PracticeContactFactory(practice=chain[0].practice, email="pm@nhs.example")
    with django_capture_on_commit_callbacks(execute=True):
        opening_correct(
            line=chain[0].lines.get(), opening=8, by=officers[0], reason="Home's records"
        )
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "from 10 to 8" in body and chain[2].reference in body


def test_refused_correction_mails_nobody(
    chain, officers, mailoutbox, django_capture_on_commit_callbacks
):
    f.PracticeContactFactory(practice=chain[0].practice, email="pm@nhs.example")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionRefused):
        opening_correct(line=chain[2].lines.get(), opening=0, by=officers[0], reason="typo")
    assert mailoutbox == []


def test_officers_opening_correction_survives_a_resubmission(chain, officers):
    q2 = chain[1]
    line = q2.lines.get()
    opening_correct(line=line, opening=11, by=officers[0], reason="Home's records")
    claim_query(claim=Worksheet.objects.get(pk=q2.pk), by=officers[0], message="Check deaths")
    claim = worksheet_resubmit(
        claim=Worksheet.objects.get(pk=q2.pk),
        entries={line.care_home_id: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=1)},
        by=None,
        submitted_at=q2.submitted_at,
    )
    resubmitted = claim.lines.get()
    assert (resubmitted.opening, resubmitted.opening_source) == (11, "corrected")
    assert claim.gross_pence == 11 * 6000
    with pytest.raises(
        WorksheetRefused, match="must be 11, the opening the contracting team corrected"
    ):
        claim_query(claim=claim, by=officers[0], message="again")
        worksheet_resubmit(
            claim=Worksheet.objects.get(pk=q2.pk),
            entries={
                line.care_home_id: LineEntry(
                    opening=12, new_permanent=0, temporary=0, moved_out=0, died=0
                )
            },
            by=None,
            submitted_at=q2.submitted_at,
        )
