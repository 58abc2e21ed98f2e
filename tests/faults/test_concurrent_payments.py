"""Fault 4: officers approving claims and closing payment runs at the same moment.

Each pair of calls runs in two threads with their own connections, made to overlap inside the
service (``concurrency.py``). Whatever the interleaving, each approved claim is approved once,
lands in one run, and is paid once: one remittance per practice and run, one advice and one
email for each."""

import datetime
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError

from claims.models import PaymentRun, Remittance, Worksheet
from claims.payments.runs import payment_run_close, payment_run_create, payment_run_mark_paid
from claims.review.services import TransitionRefused, claim_approve, claim_check
from core.periods import Period
from documents.models import Document
from history.models import AuditEvent
from notices.models import Notice
from tests import factories as f
from tests.faults.builders import approved_claim, practice_in_les, submitted_claim
from tests.faults.concurrency import Hold, at_once

pytestmark = pytest.mark.django_db(transaction=True)

S = Worksheet.Status
RUN_DATE = datetime.date(2019, 11, 1)


@pytest.fixture
def commissioner():
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return [f.officer(commissioner, username=name) for name in ("checker", "alex", "sam")]


@pytest.fixture
def approved(commissioner, officers):
    """Three practices' approved claims: two quarters of the first practice, one of each other."""
    checker, approver, _ = officers
    claims = []
    for index in range(3):
        practice, home = practice_in_les(commissioner)
        quarters = [(Period(2019, 1), 10), (Period(2019, 2), 11)][: 2 if index == 0 else 1]
        for period, opening in quarters:  # Q2 opens with Q1's closing: 10 + 1 new
            claims.append(
                approved_claim(
                    practice,
                    home,
                    checker=checker,
                    approver=approver,
                    period=period,
                    opening=opening,
                )
            )
    return claims


def _action(name):
    return lambda **kwargs: kwargs.get("action") == name


def _assert_each_claim_paid_once(claims, run):
    """Every claim in ``run`` and in no other; one remittance per practice totalling its claims,
    each with one advice and one email."""
    for claim in claims:
        claim.refresh_from_db()
        assert (claim.payment_run_id, claim.status) == (run.pk, S.SCHEDULED)
    owed = defaultdict(int)
    for claim in claims:
        owed[claim.practice_id] += claim.net_pence
    remittances = {r.practice_id: r for r in Remittance.objects.all()}
    assert {p: r.amount_pence for p, r in remittances.items()} == dict(owed)
    assert {r.payment_run_id for r in remittances.values()} == {run.pk}
    assert Document.objects.count() == len(remittances)
    for remittance in remittances.values():
        assert remittance.advice_id
        assert Notice.objects.filter(remittance=remittance).count() == 1


def test_one_run_closed_by_two_officers_at_once_pays_each_claim_once(
    monkeypatch, commissioner, officers, approved
):
    run = f.authorised(
        payment_run_create(
            backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=officers[0]
        )
    )
    hold = Hold(monkeypatch, "claims.payments.runs.audit_record", when=_action("payment_run_close"))
    outcomes = at_once(
        lambda: payment_run_close(run=run, by=officers[1]),
        lambda: payment_run_close(run=run, by=officers[2]),
        hold=hold,
    )

    (closed,) = outcomes.of(PaymentRun)
    (refused,) = outcomes.of(ValidationError)
    assert "already closed" in refused.messages[0]
    assert closed.closed_by == hold.held_kwargs["by"]
    _assert_each_claim_paid_once(approved, run)
    assert AuditEvent.objects.filter(action="payment_run_close").count() == 1


def test_two_runs_of_a_commissioner_closing_at_once_pay_each_claim_once(
    monkeypatch, commissioner, officers, approved
):
    # The service lets a commissioner have one open run (next test); two open runs can still
    # exist, say from before that rule or made in the admin. Closing both at once pays once.
    first, second = (
        f.authorised(
            PaymentRun.objects.create(commissioner=commissioner, reference=ref, run_date=RUN_DATE)
        )
        for ref in ("PR-03L-A", "PR-03L-B")
    )
    hold = Hold(monkeypatch, "claims.payments.runs.audit_record", when=_action("payment_run_close"))
    outcomes = at_once(
        lambda: payment_run_close(run=first, by=officers[1]),
        lambda: payment_run_close(run=second, by=officers[2]),
        hold=hold,
    )

    # Both were authorised to pay the same claims: the later one finds them taken, so what it
    # would pay has changed since its authorisation and it is refused (docs/adr/0022).
    (refused,) = outcomes.of(ValidationError)
    assert "changed since it was authorised" in refused.messages[0]
    winner = hold.held_kwargs["obj"]
    loser = second if winner.pk == first.pk else first
    _assert_each_claim_paid_once(approved, winner)
    assert not loser.claims.exists() and not loser.remittances.exists()


def test_two_officers_opening_a_run_at_once_open_one(monkeypatch, commissioner, officers):
    hold = Hold(
        monkeypatch, "claims.payments.runs.audit_record", when=_action("payment_run_create")
    )
    outcomes = at_once(
        lambda: payment_run_create(
            backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=officers[1]
        ),
        lambda: payment_run_create(
            backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=officers[2]
        ),
        hold=hold,
    )

    (opened,) = outcomes.of(PaymentRun)
    (refused,) = outcomes.of(ValidationError)
    assert "close or cancel it before creating another" in refused.messages[0]
    assert list(PaymentRun.objects.all()) == [opened]


def test_two_officers_approving_one_claim_at_once_approve_it_once_and_it_is_paid_once(
    monkeypatch, commissioner, officers
):
    checker, alex, sam = officers
    practice, home = practice_in_les(commissioner)
    claim = claim_check(claim=submitted_claim(practice, home), by=checker)
    hold = Hold(monkeypatch, "claims.review.services.audit_record", when=_action("claim_approve"))
    outcomes = at_once(
        lambda: claim_approve(claim=claim, by=alex),
        lambda: claim_approve(claim=claim, by=sam),
        hold=hold,
    )

    (approved,) = outcomes.of(Worksheet)
    (refused,) = outcomes.of(TransitionRefused)
    assert "approved claim cannot be approved" in refused.messages[0]
    claim.refresh_from_db()
    assert (claim.status, claim.approved_by) == (S.APPROVED, hold.held_kwargs["by"])
    assert AuditEvent.objects.filter(action="claim_approve").count() == 1

    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=checker
            )
        ),
        by=checker,
    )
    _assert_each_claim_paid_once([claim], run)


def test_a_run_marked_paid_twice_at_once_is_marked_once(
    monkeypatch, commissioner, officers, approved
):
    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=RUN_DATE, by=officers[0]
            )
        ),
        by=officers[0],
    )
    hold = Hold(
        monkeypatch, "claims.payments.runs.audit_record", when=_action("payment_run_mark_paid")
    )
    outcomes = at_once(
        lambda: payment_run_mark_paid(run=run, by=officers[1], payment_reference="BACS-1"),
        lambda: payment_run_mark_paid(run=run, by=officers[2], payment_reference="BACS-2"),
        hold=hold,
    )

    (paid,) = outcomes.of(PaymentRun)
    (refused,) = outcomes.of(ValidationError)
    assert "Only a closed payment run" in refused.messages[0]
    assert paid.status == PaymentRun.Status.PAID
    assert set(Worksheet.objects.values_list("status", "payment_run")) == {(S.PAID, run.pk)}
    assert AuditEvent.objects.filter(action="payment_run_mark_paid").count() == 1
    assert Remittance.objects.count() == 3
