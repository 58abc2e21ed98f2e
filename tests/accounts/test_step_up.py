"""Step-up before money moves (accounts/step_up.py, ADR 0041; ASVS 3.7.1): approving a claim above
the finance threshold, giving finance approval, bulk-approving such claims, and authorising or
closing a payment run ask for the second factor again when it was last given more than 15 minutes
ago, and do nothing until it is. The clock is moved, never waited for."""

import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from accounts import step_up
from claims.models import ApprovalPolicy, PaymentRun, Worksheet
from claims.payments.runs import payment_run_authorise, payment_run_create
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f
from tests.two_factor import authenticator, current_code

S = Worksheet.Status
MINUTE = 60
T0 = 1_900_000_000.0


@pytest.fixture
def clock(monkeypatch):
    """The step-up clock, moved on by tests: ``clock.now`` is seconds since the epoch."""

    class Clock:
        now = T0

        def advance(self, minutes):
            self.now += minutes * MINUTE

    moved = Clock()
    monkeypatch.setattr(step_up, "clock", lambda: moved.now)
    return moved


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def people(commissioner):
    return (
        f.officer(commissioner, username="checker"),
        f.officer(commissioner, username="approver", is_finance_approver=True),
        f.officer(commissioner, username="finance", is_finance_approver=True),
    )


def claim_of(commissioner, opening=10):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.AgreementFactory(practice=practice)
    home = f.AlignmentFactory(practice=practice, care_home__commissioner=commissioner).care_home
    quarter = quarter_for(Period(2019, 1))
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )


def asked_again(response, back):
    """Sent to the step-up page, which will return to ``back``."""
    if response.status_code != 302:
        return False
    page = urlsplit(response["Location"])
    return page.path == reverse("two_factor_step_up") and parse_qs(page.query)["next"] == [back]


def step_up_with_code(client, user, back):
    response = client.post(
        reverse("two_factor_step_up"), {"code": current_code(authenticator(user)), "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back


# -- approving above the threshold ----------------------------------------------------------------


def test_approving_above_the_threshold_asks_again_after_15_minutes_and_does_nothing(
    client, people, commissioner, clock
):
    checker, approver, _ = people
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=claim_of(commissioner), by=checker)
    client.force_login(approver)  # the code given now
    clock.advance(16)
    url = reverse("review:approve", args=[claim.pk])
    back = reverse("review:claim", args=[claim.pk])
    response = client.post(url)
    assert asked_again(response, back)
    claim.refresh_from_db()
    assert claim.status == S.CHECKED  # nothing done
    page = client.get(response["Location"]).content.decode()
    assert "Enter a code to continue" in page and "Nothing has been done yet" in page

    step_up_with_code(client, approver, back)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == back
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_FINANCE


def test_within_15_minutes_approving_above_the_threshold_is_not_asked_again(
    client, people, commissioner, clock
):
    checker, approver, _ = people
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=claim_of(commissioner), by=checker)
    client.force_login(approver)
    clock.advance(15)
    response = client.post(reverse("review:approve", args=[claim.pk]))
    assert response["Location"] == reverse("review:claim", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_FINANCE


def test_approving_at_or_below_the_threshold_is_not_asked_again(
    client, people, commissioner, clock
):
    checker, approver, _ = people
    claim = claim_check(claim=claim_of(commissioner), by=checker)
    ApprovalPolicy.objects.create(finance_threshold_pence=claim.net_pence)
    client.force_login(approver)
    clock.advance(60)
    client.post(reverse("review:approve", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == S.APPROVED


def test_finance_approval_asks_again_after_15_minutes(client, people, commissioner, clock):
    checker, approver, finance = people
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_approve(claim=claim_check(claim=claim_of(commissioner), by=checker), by=approver)
    client.force_login(finance)
    clock.advance(20)
    url = reverse("review:finance_approve", args=[claim.pk])
    back = reverse("review:claim", args=[claim.pk])
    assert asked_again(client.post(url), back)
    claim.refresh_from_db()
    assert claim.status == S.AWAITING_FINANCE
    step_up_with_code(client, finance, back)
    client.post(url)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED


def test_bulk_approval_with_a_claim_above_the_threshold_asks_again(
    client, people, commissioner, clock
):
    checker, approver, _ = people
    claims = [claim_check(claim=claim_of(commissioner), by=checker) for _ in range(2)]
    ApprovalPolicy.objects.create(finance_threshold_pence=claims[0].net_pence - 1)
    client.force_login(approver)
    clock.advance(16)
    data = {
        "action": "approve",
        "claims": [c.pk for c in claims],
        "total_pence": str(sum(c.net_pence for c in claims)),
    }
    response = client.post(reverse("review:bulk"), data)
    query = urlencode({"action": "approve", "claims": data["claims"]}, doseq=True)
    assert asked_again(response, f"{reverse('review:bulk')}?{query}")
    assert {c.status for c in Worksheet.objects.filter(pk__in=[c.pk for c in claims])} == {
        S.CHECKED
    }
    back = client.get(response["Location"]).context["next"]
    assert client.get(back).status_code == 200  # the confirmation page, to confirm again
    step_up_with_code(client, approver, back)
    client.post(reverse("review:bulk"), data)
    assert {c.status for c in Worksheet.objects.filter(pk__in=[c.pk for c in claims])} == {
        S.AWAITING_FINANCE
    }


# -- payment runs ---------------------------------------------------------------------------------


@pytest.fixture
def run(people, commissioner):
    checker, approver, _ = people
    claim_approve(claim=claim_check(claim=claim_of(commissioner), by=checker), by=approver)
    return payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=checker
    )


def test_authorising_a_run_asks_again_after_15_minutes(client, people, run, clock):
    _, approver, _ = people
    client.force_login(approver)
    clock.advance(16)
    url = reverse("payment_runs:authorise", args=[run.pk])
    back = reverse("payment_runs:run", args=[run.pk])
    assert asked_again(client.post(url), back)
    run.refresh_from_db()
    assert run.authorised_at is None
    step_up_with_code(client, approver, back)
    client.post(url)
    run.refresh_from_db()
    assert run.authorised_by == approver


def test_closing_a_run_asks_again_after_15_minutes_and_not_within(client, people, run, clock):
    checker, approver, _ = people
    payment_run_authorise(run=run, by=approver)
    client.force_login(checker)
    url = reverse("payment_runs:close", args=[run.pk])
    clock.advance(14)
    clock.advance(2)  # 16 minutes since the code
    response = client.post(url, {"confirmed": "yes"})
    assert asked_again(response, url)
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN
    step_up_with_code(client, checker, url)
    clock.advance(14)  # the fresh code is 14 minutes old: not asked again
    response = client.post(url, {"confirmed": "yes"})
    assert response["Location"] == reverse("payment_runs:run", args=[run.pk])
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CLOSED


def test_another_commissioners_run_is_still_a_404_not_a_step_up(client, run, clock):
    stranger = f.officer(f.CommissionerFactory(code="02Y"))
    client.force_login(stranger)
    clock.advance(30)
    assert client.post(reverse("payment_runs:authorise", args=[run.pk])).status_code == 404


def test_the_step_up_page_returns_only_within_the_service(client, people, clock):
    _, approver, _ = people
    client.force_login(approver)
    response = client.post(
        reverse("two_factor_step_up"),
        {"code": current_code(authenticator(approver)), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_wrong_code_on_the_step_up_page_does_not_count(client, people, commissioner, clock):
    checker, approver, _ = people
    ApprovalPolicy.objects.create(finance_threshold_pence=100)
    claim = claim_check(claim=claim_of(commissioner), by=checker)
    client.force_login(approver)
    clock.advance(16)
    right = current_code(authenticator(approver))
    wrong = "000000" if right != "000000" else "111111"
    response = client.post(reverse("two_factor_step_up"), {"code": wrong, "next": "/"})
    assert "That code is not right" in response.content.decode()
    assert asked_again(
        client.post(reverse("review:approve", args=[claim.pk])),
        reverse("review:claim", args=[claim.pk]),
    )
