"""Adjustments (recoveries and underpayments) and two-person payment runs (docs/adr/0022): raised
by one officer and approved by another, netted in the next run with money owed carried forward;
runs prepared by one officer and authorised by another; marked paid with finance's reference, not
before the payment date; the finance hand-off reconciles to what each run pays and carries."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.models import Adjustment, ApprovalPolicy, PaymentRun, Remittance, Worksheet
from claims.payments.adjustments import (
    adjustment_approve,
    adjustment_cancel,
    adjustment_finance_approve,
    adjustment_raise,
    adjustment_refuse,
)
from claims.payments.finance_export import COLUMNS, payments_csv
from claims.payments.runs import (
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check, claim_finance_approve
from claims.selectors import claims_covered_by_agreement
from core.periods import Period
from history.models import AuditEvent
from tests import factories as f

S = Worksheet.Status
A = Adjustment.Status
D = datetime.date
Q1, Q2, Q3 = Period(2019, 1), Period(2019, 2), Period(2019, 3)


@pytest.fixture
def people(db):
    commissioner = f.CommissionerFactory(code="03L", cost_centre="7720", gl_code="52150")
    return {
        "commissioner": commissioner,
        "preparer": f.officer(commissioner, username="preparer"),
        "second": f.officer(commissioner, username="second"),
        "finance": f.officer(commissioner, username="finance", is_finance_approver=True),
    }


@pytest.fixture
def pay(people, submit_claim):
    """Approve, then pay (in a run closed and marked paid) a claim of ``opening`` patients."""

    def approve(claim):
        claim = claim_approve(
            claim=claim_check(claim=claim, by=people["preparer"]), by=people["second"]
        )
        if claim.status == S.AWAITING_FINANCE:
            claim = claim_finance_approve(claim=claim, by=people["finance"])
        return claim

    def pay(**kwargs):
        claim = approve(submit_claim(**kwargs))
        run = close(people, D(2019, 8, 1) + datetime.timedelta(days=PaymentRun.objects.count()))
        payment_run_mark_paid(run=run, by=people["second"], payment_reference="BACS-1")
        claim.refresh_from_db()
        assert claim.status == S.PAID
        return claim

    pay.approve = approve
    return pay


def close(people, day) -> PaymentRun:
    run = payment_run_create(
        backdated=True, commissioner=people["commissioner"], run_date=day, by=people["preparer"]
    )
    run = payment_run_authorise(run=run, by=people["finance"])
    return payment_run_close(run=run, by=people["preparer"])


def recovery(people, claim, pence, reason=Adjustment.Reason.AUDIT_FINDING) -> Adjustment:
    adjustment = adjustment_raise(
        claim=claim, amount_pence=pence, reason=reason, explanation="Found at audit",
        by=people["preparer"],
    )  # fmt: skip
    adjustment = adjustment_approve(adjustment=adjustment, by=people["second"])
    if adjustment.status == A.AWAITING_FINANCE:
        adjustment = adjustment_finance_approve(adjustment=adjustment, by=people["finance"])
    return adjustment


# -- raising and deciding -----------------------------------------------------------------------


def test_adjustment_on_an_unpaid_claim_is_refused_and_writes_nothing(people, pay, submit_claim):
    claim = pay.approve(submit_claim())
    with pytest.raises(ValidationError, match="only a paid claim can be adjusted"):
        adjustment_raise(
            claim=claim, amount_pence=-100, reason="audit_finding", explanation="x",
            by=people["preparer"],
        )  # fmt: skip
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "explanation", "message"),
    [
        (0, "audit_finding", "x", "other than"),
        (-100, "whim", "x", "Choose the reason"),
        (-100, "other", "  ", "Explain"),
    ],
)
def test_adjustment_bad_input_refused(people, pay, amount, reason, explanation, message):
    claim = pay()
    with pytest.raises(ValidationError, match=message):
        adjustment_raise(
            claim=claim, amount_pence=amount, reason=reason, explanation=explanation,
            by=people["preparer"],
        )  # fmt: skip
    assert not Adjustment.objects.exists()


def test_the_raiser_can_never_approve(people, pay):
    adjustment = adjustment_raise(
        claim=pay(), amount_pence=-500, reason="audit_finding", explanation="x",
        by=people["preparer"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="a different officer must approve"):
        adjustment_approve(adjustment=adjustment, by=people["preparer"])
    adjustment.refresh_from_db()
    assert adjustment.status == A.RAISED


def test_adjustment_above_the_threshold_either_way_needs_a_finance_approver(people, pay):
    ApprovalPolicy.objects.create(finance_threshold_pence=10_000)
    claim = pay(opening=10)  # £600
    for pence in (-10_001, 10_001):
        adjustment = adjustment_raise(
            claim=claim, amount_pence=pence, reason="corrected_figures", explanation="x",
            by=people["preparer"],
        )  # fmt: skip
        adjustment = adjustment_approve(adjustment=adjustment, by=people["second"])
        assert adjustment.status == A.AWAITING_FINANCE
        with pytest.raises(ValidationError, match="Only a finance approver"):
            adjustment_finance_approve(adjustment=adjustment, by=f.officer(people["commissioner"]))
        assert adjustment_finance_approve(adjustment=adjustment, by=people["finance"]).status == (
            A.APPROVED
        )
    at_threshold = adjustment_raise(
        claim=claim, amount_pence=-10_000, reason="other", explanation="x", by=people["preparer"]
    )
    assert adjustment_approve(adjustment=at_threshold, by=people["second"]).status == A.APPROVED


def test_finance_approver_who_raised_it_cannot_give_finance_approval(people, pay):
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    adjustment = adjustment_raise(
        claim=pay(), amount_pence=-5000, reason="other", explanation="x", by=people["finance"]
    )
    adjustment = adjustment_approve(adjustment=adjustment, by=people["second"])
    with pytest.raises(ValidationError, match="another finance approver"):
        adjustment_finance_approve(adjustment=adjustment, by=people["finance"])


def test_refuse_and_cancel_need_a_reason_and_keep_history(people, pay):
    claim = pay()
    first = adjustment_raise(
        claim=claim, amount_pence=-500, reason="other", explanation="x", by=people["preparer"]
    )
    with pytest.raises(ValidationError, match="cancel it instead"):
        adjustment_refuse(adjustment=first, by=people["preparer"], reason="No")
    with pytest.raises(ValidationError, match="Give the reason"):
        adjustment_refuse(adjustment=first, by=people["second"], reason=" ")
    refused = adjustment_refuse(adjustment=first, by=people["second"], reason="Not overpaid")
    assert (refused.status, refused.ended_reason) == (A.REFUSED, "Not overpaid")
    with pytest.raises(ValidationError, match="refused adjustment cannot be approved"):
        adjustment_approve(adjustment=refused, by=people["second"])
    second = adjustment_raise(
        claim=claim, amount_pence=700, reason="other", explanation="y", by=people["preparer"]
    )
    assert adjustment_cancel(adjustment=second, by=people["preparer"], reason="Typo").status == (
        A.CANCELLED
    )
    actions = list(
        AuditEvent.objects.filter(object_type="claims.adjustment")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "adjustment_raise", "adjustment_refuse", "adjustment_raise", "adjustment_cancel",
    ]  # fmt: skip


# -- netting in runs ----------------------------------------------------------------------------


def test_recovery_is_netted_beside_the_practices_claims_in_the_next_run(people, pay, submit_claim):
    paid = pay(opening=10)  # £600
    adjustment = recovery(people, paid, -25_000)
    later = pay.approve(
        submit_claim(
            opening=None, period=Q2, practice=paid.practice, home=paid.lines.get().care_home
        )
    )
    run = close(people, D(2019, 11, 1))
    remittance = run.remittances.get()
    assert (remittance.amount_pence, remittance.carried_pence) == (later.net_pence - 25_000, 0)
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.payment_run) == (A.SCHEDULED, run)
    payment_run_mark_paid(run=run, by=people["second"], payment_reference="BACS-2")
    adjustment.refresh_from_db()
    assert adjustment.status == A.PAID


def test_recovery_exactly_cancelling_pays_nothing_and_carries_nothing(people, pay, submit_claim):
    paid = pay(opening=10)
    later = pay.approve(
        submit_claim(
            opening=None, period=Q2, practice=paid.practice, home=paid.lines.get().care_home
        )
    )
    recovery(people, paid, -later.net_pence)
    remittance = close(people, D(2019, 11, 1)).remittances.get()
    assert (remittance.amount_pence, remittance.carried_pence) == (0, 0)


def test_negative_balance_is_carried_over_two_runs_then_netted(people, pay, submit_claim):
    paid = pay(opening=10)  # £600
    home = paid.lines.get().care_home
    recovery(people, paid, -100_000)  # £1,000 back
    run1 = close(people, D(2019, 11, 1))  # nothing else due: nothing paid, £1,000 owed
    first = run1.remittances.get()
    assert (first.amount_pence, first.brought_forward_pence, first.carried_pence) == (
        0, 0, -100_000,
    )  # fmt: skip
    q2 = pay.approve(submit_claim(opening=None, period=Q2, practice=paid.practice, home=home))
    run2 = close(people, D(2019, 12, 1))  # £600 claim against £1,000 owed: £400 still owed
    second = run2.remittances.get()
    assert (second.amount_pence, second.brought_forward_pence, second.carried_pence) == (
        0, -100_000, q2.net_pence - 100_000,
    )  # fmt: skip
    q3 = pay.approve(
        submit_claim(opening=None, new=10, period=Q3, practice=paid.practice, home=home)
    )
    third = close(people, D(2020, 2, 1)).remittances.get()
    assert third.brought_forward_pence == second.carried_pence
    assert (third.amount_pence, third.carried_pence) == (
        q3.net_pence + second.carried_pence, 0,
    )  # fmt: skip
    assert third.amount_pence > 0


def test_positive_underpayment_alone_is_paid(people, pay):
    paid = pay()
    recovery(people, paid, 6_000, reason=Adjustment.Reason.CORRECTED_FIGURES)
    run = close(people, D(2019, 11, 1))
    remittance = run.remittances.get()
    assert (remittance.amount_pence, remittance.carried_pence) == (6_000, 0)
    assert not run.claims.exists()


# -- two people ----------------------------------------------------------------------------------


def test_the_preparer_cannot_authorise_and_closing_unauthorised_is_refused(people, pay):
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["preparer"],
    )
    with pytest.raises(ValidationError, match="a different officer must authorise"):
        payment_run_authorise(run=run, by=people["preparer"])
    with pytest.raises(ValidationError, match="has not been authorised"):
        payment_run_close(run=run, by=people["second"])
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN


def test_run_above_the_threshold_needs_a_finance_approver_to_authorise(people, pay, submit_claim):
    ApprovalPolicy.objects.create(finance_threshold_pence=50_000)
    pay.approve(submit_claim(opening=10))  # £600, above £500
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["preparer"],
    )
    with pytest.raises(ValidationError, match="above the finance threshold of £500.00"):
        payment_run_authorise(run=run, by=people["second"])
    assert payment_run_authorise(run=run, by=people["finance"]).authorised_total_pence == 60_000


def test_close_refused_when_the_due_set_changed_since_authorisation(people, pay, submit_claim):
    pay.approve(submit_claim(opening=10))
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["preparer"],
    )
    payment_run_authorise(run=run, by=people["second"])
    pay.approve(submit_claim(opening=5))  # approved after the authorisation
    with pytest.raises(ValidationError, match=r"£600.00 authorised, £900.00 now\): it must be"):
        payment_run_close(run=run, by=people["preparer"])
    assert not Worksheet.objects.filter(payment_run__isnull=False).exists()
    payment_run_authorise(run=run, by=people["second"])  # again, for what is due now
    assert payment_run_close(run=run, by=people["preparer"]).remittances.count() == 2


def test_mark_paid_before_the_payment_date_is_refused_naming_it(people, pay, submit_claim):
    pay.approve(submit_claim())
    run = close(people, D(2019, 8, 1))
    with pytest.raises(ValidationError, match="pays on 1 August 2019: it cannot be marked paid"):
        payment_run_mark_paid(
            run=run, by=people["second"], payment_reference="BACS-1", today=D(2019, 7, 31)
        )
    with pytest.raises(ValidationError, match="payment reference"):
        payment_run_mark_paid(run=run, by=people["second"], payment_reference="  ")
    paid = payment_run_mark_paid(
        run=run, by=people["second"], payment_reference=" BACS-7 ", today=D(2019, 8, 1)
    )
    assert (paid.status, paid.payment_reference) == (PaymentRun.Status.PAID, "BACS-7")


def test_claim_for_a_quarter_after_the_agreement_ended_is_left_out_and_said(
    people, pay, submit_claim
):
    kept = pay.approve(submit_claim())
    ended = pay.approve(submit_claim(period=Q2))
    agreement = ended.practice.agreements.get()
    agreement.notice_given_on, agreement.notice_given_by = D(2019, 1, 1), "practice"
    agreement.ends_on = D(2019, 6, 30)  # Q2 starts 1 July: after the end
    agreement.save()
    assert list(claims_covered_by_agreement(Worksheet.objects.filter(status=S.APPROVED))) == [kept]
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 11, 1),
        by=people["preparer"],
    )
    assert [c.reference for c in payment_run_authorise(run=run, by=people["second"]).left_out] == [
        ended.reference
    ]
    run = payment_run_close(run=run, by=people["preparer"])
    assert list(run.claims.all()) == [kept]
    assert ended.reference in AuditEvent.objects.get(action="payment_run_close").summary
    ended.refresh_from_db()
    assert (ended.status, ended.payment_run) == (S.APPROVED, None)


# -- the finance hand-off ------------------------------------------------------------------------


def test_payments_export_rows_reconcile_and_show_adjustments_as_their_own_lines(
    people, pay, submit_claim
):
    paid = pay(opening=10)
    paid.practice.supplier_number = "SUP1"
    paid.practice.save()
    recovery(people, paid, -100_000)
    run1 = close(people, D(2019, 11, 1))
    pay.approve(
        submit_claim(
            opening=None, period=Q2, practice=paid.practice, home=paid.lines.get().care_home
        )
    )
    run2 = close(people, D(2019, 12, 1))
    out = io.StringIO()
    call_command("export_payments", "--run", run2.reference, stdout=out)
    reader = csv.reader(io.StringIO(out.getvalue()))
    assert tuple(next(reader)) == COLUMNS
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in reader]
    assert [(r["line_type"], r["amount"]) for r in rows] == [
        ("claim", "600.00"), ("adjustment", "-1000.00"),
    ]  # fmt: skip
    assert rows[0]["supplier_number"] == "SUP1"
    assert (rows[0]["cost_centre"], rows[0]["gl_code"]) == ("7720", "52150")
    for run in (run1, run2):
        body = list(csv.DictReader(io.StringIO(payments_csv([run]))))
        pence = sum(round(float(r["amount"]) * 100) for r in body)
        remittances = Remittance.objects.filter(payment_run=run)
        assert pence == sum(r.amount_pence + r.carried_pence for r in remittances)


def test_export_payments_of_an_unknown_or_open_run_fails_with_a_message(people):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No payment run"):
        call_command("export_payments", "--run", "PR-NOPE", stdout=io.StringIO())
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["preparer"],
    )
    with pytest.raises(CommandError, match="still open"):
        call_command("export_payments", "--run", run.reference, stdout=io.StringIO())


def test_export_payments_of_the_demo_data_reconciles_to_every_runs_totals(db):
    from carehomes_les.demo import load_demo_data

    load_demo_data(today=D(2026, 11, 20))
    runs = list(PaymentRun.objects.exclude(status=PaymentRun.Status.OPEN))
    assert runs
    out = io.StringIO()
    call_command("export_payments", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["line_type"] for r in rows} == {"claim", "adjustment"}
    for run in runs:
        pence = sum(
            int(r["amount"].replace(".", "")) for r in rows if r["run_reference"] == run.reference
        )
        remittances = Remittance.objects.filter(payment_run=run)
        assert pence == sum(r.amount_pence + r.carried_pence for r in remittances), run.reference
    assert Remittance.objects.filter(carried_pence__lt=0).exists()  # the demo's recovery carries


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; CI runs on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_closing_at_once_net_an_adjustment_and_a_balance_once(people, pay):
    from tests.claims.test_payment_runs import _at_once

    paid = pay()
    recovery(people, paid, -100_000)
    close(people, D(2019, 9, 1))  # £1,000 owed, carried
    other = pay(opening=3)  # another practice's claim was paid meanwhile in its own run
    recovery(people, other, 500)
    runs = [
        payment_run_authorise(
            run=PaymentRun.objects.create(
                commissioner=people["commissioner"], reference=ref, run_date=D(2019, 10, 1)
            ),
            by=people["finance"],
        )
        for ref in ("PR-A", "PR-B")
    ]
    outcomes = _at_once(
        *(lambda run=run: payment_run_close(run=run, by=people["second"]) for run in runs)
    )
    assert sum(isinstance(o, PaymentRun) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert Adjustment.objects.filter(payment_run__isnull=False).count() == 2
    brought = Remittance.objects.filter(
        brought_forward_pence__lt=0, payment_run__reference__in=["PR-A", "PR-B"]
    )
    assert list(brought.values_list("brought_forward_pence", flat=True)) == [-100_000]
