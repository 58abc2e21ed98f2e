"""Background work through the real broker: a Celery worker process consumes the reminder and
remittance tasks from Redis (not in-process) and its results are observed in the database and in
the emails it wrote."""

import datetime

import pytest
from django.utils import timezone

from claims.models import Quarter
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from documents.models import Document
from notices.models import Notice
from notices.services import notice_create
from outcomes.tasks import reminders_task
from tests import factories as f
from tests.celery_worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _practice(commissioner, *, contact=True):
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner, practice__pcn__commissioner=commissioner
    )
    f.AgreementFactory(practice=alignment.practice)
    if contact:
        f.PracticeContactFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


def _submit(practice, home, quarter, moment, opening=4):
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={
            home.pk: LineEntry(opening=opening, new_permanent=1, temporary=0, moved_out=0, died=0)
        },
        by=None,
        submitted_at=moment,
    )


def _barrier(practice):
    """An email queued after everything else: once the worker has sent it, it has finished the
    messages queued before it (one worker, one process, first in first out)."""
    notice, _ = notice_create(
        key=f"barrier:{timezone.now().timestamp()}",
        kind=Notice.Kind.CLAIM,
        practice_id=practice.pk,
        subject="Barrier",
        body="Sent last.",
    )
    wait_until(
        lambda: Notice.objects.get(pk=notice.pk).status == Notice.Status.SENT,
        what="the barrier email",
    )


def test_worker_sends_each_owing_practice_one_reminder_however_often_it_runs(celery_worker):
    commissioner = f.CommissionerFactory(code="03L")
    owing = [_practice(commissioner)[0] for _ in range(2)]
    submitted, home = _practice(commissioner)
    today = timezone.localdate()
    # The quarter that ended last, with its due date moved so that today is in the reminder window.
    quarter = quarter_for(Period.containing(today).previous())
    Quarter.objects.filter(pk=quarter.pk).update(due_date=today + datetime.timedelta(days=8))
    quarter.refresh_from_db()
    _submit(submitted, home, quarter, timezone.now())

    reminders_task.delay()
    wait_until(
        lambda: Notice.objects.filter(kind=Notice.Kind.REMINDER, status="sent").count() == 2,
        what="two reminders sent",
    )
    reminders_task.delay()  # the schedule firing again the same day
    _barrier(owing[0])

    reminders = Notice.objects.filter(kind=Notice.Kind.REMINDER)
    assert sorted(n.practice_id for n in reminders) == sorted(p.pk for p in owing)
    assert all(n.attempts == 1 and n.sent_at for n in reminders)
    emails = [
        m
        for m in celery_worker.emails()
        if m["Subject"].startswith("Reminder: care home LES worksheet")
    ]
    assert len(emails) == 2
    for practice in owing:
        assert sum(practice.ods_code in m.get_content() for m in emails) == 1
    assert not any(submitted.ods_code in m.get_content() for m in emails)


def test_worker_builds_remittance_advice_on_pdf_queue_and_emails_it(celery_worker):
    commissioner = f.CommissionerFactory(code="03L")
    checker = f.officer(commissioner, username="checker")
    approver = f.officer(commissioner, username="approver")
    practice, home = _practice(commissioner)
    quarter = quarter_for(Period(2019, 1))
    claim = _submit(
        practice,
        home,
        quarter,
        datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
        opening=10,
    )
    claim_approve(claim=claim_check(claim=claim, by=checker), by=approver)
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=checker
    )
    run = payment_run_close(run=f.authorised(run), by=checker)  # queues the build once it commits
    remittance = run.remittances.get()
    assert remittance.advice_id is None  # not built in this process

    wait_until(
        lambda: Notice.objects.filter(remittance=remittance, status=Notice.Status.SENT).exists(),
        what="the remittance advice to be built and emailed",
    )
    remittance.refresh_from_db()
    advice = Document.objects.get(pk=remittance.advice_id)
    assert bytes(advice.content).startswith(b"%PDF-")
    assert advice.filename == f"remittance-advice-{run.reference}-{practice.ods_code}.pdf"
    (email,) = [m for m in celery_worker.emails() if m["Subject"].startswith("Remittance advice")]
    assert email["Subject"].endswith("£702.00")  # 10 × £60 continuing + 1 × £102 new, on time
    (attachment,) = email.iter_attachments()
    assert attachment.get_filename() == advice.filename
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == bytes(advice.content)
    assert Document.objects.count() == 1
