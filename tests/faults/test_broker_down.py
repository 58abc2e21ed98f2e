"""Fault 2: Redis down while practices and officers go on working.

A private ``redis-server`` (its own port, no persistence) is the broker of this process's Celery
app and of a real worker. The test SIGKILLs it, makes the changes through the web pages, and
shows each change is saved and each email it owes is recorded as waiting (none lost, nothing
raised into the request). Redis then comes back on the same port, empty; the worker reconnects
by itself and the periodic sweeps beat would send (every 5 minutes for emails, every 10 for
remittance advice: ``notices/migrations/0002_schedules.py``) get everything out, once."""

import datetime
import logging
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import PaymentRun, Quarter, Worksheet
from claims.payments.runs import payment_run_create
from claims.tasks import remittances_sweep_task
from claims.worksheets.services import quarter_for
from core.periods import Period
from documents.models import Document
from notices.models import Notice
from notices.tasks import dispatch_pending_task
from tests import factories as f
from tests.celery_worker import running_workers, use_broker, wait_until
from tests.faults.builders import approved_claim, practice_in_les

pytestmark = pytest.mark.django_db(transaction=True)

# What the sweep of waiting emails skips: anything younger (notices/tasks.py).
SWEEP_AGE = datetime.timedelta(minutes=10)


@pytest.fixture
def workers(redis_server, tmp_path):
    """A real worker on the private Redis, and this process sending there too."""
    with use_broker(redis_server.url), running_workers(tmp_path, broker=redis_server.url) as w:
        yield w
        if not redis_server.running:  # a failed test may leave it down: purging needs it
            redis_server.start()


def _ready(worker) -> bool:
    """The worker has started consuming (Celery logs "<name>@<host> ready.")."""
    return f"{worker.name}@" in worker.log_text() and " ready." in worker.log_text()


def _reconnected(worker) -> bool:
    log = worker.log_text()
    return "Connection to broker lost" in log and log.count("Connected to redis://") >= 2


def _sweep_ran(worker, task: str, times: int) -> bool:
    return (
        len(re.findall(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded", worker.log_text()))
        >= times
    )


def _figures(home, **values):
    figures = {"opening": 10, "new_permanent": 1, "temporary": 0, "moved_out": 0, "died": 0}
    figures["in_other_home"] = 0
    figures.update(values)
    return {f"home-{home.pk}-{name}": value for name, value in figures.items()}


def test_submission_and_query_while_redis_is_down_are_saved_and_emailed_once_it_is_back(
    redis_server, workers, client, caplog
):
    commissioner = f.CommissionerFactory(code="03L")
    checker = f.officer(commissioner, username="checker")
    period = Period.containing(timezone.localdate()).previous()
    practice, home = practice_in_les(commissioner)
    practice.alignments.update(start_date=period.first_day)  # its first quarter: a baseline
    Quarter.objects.filter(pk=quarter_for(period).pk).update(due_date=timezone.localdate())
    manager = f.practice_manager(practice)
    worker = workers.start()
    wait_until(lambda: _ready(worker), what="the worker to consume from Redis")

    redis_server.kill()

    # The practice submits its worksheet while Redis is down.
    client.force_login(manager)
    worksheet_url = reverse(
        "claims:worksheet", kwargs={"ods_code": practice.ods_code, "quarter": period.slug}
    )
    response = client.post(worksheet_url, {**_figures(home), "action": "submit"})
    assert response.status_code == 302
    claim = Worksheet.objects.get(practice=practice)
    assert claim.status == Worksheet.Status.SUBMITTED
    assert [(line.opening, line.new_permanent) for line in claim.lines.all()] == [(10, 1)]
    # The submission's receipt (ADR 0026) is written to the outbox with the worksheet: it waits.
    (receipt,) = Notice.objects.all()
    assert (receipt.kind, receipt.status, receipt.attempts) == (
        Notice.Kind.RECEIPT,
        Notice.Status.PENDING,
        0,
    )

    # An officer queries it, still while Redis is down: the practice must be told.
    client.force_login(checker)
    with caplog.at_level(logging.ERROR, logger="core.tasks"):
        response = client.post(
            reverse("review:query", args=[claim.pk]),
            {"query-message": "Oakwood Lodge had 12 residents at the start of July, not 10?"},
        )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Worksheet.Status.QUERIED
    (notice,) = Notice.objects.exclude(pk=receipt.pk)
    assert (notice.kind, notice.status, notice.attempts) == (
        Notice.Kind.CLAIM,
        Notice.Status.PENDING,
        0,
    )
    assert any("Could not queue notices.send" in r.getMessage() for r in caplog.records)

    redis_server.start()  # the same port, empty
    wait_until(lambda: _reconnected(worker), what="the worker to reconnect to Redis by itself")
    assert workers.emails() == []  # nothing went while Redis was down

    # Beat's "Send emails still waiting", once the email has waited longer than the sweep skips.
    Notice.objects.update(created_at=timezone.now() - SWEEP_AGE - datetime.timedelta(minutes=1))
    dispatch_pending_task.delay()
    wait_until(
        lambda: Notice.objects.filter(status=Notice.Status.SENT).count() == 2,
        what="the swept emails (receipt and query) to be sent",
    )
    dispatch_pending_task.delay()  # the schedule firing again: sent emails are not swept
    wait_until(lambda: _sweep_ran(worker, "notices.dispatch_pending", 2), what="the second sweep")

    notice.refresh_from_db()
    receipt.refresh_from_db()
    assert (notice.attempts, receipt.attempts) == (1, 1)
    assert len(workers.emails()) == 2
    emails = {email["Subject"]: email for email in workers.emails()}
    assert set(emails) == {notice.subject, receipt.subject}  # each once
    email = emails[notice.subject]
    assert "12 residents" in email.get_content()
    assert email["To"] == notice.recipients
    assert worker.process.poll() is None  # the same worker throughout: it reconnected itself


def test_run_closed_while_redis_is_down_has_its_advice_built_and_emailed_once_it_is_back(
    redis_server, workers, client, caplog
):
    commissioner = f.CommissionerFactory(code="03L")
    checker = f.officer(commissioner, username="checker")
    approver = f.officer(commissioner, username="approver")
    practice, home = practice_in_les(commissioner)
    approved_claim(practice, home, checker=checker, approver=approver)
    run = f.authorised(
        payment_run_create(
            backdated=True,
            commissioner=commissioner,
            run_date=datetime.date(2019, 8, 1),
            by=checker,
        )
    )
    worker = workers.start()
    wait_until(lambda: _ready(worker), what="the worker to consume from Redis")

    redis_server.kill()

    client.force_login(checker)
    with caplog.at_level(logging.ERROR, logger="core.tasks"):
        response = client.post(reverse("payment_runs:close", args=[run.pk]), {"confirmed": "yes"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CLOSED
    remittance = run.remittances.get()
    assert (remittance.practice, remittance.advice_id, remittance.build_attempts) == (
        practice,
        None,
        0,
    )
    assert any("Could not queue claims.remittance_build" in r.getMessage() for r in caplog.records)

    redis_server.start()
    wait_until(lambda: _reconnected(worker), what="the worker to reconnect to Redis by itself")
    assert not Document.objects.exists()

    remittances_sweep_task.delay()  # beat's "Build remittance advice still waiting"
    wait_until(
        lambda: Notice.objects.filter(remittance=remittance, status=Notice.Status.SENT).exists(),
        what="the advice to be built and emailed",
    )
    remittances_sweep_task.delay()  # and again: a built advice is not built twice
    wait_until(lambda: _sweep_ran(worker, "claims.remittances_sweep", 2), what="the second sweep")

    remittance.refresh_from_db()
    (advice,) = Document.objects.all()
    assert remittance.advice_id == advice.pk
    (email,) = workers.emails()
    assert email["Subject"].startswith(f"Remittance advice {run.reference}")
    (attachment,) = email.iter_attachments()
    assert attachment.get_content() == bytes(advice.content)
    assert Notice.objects.get(remittance=remittance).attempts == 1
