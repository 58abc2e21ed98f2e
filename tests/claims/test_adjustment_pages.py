"""The adjustment pages, money owed, the finance hand-off downloads and the commissioner's finance
details (docs/adr/0022), through the web as officers and practices use them."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from audits.models import AuditCase
from claims.models import Adjustment, PaymentRun
from claims.payments.adjustments import adjustment_approve, adjustment_raise
from claims.payments.finance_export import COLUMNS
from claims.payments.runs import (
    payment_run_authorise,
    payment_run_close,
    payment_run_create,
    payment_run_mark_paid,
)
from claims.review.services import claim_approve, claim_check
from history.models import AuditEvent
from tests import factories as f

D = datetime.date
A = Adjustment.Status


@pytest.fixture
def people(db):
    commissioner = f.CommissionerFactory(code="03L")
    return {
        "commissioner": commissioner,
        "one": f.officer(commissioner, username="one"),
        "two": f.officer(commissioner, username="two"),
    }


def close(people, day):
    run = payment_run_create(
        backdated=True, commissioner=people["commissioner"], run_date=day, by=people["one"]
    )
    return payment_run_close(run=payment_run_authorise(run=run, by=people["two"]), by=people["one"])


@pytest.fixture
def paid(people, submit_claim):
    claim = claim_approve(
        claim=claim_check(claim=submit_claim(), by=people["one"]), by=people["two"]
    )
    run = close(people, D(2019, 8, 1))
    payment_run_mark_paid(run=run, by=people["two"], payment_reference="BACS-1")
    claim.refresh_from_db()
    return claim


def test_raise_through_the_form_in_pounds_then_a_second_officer_approves(client, people, paid):
    client.force_login(people["one"])
    response = client.post(
        reverse("adjustments:raise"),
        {"claim": paid.pk, "amount": "-1,250.50", "reason": "duplicate_payment",
         "explanation": "Paid twice"},
        follow=True,
    )  # fmt: skip
    adjustment = Adjustment.objects.get()
    assert (adjustment.amount_pence, adjustment.status) == (-125_050, A.RAISED)
    page = response.content.decode()
    assert "Adjustment raised. A different officer must approve it." in page
    assert "Approve adjustment" in page  # shown to the raiser too: the refusal explains
    response = client.post(reverse("adjustments:approve", args=[adjustment.pk]))
    assert "a different officer must approve it" in response.content.decode()
    client.force_login(people["two"])
    response = client.post(reverse("adjustments:approve", args=[adjustment.pk]), follow=True)
    assert "netted in the next payment run" in response.content.decode()
    adjustment.refresh_from_db()
    assert adjustment.status == A.APPROVED


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter the amount in pounds"),
        ("twelve", "Enter the amount in pounds, like -250.00"),
        ("1.234", "Enter the amount in pounds, like -250.00"),
        ("0.00", "Enter an amount other than 0.00"),
        ("-2000000", "no more than £1,000,000.00"),
    ],
)
def test_raise_with_a_bad_amount_says_why_and_writes_nothing(client, people, paid, amount, message):
    client.force_login(people["one"])
    response = client.post(
        reverse("adjustments:raise"),
        {"claim": paid.pk, "amount": amount, "reason": "other", "explanation": "x"},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Adjustment.objects.exists()


def test_raise_on_an_unpaid_or_foreign_claim_is_refused(client, people, paid, submit_claim):
    unpaid = submit_claim()
    client.force_login(people["one"])
    response = client.post(
        reverse("adjustments:raise"),
        {"claim": unpaid.pk, "amount": "-5", "reason": "other", "explanation": "x"},
    )
    assert "Choose one of the paid claims listed" in response.content.decode()
    assert not Adjustment.objects.exists()


def test_a_recovery_audit_case_offers_a_prefilled_recovery(client, people, paid):
    case = AuditCase.objects.create(
        practice=paid.practice, financial_year=2019, source="flagged", flag_reason="Tip-off",
        status="closed", outcome="recovery", findings="Two residents claimed at two homes.",
    )  # fmt: skip
    client.force_login(people["one"])
    page = client.get(reverse("audits:case", args=[case.pk])).content.decode()
    link = f"{reverse('adjustments:raise')}?audit_case={case.pk}"
    assert f'href="{link}"' in page and "Raise a recovery" in page
    response = client.get(link)
    form = response.context["form"]
    assert (form.initial["audit_case"], form.initial["reason"]) == (case.pk, "audit_finding")
    assert list(form.fields["claim"].queryset) == [paid]
    assert "Two residents claimed at two homes." in response.content.decode()


def test_another_commissioners_audit_case_is_404_on_the_raise_page(client, people, paid):
    other = f.PracticeFactory(pcn__commissioner=f.CommissionerFactory(code="02P"))
    case = AuditCase.objects.create(
        practice=other, financial_year=2019, source="flagged", flag_reason="x"
    )
    client.force_login(people["one"])
    response = client.get(f"{reverse('adjustments:raise')}?audit_case={case.pk}")
    assert response.status_code == 404


def test_netted_recovery_shows_on_the_run_payments_page_and_money_owed(
    client, people, paid, django_capture_on_commit_callbacks
):
    adjustment = adjustment_raise(
        claim=paid, amount_pence=-100_000, reason="audit_finding", explanation="Double counted",
        by=people["one"],
    )  # fmt: skip
    adjustment_approve(adjustment=adjustment, by=people["two"])
    run = close(people, D(2019, 9, 1))
    client.force_login(people["one"])
    page = client.get(reverse("payment_runs:run", args=[run.pk])).content.decode()
    assert adjustment.reference in page and "-£1,000.00" in page
    assert "£1,000.00 owed by practices carried to the next run" in page
    owed = client.get(reverse("payment_runs:money_owed")).content.decode()
    assert paid.practice.name in owed and "£1,000.00" in owed
    rows = list(csv.DictReader(io.StringIO(
        client.get(reverse("payment_runs:invoice_requests")).content.decode()
    )))  # fmt: skip
    assert [(r["practice_ods"], r["amount_owed"]) for r in rows] == [
        (paid.practice.ods_code, "1000.00")
    ]
    manager = f.practice_manager(paid.practice)
    client.force_login(manager)
    page = client.get(
        reverse("payment_runs:practice_payments", args=[paid.practice.ods_code])
    ).content.decode()
    assert adjustment.reference in page and "Double counted" in page and "-£1,000.00" in page


def test_practice_does_not_see_a_recovery_still_waiting_for_approval(client, people, paid):
    adjustment_raise(
        claim=paid, amount_pence=-500, reason="other", explanation="Pending one", by=people["one"]
    )
    client.force_login(f.practice_manager(paid.practice))
    page = client.get(
        reverse("payment_runs:practice_payments", args=[paid.practice.ods_code])
    ).content.decode()
    assert "Pending one" not in page


def test_payments_downloads_csv_and_xlsx_have_the_columns_and_amounts_as_numbers(
    client, people, paid
):
    run = PaymentRun.objects.get(status=PaymentRun.Status.PAID)
    paid.practice.name = "=HYPERLINK(1)"
    paid.practice.save()
    client.force_login(people["one"])
    response = client.get(reverse("payment_runs:payments_csv", args=[run.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{run.reference}-payments.csv"'
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    assert tuple(header) == COLUMNS
    assert (row[3], row[7], row[10]) == ("'=HYPERLINK(1)", "claim", "600.00")
    response = client.get(reverse("payment_runs:payments_xlsx", args=[run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == COLUMNS
    assert values[1][3] == "'=HYPERLINK(1)" and values[1][10] == 600.0


def test_payments_download_of_an_open_run_sends_back_to_the_run(client, people):
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["one"],
    )
    client.force_login(people["one"])
    response = client.get(reverse("payment_runs:payments_csv", args=[run.pk]))
    assert response["Location"] == reverse("payment_runs:run", args=[run.pk])


def test_authorise_through_the_page_then_close(client, people, submit_claim):
    claim_approve(claim=claim_check(claim=submit_claim(), by=people["one"]), by=people["two"])
    run = payment_run_create(
        backdated=True,
        commissioner=people["commissioner"],
        run_date=D(2019, 8, 1),
        by=people["one"],
    )
    client.force_login(people["one"])
    page = client.get(reverse("payment_runs:run", args=[run.pk])).content.decode()
    assert "Authorise run" not in page  # the preparer is not offered it
    response = client.post(reverse("payment_runs:close", args=[run.pk]), {"confirmed": "yes"})
    assert "has not been authorised" in response.content.decode()
    client.force_login(people["two"])
    response = client.post(reverse("payment_runs:authorise", args=[run.pk]), follow=True)
    assert f"{run.reference} authorised to pay £600.00." in response.content.decode()
    client.force_login(people["one"])
    response = client.post(
        reverse("payment_runs:close", args=[run.pk]), {"confirmed": "yes"}, follow=True
    )
    assert (
        f"{run.reference} closed: 1 claims for 1 practices, £600.00." in response.content.decode()
    )


def test_mark_paid_through_the_page_needs_the_reference_and_the_date(client, people, paid):
    run = close(people, D(2099, 1, 1))  # nothing due; a payment date still to come
    client.force_login(people["two"])
    url = reverse("payment_runs:mark_paid", args=[run.pk])
    page = client.post(url, {"payment_reference": ""}).content.decode()
    assert "Enter the finance system" in page
    page = client.post(url, {"payment_reference": "BACS-9"}).content.decode()
    assert "pays on 1 January 2099: it cannot be marked paid before then." in page
    run.refresh_from_db()
    assert (run.status, run.payment_reference) == (PaymentRun.Status.CLOSED, "")


def test_finance_details_saved_with_history(client, people):
    client.force_login(people["one"])
    response = client.post(
        reverse("payment_runs:finance_details"),
        {"contact_email": "payments@ccg.example.nhs.uk", "cost_centre": "7720", "gl_code": "52150"},
    )
    assert response.status_code == 302
    people["commissioner"].refresh_from_db()
    assert people["commissioner"].gl_code == "52150"
    event = AuditEvent.objects.get(action="commissioner_finance_save")
    assert "gl_code" in event.summary
    response = client.post(
        reverse("payment_runs:finance_details"), {"contact_email": "not an email"}
    )
    assert (
        response.status_code == 200 and "Enter a valid email address" in response.content.decode()
    )


def test_audit_pack_and_dashboard_show_adjustments_as_their_own_lines(people, paid):
    from accounts.access import scope_for
    from audits.packs import pack_html
    from reports.dashboard import adjustments

    case = AuditCase.objects.create(
        practice=paid.practice, financial_year=2019, source="flagged", flag_reason="x"
    )
    adjustment = adjustment_raise(
        claim=paid, amount_pence=-4_550, reason="audit_finding", explanation="Found at audit",
        by=people["one"], audit_case=case,
    )  # fmt: skip
    pending = adjustment_raise(
        claim=paid, amount_pence=999, reason="other", explanation="Still pending", by=people["one"]
    )
    html = pack_html(case)
    assert f"Recovery {adjustment.reference}" in html and "-£45.50" in html
    assert pending.reference in html  # the pack lists every adjustment, with its status
    figure = adjustments(scope_for(people["one"]), 2019)
    assert figure.rows[0] == ("2019/20 Q1", 0, 0, 0, 0)  # nothing approved yet
    adjustment_approve(adjustment=adjustment, by=people["two"])
    figure = adjustments(scope_for(people["one"]), 2019)
    assert figure.rows[0] == ("2019/20 Q1", 1, 4_550, 0, 0)
    assert "£45.50 is being recovered" in figure.summary


def test_raise_asks_for_the_practice_first_then_offers_only_its_paid_claims(client, people, paid):
    """Issue 18: the form never lists the commissioner's whole history of paid claims; it asks
    whose claim it is, then offers that practice's. Another commissioner's practice is a 404."""
    client.force_login(people["one"])
    first = client.get(reverse("adjustments:raise")).content.decode()
    assert 'name="practice"' in first and f'value="{paid.practice.ods_code}"' in first
    assert 'name="claim"' not in first  # no claims before the practice is chosen

    page = client.get(reverse("adjustments:raise"), {"practice": paid.practice.ods_code})
    html = page.content.decode()
    assert f'<option value="{paid.pk}"' in html and paid.reference in html
    other = f.PracticeFactory(pcn__commissioner=people["commissioner"])
    html = client.get(reverse("adjustments:raise"), {"practice": other.ods_code}).content.decode()
    assert f'<option value="{paid.pk}"' not in html  # only the chosen practice's claims

    foreign = f.PracticeFactory()  # another commissioner's
    response = client.get(reverse("adjustments:raise"), {"practice": foreign.ods_code})
    assert response.status_code == 404
