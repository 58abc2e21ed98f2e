"""Four-eyes as an invariant (docs/adr/0021): a change to a claim's figures after its check sends it
back to review, final claims refuse changes, the database refuses an approved claim paid at an
amount nobody approved, and checking or approving needs the practice's agreement."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from claims.models import ApprovalPolicy, Worksheet
from claims.payments.runs import payment_run_close, payment_run_create
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
from claims.selectors import agreement_refusal, claims_covered_by_agreement
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from notices.models import Notice
from practices.models import Agreement
from tests import factories as f

S = Worksheet.Status
CLEARED = {
    "checked_by": None,
    "checked_at": None,
    "approved_by": None,
    "approved_at": None,
    "finance_approved_by": None,
    "approved_net_pence": None,
}


@pytest.fixture
def officers(db):
    commissioner = f.CommissionerFactory(code="03L")
    return (
        f.officer(commissioner, username="checker"),
        f.officer(commissioner, username="approver"),
        f.officer(commissioner, username="finance", is_finance_approver=True),
    )


@pytest.fixture
def approve(officers):
    def approve(claim):
        return claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])

    return approve


def _fresh(claim) -> Worksheet:
    return Worksheet.objects.get(pk=claim.pk)


def _review_fields(claim) -> dict:
    return {name: getattr(claim, name) for name in CLEARED}


def _unchanged(claim, snapshot) -> None:
    """Nothing was written: the claim, its line, its history and the outbox are as they were."""
    stored = _fresh(claim)
    assert (stored.status, stored.net_pence, _review_fields(stored)) == snapshot["claim"]
    assert stored.lines.get().opening == snapshot["opening"]
    assert AuditEvent.objects.count() == snapshot["events"]
    assert Notice.objects.count() == snapshot["notices"]


def _snapshot(claim) -> dict:
    stored = _fresh(claim)
    return {
        "claim": (stored.status, stored.net_pence, _review_fields(stored)),
        "opening": stored.lines.get().opening,
        "events": AuditEvent.objects.count(),
        "notices": Notice.objects.count(),
    }


# -- opening corrections -----------------------------------------------------------------------


def test_correction_of_an_approved_claim_by_its_checker_sends_it_back_to_review(
    submit_claim, approve, officers
):
    checker, approver, _ = officers
    claim = approve(submit_claim(opening=10))  # net £600.00, under the £5,000 threshold
    assert (claim.status, claim.approved_net_pence) == (S.APPROVED, 60000)

    (corrected,) = opening_correct(
        line=claim.lines.get(), opening=99, by=checker, reason="Home's census", beds_confirmed=True
    )

    claim = _fresh(claim)
    assert (claim.status, claim.net_pence) == (S.SUBMITTED, 99 * 6000)
    assert _review_fields(claim) == CLEARED
    event = AuditEvent.objects.get(action="opening_correct")
    assert (event.before["status"], event.after["status"]) == (S.APPROVED, S.SUBMITTED)
    assert (event.before["net_pence"], event.after["net_pence"]) == (60000, 594000)
    assert event.reason == "Home's census" and "back in review" in event.summary
    (notice,) = Notice.objects.filter(practice=claim.practice)
    assert "Back in review" in notice.body and claim.reference in notice.body


def test_corrected_claim_needs_a_fresh_check_and_the_finance_approver_above_threshold(
    submit_claim, approve, officers
):
    checker, approver, finance = officers
    claim = approve(submit_claim(opening=10))
    opening_correct(
        line=claim.lines.get(), opening=99, by=checker, reason="census", beds_confirmed=True
    )
    with pytest.raises(TransitionRefused, match="submitted claim cannot be approved"):
        claim_approve(claim=claim, by=approver)
    claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    assert claim.status == S.AWAITING_FINANCE  # £5,940 is above the £5,000 threshold
    claim = claim_finance_approve(claim=claim, by=finance)
    assert (claim.status, claim.approved_net_pence) == (S.APPROVED, claim.net_pence)


@pytest.mark.parametrize("status", [S.CHECKED, S.AWAITING_FINANCE])
def test_correction_of_a_checked_claim_sends_it_back_to_review(submit_claim, officers, status):
    checker, approver, _ = officers
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=submit_claim(opening=10), by=checker)
    if status == S.AWAITING_FINANCE:
        claim = claim_approve(claim=claim, by=approver)
    assert claim.status == status
    opening_correct(line=claim.lines.get(), opening=11, by=approver, reason="census")
    claim = _fresh(claim)
    assert (claim.status, _review_fields(claim)) == (S.SUBMITTED, CLEARED)


def test_correction_of_an_unchecked_claim_leaves_it_submitted(submit_claim, officers):
    claim = submit_claim(opening=10)
    opening_correct(line=claim.lines.get(), opening=11, by=officers[0], reason="census")
    event = AuditEvent.objects.get(action="opening_correct")
    assert (_fresh(claim).status, "back in review" in event.summary) == (S.SUBMITTED, False)


def test_correction_above_the_beds_needs_the_officer_to_confirm(submit_claim, approve, officers):
    claim = approve(submit_claim(opening=10))  # the home has 200 beds
    snapshot = _snapshot(claim)
    with pytest.raises(TransitionRefused, match="more than its 200 registered beds") as refused:
        opening_correct(line=claim.lines.get(), opening=999, by=officers[0], reason="census")
    assert refused.value.code == "beds_warning"
    _unchanged(claim, snapshot)

    opening_correct(
        line=claim.lines.get(), opening=999, by=officers[0], reason="census", beds_confirmed=True
    )
    line = _fresh(claim).lines.get()
    assert (line.opening, line.opening_source, line.beds_warning_confirmed) == (
        999,
        "corrected",
        True,
    )
    assert "registered beds: confirmed" in AuditEvent.objects.get(action="opening_correct").summary


def test_correction_at_the_beds_needs_no_confirmation(submit_claim, officers):
    claim = submit_claim(opening=10)
    opening_correct(line=claim.lines.get(), opening=200, by=officers[0], reason="census")
    assert _fresh(claim).lines.get().opening == 200


def test_correction_of_a_rejected_claim_refused_and_writes_nothing(submit_claim, officers):
    claim = claim_reject(claim=submit_claim(opening=10), by=officers[0], reason="Not aligned")
    snapshot = _snapshot(claim)
    with pytest.raises(TransitionRefused, match="was rejected, so its figures are final"):
        opening_correct(line=claim.lines.get(), opening=3, by=officers[0], reason="census")
    _unchanged(claim, snapshot)


@pytest.mark.parametrize("paid", [False, True])
def test_correction_of_a_claim_in_a_payment_run_refused(submit_claim, approve, officers, paid):
    from claims.payments.runs import payment_run_mark_paid

    claim = approve(submit_claim(opening=10))
    run = payment_run_create(
        backdated=True,
        commissioner=officers[0].commissioner,
        run_date=datetime.date(2019, 8, 1),
        by=officers[0],
    )
    run = payment_run_close(run=f.authorised(run), by=officers[0])
    if paid:
        payment_run_mark_paid(run=run, by=officers[0], payment_reference="BACS-1")
    snapshot = _snapshot(claim)
    with pytest.raises(TransitionRefused, match="already in a payment run"):
        opening_correct(line=claim.lines.get(), opening=3, by=officers[0], reason="census")
    with pytest.raises(TransitionRefused, match="already in a payment run"):
        claim_waive(claim=claim, by=officers[0], reason="flood")
    _unchanged(claim, snapshot)


# -- carry-forward -------------------------------------------------------------------------------


@pytest.fixture
def chain(officers):
    """One practice and home, three quarters submitted on time: openings 10 → 12 → 12."""
    commissioner = officers[0].commissioner
    alignment = f.AlignmentFactory(
        care_home__beds=200,
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
    )
    f.AgreementFactory(practice=alignment.practice)
    claims = []
    for number, entry in [
        (1, LineEntry(opening=10, new_permanent=2, temporary=0, moved_out=0, died=0)),
        (2, LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)),
        (3, LineEntry(new_permanent=0, temporary=0, moved_out=0, died=1)),
    ]:
        quarter = quarter_for(Period(2019, number))
        claims.append(
            worksheet_submit(
                practice=alignment.practice,
                quarter=quarter,
                entries={alignment.care_home_id: entry},
                by=None,
                submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(9), LONDON),
            )
        )
    return claims


def test_carried_forward_correction_sends_each_approved_later_claim_back(chain, approve, officers):
    q1, q2, q3 = (approve(claim) for claim in chain)
    opening_correct(line=q1.lines.get(), opening=8, by=officers[0], reason="Home's records")
    for claim in (q1, q2, q3):
        stored = _fresh(claim)
        assert (stored.status, _review_fields(stored)) == (S.SUBMITTED, CLEARED)
    recalculated = AuditEvent.objects.filter(action="claim_recalculate").order_by("pk")
    assert [e.object_id for e in recalculated] == [str(q2.pk), str(q3.pk)]
    assert all(
        (e.before["status"], e.after["status"]) == (S.APPROVED, S.SUBMITTED) for e in recalculated
    )
    (notice,) = Notice.objects.all()  # one email for the one change
    assert all(c.reference in notice.body for c in (q1, q2, q3))


def test_correction_refused_whole_when_a_later_claim_is_in_a_payment_run(chain, approve, officers):
    # Q2 is approved and taken into a run; Q1, still under review, would change Q2's opening.
    q1, q2 = chain[0], approve(chain[1])
    run = payment_run_create(
        backdated=True,
        commissioner=officers[0].commissioner,
        run_date=datetime.date(2019, 8, 1),
        by=officers[0],
    )
    payment_run_close(run=f.authorised(run), by=officers[0])
    assert _fresh(q2).status == S.SCHEDULED
    snapshot, q3_snapshot = _snapshot(q1), _snapshot(chain[2])
    with pytest.raises(TransitionRefused, match=f"{q2.reference} is already in a payment run"):
        opening_correct(line=q1.lines.get(), opening=8, by=officers[0], reason="census")
    _unchanged(q1, snapshot)
    _unchanged(chain[2], q3_snapshot)


def test_carry_forward_stops_at_a_rejected_claim(chain, approve, officers):
    q1 = chain[0]
    claim_reject(claim=chain[1], by=officers[0], reason="Duplicate")
    q3 = approve(chain[2])
    opening_correct(line=q1.lines.get(), opening=8, by=officers[0], reason="census")
    assert _fresh(chain[1]).lines.get().opening == 12  # final: unchanged
    assert (_fresh(q3).status, _fresh(q3).lines.get().opening) == (S.APPROVED, 12)


def test_resubmission_carries_forward_and_sends_the_later_approved_claim_back(
    chain, approve, officers
):
    q1 = claim_query(claim=chain[0], by=officers[0], message="Check new patients")
    q2 = approve(chain[1])
    worksheet_resubmit(
        claim=q1,
        entries={
            q1.lines.get().care_home_id: LineEntry(
                opening=10, new_permanent=4, temporary=0, moved_out=0, died=0
            )
        },
        by=None,
        submitted_at=q1.submitted_at,
    )
    q2 = _fresh(q2)
    assert (q2.status, q2.lines.get().opening, _review_fields(q2)) == (S.SUBMITTED, 14, CLEARED)


# -- waivers ---------------------------------------------------------------------------------------


def test_waiver_on_an_approved_late_claim_sends_it_back_to_review(submit_claim, approve, officers):
    claim = approve(submit_claim(opening=10, days_late=30))  # 100% deduction: net £0
    assert (claim.status, claim.net_pence) == (S.APPROVED, 0)
    claim = claim_waive(claim=claim, by=officers[0], reason="Practice flooded")
    assert (claim.status, claim.net_pence, _review_fields(claim)) == (S.SUBMITTED, 60000, CLEARED)
    event = AuditEvent.objects.get(action="claim_waive")
    assert (event.before["status"], event.after["status"]) == (S.APPROVED, S.SUBMITTED)
    (notice,) = Notice.objects.all()
    assert "Practice flooded" in notice.body and "back in review" in notice.body


def test_waiver_on_a_submitted_claim_keeps_it_submitted(submit_claim, officers):
    claim = claim_waive(claim=submit_claim(days_late=3), by=officers[0], reason="Outage")
    assert (claim.status, claim.deduction_pence) == (S.SUBMITTED, 0)
    assert "back in review" not in AuditEvent.objects.get(action="claim_waive").summary


def test_waiver_on_a_checked_claim_undoes_the_check(submit_claim, officers):
    claim = claim_check(claim=submit_claim(days_late=3), by=officers[0])
    claim = claim_waive(claim=claim, by=officers[1], reason="Outage")
    assert (claim.status, claim.checked_by) == (S.SUBMITTED, None)


def test_waiver_on_a_rejected_claim_refused(submit_claim, officers):
    claim = claim_reject(claim=submit_claim(days_late=3), by=officers[0], reason="Duplicate")
    snapshot = _snapshot(claim)
    with pytest.raises(TransitionRefused, match="was rejected"):
        claim_waive(claim=claim, by=officers[0], reason="Outage")
    _unchanged(claim, snapshot)


def test_query_clears_every_check_and_approval(submit_claim, officers):
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=submit_claim(), by=officers[0])
    claim = claim_approve(claim=claim, by=officers[1])
    claim = claim_query(claim=claim, by=officers[0], message="Which home?")
    assert (_fresh(claim).status, _review_fields(_fresh(claim))) == (S.QUERIED, CLEARED)


# -- the database holds the line -------------------------------------------------------------------


def _refused_by_database(sql, params):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_database_refuses_raising_an_approved_claims_net(submit_claim, approve):
    claim = approve(submit_claim(opening=10))
    _refused_by_database(
        "UPDATE claims_worksheet SET gross_pence = %s, net_pence = %s WHERE id = %s",
        [3287700, 3287700, claim.pk],
    )
    assert _fresh(claim).net_pence == 60000


def test_database_refuses_an_approval_by_nobody_or_by_the_checker(submit_claim, officers):
    claim = claim_check(claim=submit_claim(), by=officers[0])
    _refused_by_database(
        "UPDATE claims_worksheet SET status = 'approved', approved_at = now(), "
        "approved_net_pence = net_pence WHERE id = %s",
        [claim.pk],
    )
    _refused_by_database(
        "UPDATE claims_worksheet SET status = 'approved', approved_at = now(), "
        "approved_net_pence = net_pence, approved_by_id = checked_by_id WHERE id = %s",
        [claim.pk],
    )
    _refused_by_database(
        "UPDATE claims_worksheet SET status = 'submitted' WHERE id = %s", [claim.pk]
    )  # back to review without clearing the check
    assert _fresh(claim).status == S.CHECKED


def test_database_refuses_the_same_finance_approver(submit_claim, approve, officers):
    claim = approve(submit_claim())
    _refused_by_database(
        "UPDATE claims_worksheet SET finance_approved_by_id = approved_by_id WHERE id = %s",
        [claim.pk],
    )


# -- agreements at every step ------------------------------------------------------------------------


def _end_agreement(claim, ends_on):
    Agreement.objects.filter(practice=claim.practice).update(
        notice_given_on=ends_on - datetime.timedelta(days=183),
        notice_given_by="practice",
        ends_on=ends_on,
    )


ENDED = "The practice's agreement ended on 31 March 2019; no claim is paid for a quarter starting after it."


def test_check_refused_for_a_quarter_after_the_agreement_ended(submit_claim, officers):
    claim = submit_claim(period=Period(2019, 1))  # 2019/20 Q1 starts 1 April 2019
    _end_agreement(claim, datetime.date(2019, 3, 31))
    with pytest.raises(TransitionRefused) as refused:
        claim_check(claim=claim, by=officers[0])
    assert refused.value.messages == [ENDED]
    assert _fresh(claim).status == S.SUBMITTED


def test_approval_refused_for_a_quarter_after_the_agreement_ended(submit_claim, officers):
    claim = claim_check(claim=submit_claim(), by=officers[0])
    _end_agreement(claim, datetime.date(2019, 3, 31))
    with pytest.raises(TransitionRefused, match="agreement ended on 31 March 2019"):
        claim_approve(claim=claim, by=officers[1])
    assert _fresh(claim).status == S.CHECKED


def test_finance_approval_refused_for_a_quarter_after_the_agreement_ended(submit_claim, officers):
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_approve(claim=claim_check(claim=submit_claim(), by=officers[0]), by=officers[1])
    _end_agreement(claim, datetime.date(2019, 3, 31))
    with pytest.raises(TransitionRefused, match="agreement ended on 31 March 2019"):
        claim_finance_approve(claim=claim, by=officers[2])
    assert _fresh(claim).status == S.AWAITING_FINANCE


def test_agreement_ending_during_the_quarter_still_covers_it(submit_claim, approve, officers):
    claim = submit_claim(period=Period(2019, 1))
    _end_agreement(claim, datetime.date(2019, 4, 1))  # the quarter's first day
    assert agreement_refusal(claim) is None
    assert approve(claim).status == S.APPROVED


def test_claims_covered_by_agreement_filters_as_agreement_refusal(submit_claim):
    covered = submit_claim(period=Period(2019, 1))
    ended = submit_claim(period=Period(2019, 2))
    _end_agreement(ended, datetime.date(2019, 6, 30))  # Q2 starts 1 July 2019
    never = submit_claim(period=Period(2019, 1))
    Agreement.objects.filter(practice=never.practice).delete()
    assert agreement_refusal(never).startswith("The practice has no LES agreement in force")
    assert set(claims_covered_by_agreement(Worksheet.objects.all())) == {covered}
    assert [c for c in Worksheet.objects.all() if agreement_refusal(c) is None] == [covered]
