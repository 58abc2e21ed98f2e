"""Payment runs that forgive mistakes (issue 16): no payment date in the past (the London date), an
open run's date changed (clearing its authorisation) or the run cancelled with a reason, closing
only from a confirmation page that says who is paid and emailed, "mark as paid" explained until
the payment date, and the practice seeing "scheduled for <date>" until then."""

# ruff: noqa: F811 (fixtures imported from test_payment_run_pages are arguments of the tests)

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from claims.models import PaymentRun, Remittance, Worksheet
from claims.payments.runs import (
    payment_run_cancel,
    payment_run_close,
    payment_run_create,
    payment_run_reschedule,
)
from core.periods import LONDON, london_date
from history.models import AuditEvent
from tests import factories as f
from tests.claims.test_payment_run_pages import (  # noqa: F401
    approved,
    commissioner,
    officers,
    practice_of,
    run_url,
    signed_in,
    submit,
)

S = Worksheet.Status
D = datetime.date


def today():
    return london_date(timezone.now())


def open_run(commissioner, by=None, days=7):
    return payment_run_create(
        commissioner=commissioner, run_date=today() + datetime.timedelta(days=days), by=by
    )


# -- the payment date ---------------------------------------------------------------------------


def test_payment_date_today_is_allowed_and_yesterday_refused(officers, commissioner):
    with pytest.raises(ValidationError, match="has passed"):
        payment_run_create(
            commissioner=commissioner, run_date=D(2026, 12, 2), by=None, today=D(2026, 12, 3)
        )
    assert not PaymentRun.objects.exists()
    run = payment_run_create(
        commissioner=commissioner, run_date=D(2026, 12, 3), by=None, today=D(2026, 12, 3)
    )
    assert run.run_date == D(2026, 12, 3)


def test_payment_date_is_judged_by_the_london_calendar(commissioner):
    """00:30 on 1 July in London is still 30 June in UTC: 30 June has passed in London."""
    moment = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)
    assert london_date(moment) == D(2026, 7, 1)
    with pytest.raises(ValidationError, match="has passed"):
        payment_run_create(
            commissioner=commissioner, run_date=D(2026, 6, 30), by=None, today=london_date(moment)
        )


def test_create_page_refuses_a_past_date_and_writes_nothing(client, officers):
    yesterday = today() - datetime.timedelta(days=1)
    response = signed_in(client, officers[0]).post(
        reverse("payment_runs:create"), {"run_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The payment date must be today" in page and "has passed" in page
    assert not PaymentRun.objects.exists()


# -- changing an open run ------------------------------------------------------------------------


def test_changing_the_date_clears_the_authorisation_and_is_recorded(officers, commissioner):
    run = f.authorised(open_run(commissioner, by=officers[0]))
    assert run.authorised_at is not None
    new_date = today() + datetime.timedelta(days=14)
    run = payment_run_reschedule(run=run, run_date=new_date, by=officers[0])
    run.refresh_from_db()
    assert (run.run_date, run.authorised_at, run.authorised_by, run.authorised_items) == (
        new_date,
        None,
        None,
        [],
    )
    assert run.reference.endswith(f"{new_date:%Y%m%d}")
    event = AuditEvent.objects.get(action="payment_run_reschedule")
    assert "must be authorised again" in event.summary
    with pytest.raises(ValidationError, match="has not been authorised"):
        payment_run_close(run=run, by=officers[0])


def test_changing_the_date_to_the_past_or_a_closed_run_is_refused(officers, commissioner):
    run = open_run(commissioner)
    with pytest.raises(ValidationError, match="has passed"):
        payment_run_reschedule(run=run, run_date=today() - datetime.timedelta(days=1), by=None)
    closed = payment_run_close(run=f.authorised(run), by=None)
    with pytest.raises(ValidationError, match="only an open run can be changed"):
        payment_run_reschedule(run=closed, run_date=today() + datetime.timedelta(days=30), by=None)
    assert not AuditEvent.objects.filter(action="payment_run_reschedule").exists()


def test_edit_page_changes_the_date_and_says_the_run_needs_authorising_again(
    client, officers, commissioner
):
    run = f.authorised(open_run(commissioner, by=officers[0]))
    client = signed_in(client, officers[0])
    form = client.get(run_url("edit", run)).content.decode()
    assert "Changing the payment date clears that authorisation" in form
    new_date = today() + datetime.timedelta(days=21)
    response = client.post(run_url("edit", run), {"run_date": new_date.isoformat()}, follow=True)
    page = response.content.decode()
    assert "another officer must authorise it again" in page
    run.refresh_from_db()
    assert run.run_date == new_date and run.authorised_at is None


# -- cancelling an open run ----------------------------------------------------------------------


def test_cancelling_frees_nothing_and_lets_another_run_be_made(officers, commissioner, approved):
    claim = approved(submit(practice_of(commissioner)))
    run = f.authorised(open_run(commissioner, by=officers[0]))
    assert not Worksheet.objects.filter(payment_run=run).exists()  # an open run holds no claims
    run = payment_run_cancel(run=run, by=officers[0], reason="Wrong month")
    run.refresh_from_db()
    assert (run.status, run.cancellation_reason, run.cancelled_by) == (
        PaymentRun.Status.CANCELLED,
        "Wrong month",
        officers[0],
    )
    claim.refresh_from_db()
    assert (claim.status, claim.payment_run) == (S.APPROVED, None)
    assert not Remittance.objects.exists()
    event = AuditEvent.objects.get(action="payment_run_cancel")
    assert event.reason == "Wrong month"
    again = open_run(commissioner, by=officers[0], days=10)
    closed = payment_run_close(run=f.authorised(again), by=officers[0])
    assert list(closed.claims.all()) == [claim]


def test_cancelling_needs_a_reason_and_an_open_run(officers, commissioner):
    run = open_run(commissioner)
    with pytest.raises(ValidationError, match="Enter why"):
        payment_run_cancel(run=run, by=None, reason="  ")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN
    closed = payment_run_close(run=f.authorised(run), by=None)
    with pytest.raises(ValidationError, match="only an open run can be cancelled"):
        payment_run_cancel(run=closed, by=None, reason="Too late")


def test_cancel_page_asks_for_the_reason(client, officers, commissioner):
    run = open_run(commissioner)
    client = signed_in(client, officers[0])
    response = client.post(run_url("cancel", run), {"reason": ""})
    assert "Enter why the payment run is cancelled" in response.content.decode()
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN
    response = client.post(run_url("cancel", run), {"reason": "Duplicate"}, follow=True)
    page = response.content.decode()
    assert f"{run.reference} cancelled." in page and "Duplicate" in page
    assert "Download payments" not in page  # a cancelled run has nothing to export


def test_forms_for_a_closed_run_send_back_to_the_run(client, officers, commissioner):
    run = payment_run_close(run=f.authorised(open_run(commissioner)), by=None)
    client = signed_in(client, officers[0])
    for name in ("edit", "cancel", "close"):
        assert client.get(run_url(name, run))["Location"] == run_url("run", run)
    response = client.post(run_url("cancel", run), {"reason": "Too late"})
    assert "only an open run can be cancelled" in response.content.decode()


# -- closing from the confirmation page ----------------------------------------------------------


def test_confirmation_page_lists_practices_totals_and_who_is_emailed(
    client, officers, commissioner, approved
):
    alpha = practice_of(commissioner, "Alpha")
    alpha.contacts.create(email="pat@alpha.nhs.uk")
    approved(submit(alpha))
    approved(submit(practice_of(commissioner, "Beta")))
    run = f.authorised(open_run(commissioner, by=officers[0]))
    client = signed_in(client, officers[0])
    run_page = client.get(run_url("run", run)).content.decode()
    assert (
        f'href="{run_url("close", run)}"' in run_page
        and f'action="{run_url("close", run)}"' not in run_page
    )
    page = client.get(run_url("close", run)).content.decode()
    assert "£1,200.00" in page and "Alpha" in page and "Beta" in page
    assert "pat@alpha.nhs.uk" in page and "No contact email: nobody is emailed" in page
    assert "Close run and email 2 practices" in page
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN


def test_close_without_the_confirmation_closes_nothing(client, officers, commissioner, approved):
    approved(submit(practice_of(commissioner)))
    run = f.authorised(open_run(commissioner, by=officers[0]))
    response = signed_in(client, officers[0]).post(run_url("close", run))
    assert response["Location"] == run_url("close", run)
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN
    response = client.post(run_url("close", run), {"confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CLOSED


def test_confirmation_of_an_unauthorised_run_offers_no_close(client, officers, commissioner):
    run = open_run(commissioner, by=officers[0])
    page = signed_in(client, officers[0]).get(run_url("close", run)).content.decode()
    assert "another officer must authorise the run before it can be closed" in page
    assert 'name="confirmed"' not in page


def test_stale_authorisation_is_refused_on_the_confirmation_page(
    client, officers, commissioner, approved
):
    run = f.authorised(open_run(commissioner, by=officers[0]))
    approved(submit(practice_of(commissioner)))  # approved after the authorisation
    response = signed_in(client, officers[0]).post(run_url("close", run), {"confirmed": "yes"})
    page = response.content.decode()
    assert "<title>Error: Close payment run" in page and "must be authorised again" in page
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.OPEN


# -- paid only on or after the payment date ------------------------------------------------------


def test_mark_paid_is_explained_before_the_payment_date_and_offered_on_it(
    client, officers, commissioner, approved
):
    practice = practice_of(commissioner)
    approved(submit(practice))
    run = payment_run_close(run=f.authorised(open_run(commissioner, days=3)), by=None)
    client = signed_in(client, officers[0])
    page = client.get(run_url("run", run)).content.decode()
    day = f"{run.run_date:%-d %B %Y}"
    assert f"The run pays on {day}. It can be marked as paid" in page
    assert 'name="payment_reference"' not in page
    manager_page = signed_in(client, f.practice_manager(practice)).get(
        reverse("payment_runs:practice_payments", args=[practice.ods_code])
    )
    assert f"Scheduled for {day}" in manager_page.content.decode()
    PaymentRun.objects.filter(pk=run.pk).update(run_date=today())
    page = signed_in(client, officers[0]).get(run_url("run", run)).content.decode()
    assert 'name="payment_reference"' in page


def test_a_cancelled_run_has_no_payments_to_download(client, officers, commissioner):
    run = payment_run_cancel(run=open_run(commissioner), by=None, reason="Duplicate")
    client = signed_in(client, officers[0])
    for name in ("payments_csv", "payments_xlsx", "finance_export"):
        assert client.get(run_url(name, run))["Location"] == run_url("run", run)
