"""An opening correction and an approval of the same checked claim at the same moment.

Officer A corrects an opening while officer B approves. Each call runs in its own thread and
connection (``concurrency.py``), the first held inside its transaction until the other is seen
waiting for its lock. Whichever goes first, the claim never ends approved at the new amount by
nobody: either B approved the old amount and A's correction then sent it back to review, or A's
correction went first and B's approval is refused."""

import pytest

from claims.models import Worksheet
from claims.review.services import TransitionRefused, claim_approve, claim_check, opening_correct
from history.models import AuditEvent
from tests import factories as f
from tests.faults.builders import practice_in_les, submitted_claim
from tests.faults.concurrency import Hold, at_once

pytestmark = pytest.mark.django_db(transaction=True)

S = Worksheet.Status


@pytest.fixture
def commissioner():
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def checked(commissioner):
    """A claim of net £660.00 (10 continuing, 1 new) checked by ``checker``; 40 beds."""
    checker = f.officer(commissioner, username="checker")
    practice, home = practice_in_les(commissioner)
    return claim_check(claim=submitted_claim(practice, home, opening=10), by=checker)


def _action(name):
    return lambda **kwargs: kwargs.get("action") == name


def _race(monkeypatch, claim, *, first: str):
    corrector, approver = claim.checked_by, f.officer(claim.practice.pcn.commissioner)
    hold = Hold(monkeypatch, "claims.review.services.audit_record", when=_action(first))

    def correct():
        return opening_correct(line=claim.lines.get(), opening=30, by=corrector, reason="census")

    def approve():
        return claim_approve(claim=claim, by=approver)

    calls = (correct, approve) if first == "opening_correct" else (approve, correct)
    outcomes = at_once(*calls, hold=hold, first_wins=True)
    return outcomes, approver


def test_correction_first_then_the_approval_is_refused(monkeypatch, checked):
    outcomes, _ = _race(monkeypatch, checked, first="opening_correct")

    (refused,) = outcomes.of(TransitionRefused)
    assert "submitted claim cannot be approved" in refused.messages[0]
    claim = Worksheet.objects.get(pk=checked.pk)
    assert (claim.status, claim.net_pence) == (S.SUBMITTED, 30 * 6000 + 10200)
    assert (claim.checked_by, claim.approved_by, claim.approved_net_pence) == (None, None, None)
    assert not AuditEvent.objects.filter(action="claim_approve").exists()


def test_approval_first_then_the_correction_sends_it_back(monkeypatch, checked):
    outcomes, approver = _race(monkeypatch, checked, first="claim_approve")

    assert not outcomes.of(Exception)
    claim = Worksheet.objects.get(pk=checked.pk)
    assert (claim.status, claim.net_pence) == (S.SUBMITTED, 30 * 6000 + 10200)
    assert (claim.checked_by, claim.approved_by, claim.approved_net_pence) == (None, None, None)
    approved = AuditEvent.objects.get(action="claim_approve")
    assert (approved.actor, approved.after["net_pence"]) == (approver, 10 * 6000 + 10200)
    corrected = AuditEvent.objects.get(action="opening_correct")
    assert (corrected.before["status"], corrected.after["status"]) == (S.APPROVED, S.SUBMITTED)
