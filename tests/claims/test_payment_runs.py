"""Payment runs: what is due, deferral across consecutive runs, totals, the finance export, and no
claim paid twice however many officers act at once."""

import csv
import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from claims.models import PaymentRun, Remittance, Worksheet
from claims.payments.runs import (
    claims_due,
    finance_export,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check, claim_waive
from tests import factories as f

S = Worksheet.Status
D = datetime.date


@pytest.fixture
def officers(db):
    commissioner = f.CommissionerFactory(code="03L")
    return f.officer(commissioner, username="checker"), f.officer(commissioner, username="approver")


@pytest.fixture
def approve(officers):
    def approve(claim):
        return claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])

    return approve


def run_now(officers, day):
    run = payment_run_create(
        backdated=True, commissioner=officers[0].commissioner, run_date=day, by=officers[0]
    )
    return payment_run_close(run=f.authorised(run), by=officers[0])


def test_deferral_across_three_consecutive_runs(submit_claim, approve, officers):
    on_time = approve(submit_claim(days_late=0))
    deferred = approve(submit_claim(days_late=10))
    none = approve(submit_claim(days_late=22))  # 100%: never paid
    first = run_now(officers, D(2019, 8, 1))
    assert set(first.claims.all()) == {on_time}
    late_approved = approve(submit_claim(days_late=0))
    second = run_now(officers, D(2019, 9, 1))
    assert set(second.claims.all()) == {deferred, late_approved}
    deferred_later = approve(submit_claim(days_late=15))
    third = run_now(officers, D(2019, 10, 1))
    assert set(third.claims.all()) == set()  # the new deferred claim skips this run
    fourth = run_now(officers, D(2019, 11, 1))
    assert set(fourth.claims.all()) == {deferred_later}
    none.refresh_from_db()
    assert (none.status, none.payment_run) == (S.APPROVED, None)


def test_waived_deferred_claim_goes_into_the_next_run(submit_claim, approve, officers):
    claim = submit_claim(days_late=10)
    claim_waive(claim=claim, by=officers[0], reason="System outage")
    approve(claim)
    run = run_now(officers, D(2019, 8, 1))
    assert list(run.claims.all()) == [Worksheet.objects.get(pk=claim.pk)]


def test_preview_lists_due_claims_and_unapproved_never_appear(submit_claim, approve, officers):
    due = approve(submit_claim())
    submit_claim()  # submitted, not approved
    run = payment_run_create(
        backdated=True,
        commissioner=officers[0].commissioner,
        run_date=D(2019, 8, 1),
        by=officers[0],
    )
    assert list(claims_due(run)) == [due]


def test_close_totals_per_practice_and_schedules_claims(submit_claim, approve, officers):
    first = approve(submit_claim(opening=10))
    practice = first.practice
    home = first.lines.get().care_home
    from core.periods import Period

    second = approve(
        submit_claim(opening=None, period=Period(2019, 2), practice=practice, home=home)
    )
    run = run_now(officers, D(2019, 11, 1))
    remittance = Remittance.objects.get(payment_run=run)
    assert remittance.amount_pence == first.net_pence + second.net_pence
    assert set(run.claims.values_list("status", flat=True)) == {S.SCHEDULED}
    rows = list(csv.DictReader(io.StringIO(finance_export(run))))
    assert rows == [
        {
            "practice_ods": practice.ods_code,
            "practice_name": practice.name,
            "amount": "1200.00",
            "run_reference": run.reference,
            "claim_references": f"{first.reference};{second.reference}",
        }
    ]


def test_mark_paid_pays_the_runs_claims(submit_claim, approve, officers):
    claim = approve(submit_claim())
    run = payment_run_mark_paid(
        run=run_now(officers, D(2019, 8, 1)), by=officers[0], payment_reference="BACS-1"
    )
    claim.refresh_from_db()
    assert (run.status, claim.status) == (PaymentRun.Status.PAID, S.PAID)


def test_closing_twice_refused(submit_claim, approve, officers):
    run = run_now(officers, D(2019, 8, 1))
    with pytest.raises(ValidationError, match="already closed"):
        payment_run_close(run=f.authorised(run), by=officers[0])


def test_only_one_open_run(officers):
    payment_run_create(
        backdated=True,
        commissioner=officers[0].commissioner,
        run_date=D(2019, 8, 1),
        by=officers[0],
    )
    with pytest.raises(ValidationError, match="already open"):
        payment_run_create(
            backdated=True,
            commissioner=officers[0].commissioner,
            run_date=D(2019, 9, 1),
            by=officers[0],
        )


def test_run_references_are_unique_per_date(officers):
    first = run_now(officers, D(2019, 8, 1))
    second = run_now(officers, D(2019, 8, 1))
    assert (first.reference, second.reference) == ("PR-03L-20190801", "PR-03L-20190801-2")


def _at_once(*actions):
    """Run each action in its own thread and connection, released together; return their outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs on PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_closing_the_same_run_pay_once(submit_claim, approve, officers):
    claims = [approve(submit_claim()) for _ in range(3)]
    run = f.authorised(
        payment_run_create(
            backdated=True,
            commissioner=officers[0].commissioner,
            run_date=D(2019, 8, 1),
            by=officers[0],
        )
    )
    outcomes = _at_once(
        lambda: payment_run_close(run=run, by=officers[0]),
        lambda: payment_run_close(run=run, by=officers[1]),
    )
    assert sum(isinstance(o, PaymentRun) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert Remittance.objects.count() == 3
    assert set(Worksheet.objects.values_list("payment_run", flat=True)) == {run.pk}
    assert len(claims) == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_runs_closing_at_once_never_pay_a_claim_twice(submit_claim, approve, officers):
    [approve(submit_claim()) for _ in range(4)]
    commissioner = officers[0].commissioner
    first = f.authorised(
        PaymentRun.objects.create(commissioner=commissioner, reference="A", run_date=D(2019, 8, 1))
    )
    second = f.authorised(
        PaymentRun.objects.create(commissioner=commissioner, reference="B", run_date=D(2019, 8, 1))
    )
    _at_once(
        lambda: payment_run_close(run=first, by=officers[0]),
        lambda: payment_run_close(run=second, by=officers[1]),
    )
    paid = Worksheet.objects.exclude(payment_run=None)
    assert paid.count() == 4
    total = sum(r.amount_pence for r in Remittance.objects.all())
    assert total == sum(w.net_pence for w in paid)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_the_same_claim_approve_once(submit_claim, officers):
    claim = claim_check(claim=submit_claim(), by=officers[0])
    third = f.officer(officers[0].commissioner, username="third")
    outcomes = _at_once(
        lambda: claim_approve(claim=claim, by=officers[1]),
        lambda: claim_approve(claim=claim, by=third),
    )
    assert sum(isinstance(o, Worksheet) for o in outcomes) == 1
    from history.models import AuditEvent

    assert AuditEvent.objects.filter(action="claim_approve").count() == 1


def test_run_takes_only_its_commissioners_claims(submit_claim, approve, officers):
    ours = approve(submit_claim())
    elsewhere = f.AlignmentFactory(care_home__beds=200)  # another commissioner's practice
    f.AgreementFactory(practice=elsewhere.practice)
    theirs = submit_claim(practice=elsewhere.practice, home=elsewhere.care_home)
    other_officers = [f.officer(elsewhere.practice.commissioner) for _ in range(2)]
    claim_approve(claim=claim_check(claim=theirs, by=other_officers[0]), by=other_officers[1])
    run = run_now(officers, D(2019, 8, 1))
    assert list(run.claims.all()) == [ours]
