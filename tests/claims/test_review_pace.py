"""Review at the pace of a quarter (issue 16): the queue opens on what the officer can act on, the
claim page leads with the figures and the one step the officer may take (explaining a step they may
not), "next claim", and bulk check and approve through the same services, all or nothing."""

# ruff: noqa: F811 (the fixtures imported from test_review_pages are arguments of the tests)

import pytest
from django.urls import reverse

from claims import selectors
from claims.models import Worksheet
from claims.payments.runs import payment_run_close, payment_run_create, payment_run_mark_paid
from claims.review.services import claim_approve, claim_check
from core.periods import Period
from history.models import AuditEvent
from tests import factories as f
from tests.claims.test_review_pages import (  # noqa: F401 (fixtures)
    commissioner,
    officers,
    practice_in,
    signed_in,
    submit,
    url,
)

S = Worksheet.Status


def queue_refs(client, **params):
    response = client.get(reverse("review:queue"), params)
    return {row.record.reference for row in response.context["table"].rows}


# -- the queue -----------------------------------------------------------------------------------


def test_queue_opens_on_the_claims_the_officer_can_act_on(client, officers, practice_in):
    checker, approver, finance = officers
    to_check = submit(practice_in(name="Alpha"))
    checked_by_me = claim_check(claim=submit(practice_in(name="Beta")), by=checker)
    checked_by_other = claim_check(claim=submit(practice_in(name="Gamma")), by=approver)
    approved = claim_approve(
        claim=claim_check(claim=submit(practice_in(name="Delta")), by=approver), by=finance
    )
    client = signed_in(client, checker)
    assert queue_refs(client) == {to_check.reference, checked_by_other.reference}
    page = client.get(reverse("review:queue")).content.decode()
    assert "Claims you can act on (2)" in page and "All claims (4)" in page
    assert queue_refs(client, show="all") == {
        c.reference for c in (to_check, checked_by_me, checked_by_other, approved)
    }


def test_queue_shows_awaiting_finance_only_to_finance_approvers(client, officers, practice_in):
    checker, approver, finance = officers
    claim = submit(practice_in(homes=3), opening=100)  # far above the default threshold
    claim = claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    assert claim.status == S.AWAITING_FINANCE
    assert queue_refs(signed_in(client, finance)) == {claim.reference}
    assert queue_refs(signed_in(client, approver)) == set()
    assert queue_refs(signed_in(client, checker)) == set()


def test_queue_for_auditors_shows_every_claim_without_checkboxes(client, commissioner, practice_in):
    claim = submit(practice_in())
    client = signed_in(client, f.auditor(commissioner))
    response = client.get(reverse("review:queue"))
    assert {row.record.reference for row in response.context["table"].rows} == {claim.reference}
    page = response.content.decode()
    assert 'name="claims"' not in page and "Check selected claims" not in page


def test_queue_table_has_few_columns_and_the_filters_are_collapsed(client, officers, practice_in):
    submit(practice_in())
    response = signed_in(client, officers[0]).get(reverse("review:queue"))
    assert [c.name for c in response.context["table"].columns] == [
        "select", "practice", "quarter", "status", "net_pence",
    ]  # fmt: skip
    page = response.content.decode()
    assert '<details class="nhsuk-details">' in page and "Filter claims" in page


# -- the claim page ------------------------------------------------------------------------------


def test_claim_page_leads_with_the_figures_and_the_one_step(client, officers, practice_in):
    claim = submit(practice_in(name="Alpha"), days_late=3)  # 5%: £600.00 less £30.00
    page = signed_in(client, officers[0]).get(url("claim", claim)).content.decode()
    figures = page.index('id="claim-figures"')
    assert page.index("£600.00", figures) < page.index("£30.00 (5%, 3 days late)", figures)
    assert page.index("£570.00", figures) < page.index("Mark as checked") < page.index("Details")
    assert "Approve claim" not in page


def test_checker_is_told_rather_than_offered_approval(client, officers, practice_in):
    claim = claim_check(claim=submit(practice_in()), by=officers[0])
    page = signed_in(client, officers[0]).get(url("claim", claim)).content.decode()
    assert "You checked this claim: a different officer must approve it." in page
    assert "Approve claim" not in page and reverse("review:approve", args=[claim.pk]) not in page
    page = signed_in(client, officers[1]).get(url("claim", claim)).content.decode()
    assert "Approve claim" in page


def test_awaiting_finance_is_explained_to_officers_who_are_not_finance_approvers(
    client, officers, practice_in
):
    claim = submit(practice_in(homes=3), opening=100)
    claim = claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    page = signed_in(client, officers[1]).get(url("claim", claim)).content.decode()
    assert "a finance approver must give the final approval" in page
    assert "Give finance approval" not in page
    page = signed_in(client, officers[2]).get(url("claim", claim)).content.decode()
    assert "Give finance approval" in page


def test_next_claim_is_the_next_in_the_officers_queue(client, officers, practice_in):
    alpha = submit(practice_in(name="Alpha"))
    beta = submit(practice_in(name="Beta"))
    claim_check(claim=submit(practice_in(name="Gamma")), by=officers[0])  # not the checker's
    client = signed_in(client, officers[0])
    assert client.get(url("claim", alpha)).context["next_claim"] == beta
    assert client.get(url("claim", beta)).context["next_claim"] == alpha  # wraps round
    client.post(url("check", alpha), {})
    assert client.get(url("claim", beta)).context["next_claim"] is None  # nothing else for them
    assert "No other claim is waiting for you." in client.get(url("claim", beta)).content.decode()


def test_paid_claim_offers_an_adjustment_to_officers(client, officers, practice_in):
    claim = submit(practice_in())
    page = signed_in(client, officers[0]).get(url("claim", claim)).content.decode()
    assert "Raise an adjustment" not in page
    claim = claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    run = payment_run_create(
        backdated=True,
        commissioner=claim.practice.pcn.commissioner,
        run_date=claim.quarter.due_date,
        by=None,
    )
    run = payment_run_close(run=f.authorised(run), by=None)
    payment_run_mark_paid(run=run, by=None, payment_reference="BACS-1")
    page = signed_in(client, officers[0]).get(url("claim", claim)).content.decode()
    assert f"{reverse('adjustments:raise')}?claim={claim.pk}" in page


# -- bulk check and approve ----------------------------------------------------------------------


def bulk(client, action, claims, **extra):
    return client.get(
        reverse("review:bulk"), {"action": action, "claims": [c.pk for c in claims], **extra}
    )


def confirm(client, response):
    """Press the confirmation page's button: post what the page's form holds."""
    selection = response.context["selection"]
    return client.post(
        reverse("review:bulk"),
        {
            "action": selection.action,
            "claims": [c.pk for c in selection.act],
            "total_pence": str(selection.total_pence),
        },
        follow=True,
    )


def test_bulk_check_then_bulk_approve_by_another_officer(client, officers, practice_in):
    claims = [submit(practice_in(name=n)) for n in ("Alpha", "Beta", "Gamma")]
    client = signed_in(client, officers[0])
    page = bulk(client, "check", claims)
    assert page.context["selection"].total_pence == 3 * 60000
    assert "Check 3 claims (£1,800.00)" in page.content.decode()
    assert not Worksheet.objects.exclude(status=S.SUBMITTED).exists()  # confirming does nothing
    done = confirm(client, page)
    assert "3 claims checked, £1,800.00 in all." in done.content.decode()
    assert set(Worksheet.objects.values_list("status", "checked_by")) == {
        (S.CHECKED, officers[0].pk)
    }
    assert AuditEvent.objects.filter(action="claim_check").count() == 3  # one history row each

    # The checker may not approve them: all skipped, with the reason, and no button.
    page = bulk(client, "approve", claims)
    assert page.context["selection"].act == []
    assert "You checked this claim: a different officer must approve it." in page.content.decode()
    assert "Approve 0" not in page.content.decode()

    client = signed_in(client, officers[1])
    done = confirm(client, bulk(client, "approve", claims))
    assert "3 claims approved, £1,800.00 in all." in done.content.decode()
    assert set(Worksheet.objects.values_list("status", "approved_by")) == {
        (S.APPROVED, officers[1].pk)
    }


def test_bulk_lists_claims_it_cannot_act_on_as_skipped(client, officers, practice_in):
    to_check = submit(practice_in(name="Alpha"))
    checked = claim_check(claim=submit(practice_in(name="Beta")), by=officers[1])
    page = bulk(signed_in(client, officers[0]), "check", [to_check, checked])
    selection = page.context["selection"]
    assert selection.act == [to_check]
    assert selection.skipped == [(checked, "Already checked: it needs approving, not checking.")]
    page = bulk(client, "approve", [to_check])
    assert page.context["selection"].skipped[0][1] == (
        "Not checked yet: it must be checked before it is approved."
    )


def test_bulk_is_all_or_nothing_when_a_claim_changed_meanwhile(client, officers, practice_in):
    alpha, beta = submit(practice_in(name="Alpha")), submit(practice_in(name="Beta"))
    client = signed_in(client, officers[0])
    page = bulk(client, "check", [alpha, beta])
    claim_check(claim=beta, by=officers[1])  # another officer checks one while this page is open
    done = confirm(client, page)
    assert "The claims changed since you saw them: nothing was done." in done.content.decode()
    alpha.refresh_from_db()
    assert alpha.status == S.SUBMITTED
    assert AuditEvent.objects.filter(action="claim_check").count() == 1  # the other officer's


def test_bulk_refusal_inside_the_batch_rolls_back_every_claim(
    client, officers, practice_in, monkeypatch
):
    """A refusal from the service itself (the race the page cannot see: the claim changes between
    the page's read and the service's row lock) undoes the claims already checked in the batch."""
    alpha, beta = submit(practice_in(name="Alpha")), submit(practice_in(name="Beta"))
    client = signed_in(client, officers[0])
    page = bulk(client, "check", [alpha, beta])
    later = max(alpha, beta, key=lambda c: c.pk)
    real_step = selectors.review_step

    def step_before_the_race(claim, user):
        # The page reads the claim as still submitted; in the database another officer has
        # checked it already (as if between the read and the lock).
        if claim.pk == later.pk and claim.status == S.CHECKED:
            claim.status = S.SUBMITTED
        return real_step(claim, user)

    claim_check(claim=later, by=officers[1])
    monkeypatch.setattr(selectors, "review_step", step_before_the_race)
    done = confirm(client, page)
    text = done.content.decode()
    assert (
        f"{later.reference} (" in text and "was refused: A checked claim cannot be checked." in text
    )
    assert "Nothing was done" in text
    earlier = min(alpha, beta, key=lambda c: c.pk)
    earlier.refresh_from_db()
    assert earlier.status == S.SUBMITTED  # rolled back with the batch


def test_bulk_without_a_selection_says_what_to_do(client, officers):
    response = signed_in(client, officers[0]).get(reverse("review:bulk"), {"action": "check"})
    assert response.status_code == 200
    assert "Select the claims to check or approve" in response.content.decode()


def test_bulk_naming_another_commissioners_claim_is_404(client, officers, practice_in):
    foreign = submit(practice_in(within=f.CommissionerFactory(code="02P")))
    own = submit(practice_in())
    client = signed_in(client, officers[0])
    assert bulk(client, "check", [own, foreign]).status_code == 404
    response = client.post(
        reverse("review:bulk"),
        {"action": "check", "claims": [own.pk, foreign.pk], "total_pence": "120000"},
    )
    assert response.status_code == 404
    assert not Worksheet.objects.filter(status=S.CHECKED).exists()


@pytest.mark.parametrize("who", ["auditor", "manager"])
def test_bulk_is_for_officers_only(client, commissioner, practice_in, who):
    claim = submit(practice_in())
    user = f.auditor(commissioner) if who == "auditor" else f.practice_manager(claim.practice)
    client = signed_in(client, user)
    assert bulk(client, "check", [claim]).status_code == 403
    assert (
        client.post(reverse("review:bulk"), {"action": "check", "claims": [claim.pk]}).status_code
        == 403
    )


def test_period_q2_claim_sorts_before_q1_in_the_queue(client, officers, practice_in):
    practice = practice_in(name="Alpha")
    q1 = submit(practice)
    q2 = submit(practice, period=Period(2019, 2))
    response = signed_in(client, officers[0]).get(reverse("review:queue"))
    assert [row.record for row in response.context["table"].rows] == [q2, q1]
