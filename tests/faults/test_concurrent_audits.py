"""Auditors acting at the same moment: two draws, a draw and a colleague's flag, two closings of
one case. Made to overlap inside the service (``concurrency.py``); whatever the order, a practice
has one audit case a year, and a case is closed once, with one outcome."""

import pytest
from django.core.exceptions import ValidationError

from audits.models import AuditCase, AuditDraw
from audits.services import (
    audit_case_close,
    audit_case_flag,
    audit_case_record_findings,
    audit_case_start_review,
    audit_draw,
)
from history.models import AuditEvent
from practices.models import Practice
from tests import factories as f
from tests.faults.builders import practice_in_les
from tests.faults.concurrency import Hold, at_once

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = 2019
PRACTICES = 5


@pytest.fixture
def commissioner():
    commissioner = f.CommissionerFactory(code="03L")
    for _ in range(PRACTICES):
        practice_in_les(commissioner)
    return commissioner


@pytest.fixture
def auditors(commissioner):
    return f.auditor(commissioner, username="ann"), f.auditor(commissioner, username="bo")


def _action(name):
    return lambda **kwargs: kwargs.get("action") == name


def _one_case_each(commissioner):
    cases = AuditCase.objects.filter(financial_year=YEAR)
    practices = list(cases.values_list("practice", flat=True))
    assert len(practices) == len(set(practices))
    return cases


def test_two_draws_at_once_open_one_case_per_practice(monkeypatch, commissioner, auditors):
    """Each asks for every practice, so every case is contested. Seed 11 draws the practices
    4th, 5th, 2nd, 1st, 3rd in code order; seed 22 draws 2nd, 5th, 1st, 4th, 3rd. The first draw
    is held just after opening its first case; the second then runs until it waits for one of
    the first's. Opening cases in draw order, the first would next wait for one of the second's:
    a deadlock, which PostgreSQL breaks by failing one draw with an error (it did, before
    ``audit_draw`` opened them in code order)."""
    first, second = (
        lambda by=by, seed=seed: audit_draw(
            commissioner=commissioner, financial_year=YEAR, by=by, count=PRACTICES, seed=seed
        )
        for by, seed in zip(auditors, (11, 22), strict=True)
    )
    hold = Hold(monkeypatch, "audits.services._open_case", after=True)
    outcomes = at_once(first, second, hold=hold, first_wins=True)

    draws = outcomes.of(AuditDraw)
    assert len(draws) == 2, outcomes.results  # both draws are recorded, neither fails
    assert hold.held_kwargs["draw"].seed == 11
    cases = _one_case_each(commissioner)
    assert cases.count() == PRACTICES
    assert {case.draw.seed for case in cases} == {11}  # the first to commit opened them all
    assert AuditEvent.objects.filter(action="audit_draw").count() == 2


@pytest.mark.parametrize("first", ["flag", "draw"])
def test_a_draw_meeting_a_colleagues_flag_leaves_one_case_for_the_practice(
    monkeypatch, commissioner, auditors, first
):
    flagged = Practice.objects.order_by("ods_code").first()
    calls = {
        "flag": lambda: audit_case_flag(
            practice=flagged, financial_year=YEAR, reason="Claims for empty beds", by=auditors[0]
        ),
        "draw": lambda: audit_draw(  # every practice, so the flagged one too
            commissioner=commissioner, financial_year=YEAR, by=auditors[1], count=PRACTICES
        ),
    }
    second = "draw" if first == "flag" else "flag"
    action = {"flag": "audit_case_flag", "draw": "audit_draw"}[first]
    hold = Hold(monkeypatch, "audits.services.audit_record", when=_action(action))
    outcomes = at_once(calls[first], calls[second], hold=hold, first_wins=True)

    (case,) = AuditCase.objects.filter(practice=flagged, financial_year=YEAR)
    assert _one_case_each(commissioner).count() == PRACTICES
    (draw,) = outcomes.of(AuditDraw)  # the draw always lands
    if first == "flag":
        assert outcomes.of(AuditCase) == [case]
        assert (case.source, case.flag_reason) == (
            AuditCase.Source.FLAGGED,
            "Claims for empty beds",
        )
    else:
        (refused,) = outcomes.of(ValidationError)
        assert "already has an audit case" in refused.messages[0]
        assert (case.source, case.draw) == (AuditCase.Source.DRAWN, draw)


@pytest.fixture
def case_under_review(commissioner, auditors):
    practice = commissioner.pcns.first().practices.first()
    case = audit_case_flag(practice=practice, financial_year=YEAR, reason="A tip-off", by=None)
    return audit_case_start_review(case=case, by=auditors[0])


def test_two_auditors_closing_one_case_at_once_close_it_once(
    monkeypatch, auditors, case_under_review
):
    hold = Hold(monkeypatch, "audits.services.audit_record", when=_action("audit_case_close"))
    outcomes = at_once(
        lambda: audit_case_close(
            case=case_under_review,
            outcome=AuditCase.Outcome.COMPLIANT,
            findings="Every visit evidenced.",
            by=auditors[0],
        ),
        lambda: audit_case_close(
            case=case_under_review,
            outcome=AuditCase.Outcome.RECOVERY,
            findings="Two visits not evidenced.",
            by=auditors[1],
        ),
        hold=hold,
    )

    (closed,) = outcomes.of(AuditCase)
    (refused,) = outcomes.of(ValidationError)
    assert "The case is closed" in refused.messages[0]
    case = AuditCase.objects.get(pk=case_under_review.pk)
    assert (case.status, case.closed_by) == (AuditCase.Status.CLOSED, hold.held_kwargs["by"])
    assert (case.outcome, case.findings) == (closed.outcome, closed.findings)
    assert AuditEvent.objects.filter(action="audit_case_close").count() == 1


def test_findings_recorded_as_a_colleague_closes_the_case_are_refused(
    monkeypatch, auditors, case_under_review
):
    hold = Hold(monkeypatch, "audits.services.audit_record", when=_action("audit_case_close"))
    outcomes = at_once(
        lambda: audit_case_close(
            case=case_under_review,
            outcome=AuditCase.Outcome.ACTION_PLAN,
            findings="Care plans late; plan agreed.",
            by=auditors[0],
        ),
        lambda: audit_case_record_findings(
            case=case_under_review, findings="Still looking at care plans.", by=auditors[1]
        ),
        hold=hold,
        first_wins=True,
    )

    (closed,) = outcomes.of(AuditCase)
    (refused,) = outcomes.of(ValidationError)
    assert "its findings are final" in refused.messages[0]
    case = AuditCase.objects.get(pk=case_under_review.pk)
    assert case.findings == "Care plans late; plan agreed."
    assert not AuditEvent.objects.filter(action="audit_case_findings").exists()
