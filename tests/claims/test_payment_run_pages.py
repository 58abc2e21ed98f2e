"""The payment run pages: the list, creating, the open run's preview, closing, the finance export,
marking paid, who may do which, and a practice's payments."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import PaymentRun, Remittance, Worksheet
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check, claim_waive
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period, london_date
from tests import factories as f

S = Worksheet.Status
D = datetime.date


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return f.officer(commissioner, username="checker"), f.officer(commissioner, username="approver")


def practice_of(commissioner, name=None):
    practice = f.PracticeFactory(pcn__commissioner=commissioner, **({"name": name} if name else {}))
    f.AgreementFactory(practice=practice)
    f.AlignmentFactory(practice=practice, care_home__commissioner=commissioner)
    return practice


Q1 = Period(2019, 1)


def submit(practice, *, period=Q1, days_late=0, opening=10):
    quarter = quarter_for(period)
    home = practice.alignments.get().care_home
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=0, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=datetime.datetime.combine(
            quarter.due_date + datetime.timedelta(days=days_late), datetime.time(12), LONDON
        ),
    )


@pytest.fixture
def approved(officers):
    def approve(claim):
        return claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])

    return approve


def run_url(name, run):
    return reverse(f"payment_runs:{name}", kwargs={"pk": run.pk})


def signed_in(client, user):
    client.force_login(user)
    return client


def test_run_list_shows_only_the_commissioners_runs(client, officers, commissioner):
    own = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    other = payment_run_create(
        backdated=True,
        commissioner=f.CommissionerFactory(code="02P"),
        run_date=D(2019, 8, 1),
        by=None,
    )
    client = signed_in(client, officers[0])
    page = client.get(reverse("payment_runs:list")).content.decode()
    assert own.reference in page and other.reference not in page
    for sort in ("total_pence", "-claim_count", "run_date"):
        assert client.get(reverse("payment_runs:list"), {"sort": sort}).status_code == 200


def test_create_a_run_through_the_page(client, officers):
    client = signed_in(client, officers[0])
    day = london_date(timezone.now()) + datetime.timedelta(days=7)
    response = client.post(reverse("payment_runs:create"), {"run_date": day.isoformat()})
    run = PaymentRun.objects.get()
    assert response["Location"] == run_url("run", run)
    assert (run.commissioner, run.run_date, run.reference) == (
        officers[0].commissioner,
        day,
        f"PR-03L-{day:%Y%m%d}",
    )
    again = client.post(reverse("payment_runs:create"), {"run_date": day.isoformat()})
    assert again.status_code == 200
    assert (
        "A payment run is already open: close or cancel it before creating another."
        in again.content.decode()
    )
    assert PaymentRun.objects.count() == 1


def test_create_a_run_needs_a_date(client, officers):
    response = signed_in(client, officers[0]).post(reverse("payment_runs:create"), {})
    assert "Enter the payment date" in response.content.decode()
    assert not PaymentRun.objects.exists()


def test_open_run_previews_the_claims_due_with_totals_per_practice(
    client, officers, commissioner, approved
):
    north = practice_of(commissioner, "North Surgery")
    approved(submit(north))  # £600.00
    approved(submit(north, period=Period(2019, 2), days_late=3))  # £600.00 less 5% = £570.00
    approved(submit(practice_of(commissioner, "Late Surgery"), days_late=10))  # deferred
    submit(practice_of(commissioner, "Unchecked Surgery"))
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 11, 1), by=None
    )
    response = signed_in(client, officers[0]).get(run_url("run", run))
    [north_total] = response.context["totals"]
    assert (north_total.practice, north_total.amount) == (north, "£1,170.00")
    page = response.content.decode()
    assert "£1,170.00" in page and "can be closed once another officer has authorised" in page
    assert "Late Surgery" not in page and "Unchecked Surgery" not in page
    assert not Worksheet.objects.filter(payment_run__isnull=False).exists()  # a preview
    for claim in north_total.claims:  # the practice's claims are linked
        assert f'href="{reverse("review:claim", args=[claim.pk])}"' in page


def test_close_a_run_through_the_page_then_export_and_mark_paid(
    client, officers, commissioner, approved
):
    first, second = practice_of(commissioner, "Alpha"), practice_of(commissioner, "=Beta")
    one = approved(submit(first))
    two = approved(submit(second, days_late=2))
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=officers[0]
    )
    # The second person authorises what the run pays (docs/adr/0022).
    signed_in(client, officers[1]).post(run_url("authorise", run))
    client = signed_in(client, officers[0])

    response = client.post(run_url("close", run), {"confirmed": "yes"}, follow=True)
    page = response.content.decode()
    assert f"{run.reference} closed: 2 claims for 2 practices, £1,170.00." in page
    assert "Download finance export (CSV)" in page and "Mark as paid" in page
    assert {t.amount for t in response.context["totals"]} == {"£600.00", "£570.00"}
    assert set(Remittance.objects.values_list("amount_pence", flat=True)) == {60000, 57000}

    export = client.get(run_url("finance_export", run))
    assert export["Content-Disposition"] == f'attachment; filename="{run.reference}-finance.csv"'
    rows = list(csv.DictReader(io.StringIO(export.content.decode(), newline="")))
    assert [(r["practice_ods"], r["practice_name"], r["amount"], r["claim_references"]) for r in rows] == [
        (first.ods_code, "Alpha", "600.00", one.reference),
        (second.ods_code, "'=Beta", "570.00", two.reference),
    ]  # fmt: skip

    response = client.post(run_url("mark_paid", run), {"payment_reference": "BACS-1"}, follow=True)
    assert f"{run.reference} marked as paid." in response.content.decode()
    assert set(Worksheet.objects.values_list("status", flat=True)) == {S.PAID}
    assert "Mark as paid" not in response.content.decode()


def test_closing_a_closed_run_is_refused_with_the_reason(client, officers, commissioner):
    run = payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
            )
        ),
        by=None,
    )
    response = signed_in(client, officers[0]).post(run_url("close", run), {"confirmed": "yes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "nhsuk-error-summary" in page
    assert f"{run.reference} is already closed." in page


def test_marking_an_open_run_paid_is_refused(client, officers, commissioner):
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    response = signed_in(client, officers[0]).post(run_url("mark_paid", run))
    assert "Only a closed payment run can be marked paid." in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN


def test_finance_export_of_an_open_run_sends_back_to_the_run(client, officers, commissioner):
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    response = signed_in(client, officers[0]).get(run_url("finance_export", run))
    assert response["Location"] == run_url("run", run)


@pytest.mark.parametrize(
    ("name", "method"),
    [("run", "get"), ("close", "post"), ("mark_paid", "post"), ("finance_export", "get")],
)
def test_another_commissioners_run_is_404(client, officers, name, method):
    foreign = payment_run_create(
        backdated=True,
        commissioner=f.CommissionerFactory(code="02P"),
        run_date=D(2019, 8, 1),
        by=None,
    )
    response = getattr(signed_in(client, officers[0]), method)(run_url(name, foreign))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [("close", "post"), ("mark_paid", "post"), ("finance_export", "get")],
)
def test_auditors_read_runs_but_cannot_act_on_them(client, commissioner, name, method):
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    client = signed_in(client, f.auditor(commissioner))
    assert client.get(run_url("run", run)).status_code == 200
    assert b"Close run" not in client.get(run_url("run", run)).content
    assert getattr(client, method)(run_url(name, run)).status_code == 403
    assert (
        client.post(reverse("payment_runs:create"), {"run_date": "2019-09-01"}).status_code == 403
    )
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN


def test_practice_managers_cannot_see_payment_runs(client, commissioner):
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    client = signed_in(client, f.practice_manager(practice_of(commissioner)))
    assert client.get(reverse("payment_runs:list")).status_code == 403
    assert client.get(run_url("run", run)).status_code == 403


# -- a practice's payments -----------------------------------------------------------------------


def payments_url(practice):
    return reverse("payment_runs:practice_payments", kwargs={"ods_code": practice.ods_code})


def test_practice_payments_show_where_each_claim_stands_and_what_was_paid(
    client, officers, commissioner, approved
):
    practice = practice_of(commissioner, "Dinnington Group Practice")
    paid = approved(submit(practice))
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
    )
    payment_run_close(run=f.authorised(run), by=None)
    deferred = approved(submit(practice, period=Period(2019, 2), days_late=9))
    waiting = submit(practice, period=Period(2019, 3), days_late=1)
    client = signed_in(client, f.practice_manager(practice))
    response = client.get(payments_url(practice))
    assert response.status_code == 200
    expectations = {c.reference: text for c, _net, text in response.context["claims"]}
    assert (
        expectations[paid.reference] == f"Scheduled for 1 August 2019 (payment run {run.reference})"
    )
    # Approved before a run closed? No: after the only run, so it waits for the one after next.
    assert expectations[deferred.reference] == (
        "Approved, deferred: due into the payment run after next"
    )
    assert expectations[waiting.reference] == (
        "Not yet approved. In the next payment run after approval"
    )
    page = response.content.decode()
    assert run.reference in page and "£600.00" in page and "Scheduled for 1 August 2019" in page
    assert reverse("payment_runs:run", args=[run.pk]) not in page  # managers cannot open runs


def test_deferred_claim_is_due_into_the_next_run_once_a_run_has_passed(
    client, officers, commissioner, approved
):
    practice = practice_of(commissioner)
    deferred = approved(submit(practice, days_late=9))
    payment_run_close(
        run=f.authorised(
            payment_run_create(
                backdated=True, commissioner=commissioner, run_date=D(2019, 8, 1), by=None
            )
        ),
        by=None,
    )
    response = signed_in(client, officers[0]).get(payments_url(practice))
    [(claim, _net, text)] = response.context["claims"]
    assert claim == deferred and text == "Approved: due into the next payment run"


def test_waived_claim_is_due_into_the_next_run(client, officers, commissioner, approved):
    practice = practice_of(commissioner)
    claim = submit(practice, days_late=9)
    claim_waive(claim=claim, by=officers[0], reason="Flood")
    approved(claim)
    response = signed_in(client, officers[0]).get(payments_url(practice))
    [(_claim, net, text)] = response.context["claims"]
    assert (net, text) == ("£600.00", "Approved: due into the next payment run")


def test_practice_payments_of_another_practice_are_404(client, commissioner):
    own, neighbour = practice_of(commissioner), practice_of(commissioner)
    client = signed_in(client, f.practice_manager(own))
    assert client.get(payments_url(own)).status_code == 200
    assert client.get(payments_url(neighbour)).status_code == 404


def test_practice_page_links_to_its_payments(client, officers, commissioner):
    practice = practice_of(commissioner)
    page = signed_in(client, officers[0]).get(practice.get_absolute_url()).content.decode()
    assert payments_url(practice) in page


def test_practice_payments_show_three_years_of_claims_a_page(client, commissioner):
    """Issue 18: a practice's history grows every quarter; the page shows twelve quarters at a
    time, newest first, with the rest on later pages."""
    practice = practice_of(commissioner)
    period = Period(2019, 1)
    for _ in range(14):
        submit(practice, period=period)
        period = period.next()
    client = signed_in(client, f.practice_manager(practice))
    first = client.get(payments_url(practice))
    labels = [claim.quarter.label for claim, _net, _text in first.context["claims"]]
    assert len(labels) == 12 and labels[0] == "2022/23 Q2" and "2019/20 Q1" not in labels
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(payments_url(practice), {"claims_page": 2})
    assert [c.quarter.label for c, _n, _t in second.context["claims"]] == [
        "2019/20 Q2",
        "2019/20 Q1",
    ]
