"""The outbox of emails to practices (ADR 0009): a row per email under a unique key, sent once
under a row lock, failures recorded and given up on after ``NOTICE_MAX_ATTEMPTS``, nothing written
or sent by a rolled-back change, and a broker outage logged rather than raised."""

import datetime
import logging
import smtplib
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.tasks import enqueue_on_commit
from notices.models import Notice
from notices.services import (
    NO_RECIPIENTS,
    SendFailed,
    notice_create,
    notice_retry,
    notice_send,
    notices_dispatch_pending,
)
from tests import factories as f


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.notices.test_outbox.FailingBackend"
    settings.NOTICE_MAX_ATTEMPTS = 2


@pytest.fixture
def practice(db):
    practice = f.PracticeFactory(ods_code="C81001")
    f.PracticeContactFactory(practice=practice, email="pm@practice.nhs.uk")
    return practice


def create(practice, key="claim:1", **fields):
    """Record a notice; its after-commit queueing is never run (the test's transaction is not
    committed), so the notice stays pending until a test sends it."""
    return notice_create(
        key=key,
        kind=fields.pop("kind", Notice.Kind.CLAIM),
        practice_id=practice.pk,
        subject=fields.pop("subject", "Your claim was queried"),
        body=fields.pop("body", "Is the death on 3 May included?"),
        **fields,
    )


# -- notice_create ---------------------------------------------------------------------------------


def test_notice_create_new_key_records_pending_with_practice_recipients(practice):
    f.PracticeContactFactory(practice=practice, email="another@practice.nhs.uk")
    notice, created = create(practice)
    assert created
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.sent_at) == (Notice.Status.PENDING, 0, None)
    assert notice.recipient_list == ["another@practice.nhs.uk", "pm@practice.nhs.uk"]


def test_notice_create_existing_key_returns_first_and_creates_nothing(
    practice, django_capture_on_commit_callbacks
):
    first, created = create(practice, subject="First")
    with django_capture_on_commit_callbacks() as callbacks:
        again, created_again = create(practice, subject="Second", body="Different")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Notice.objects.get().subject == "First"
    assert callbacks == []  # nothing queued a second time


def test_notice_create_no_contact_email_recorded_failed_and_not_queued(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    practice = f.PracticeFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice, _ = create(practice)
    assert (notice.status, notice.last_error) == (Notice.Status.FAILED, NO_RECIPIENTS)
    assert callbacks == []
    assert mailoutbox == []


def test_notice_create_missed_recorded_with_reason_and_not_queued(
    practice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice, _ = create(practice, status=Notice.Status.MISSED, reason="Window passed.")
    notice.refresh_from_db()
    assert (notice.status, notice.last_error) == (Notice.Status.MISSED, "Window passed.")
    assert callbacks == []
    assert mailoutbox == []


def test_notice_create_committed_sends_once_after_commit(
    practice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        notice, _ = create(practice)
        assert mailoutbox == []  # not before the commit
    assert [m.to for m in mailoutbox] == [["pm@practice.nhs.uk"]]
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT


def test_notice_create_rolled_back_leaves_no_notice_and_no_email(
    practice, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            create(practice)
            raise RuntimeError("the change that wanted the email failed")
    assert not Notice.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_notice_create_rolled_back_real_transaction_leaves_no_notice_and_no_email(mailoutbox):
    practice = f.PracticeFactory()
    f.PracticeContactFactory(practice=practice, email="pm@practice.nhs.uk")

    with pytest.raises(RuntimeError), transaction.atomic():
        create(practice, key="claim:rolled-back")
        raise RuntimeError("the change that wanted the email failed")
    assert not Notice.objects.exists()
    assert mailoutbox == []

    with transaction.atomic():  # the same change, committed, sends
        create(practice, key="claim:committed")
    assert list(Notice.objects.values_list("key", "status")) == [
        ("claim:committed", Notice.Status.SENT)
    ]
    assert len(mailoutbox) == 1


# -- notice_send -----------------------------------------------------------------------------------


def test_notice_send_pending_marks_sent_with_message_id(practice, mailoutbox):
    notice, _ = create(practice)
    before = timezone.now()

    result = notice_send(notice.pk)

    notice.refresh_from_db()
    assert result.status == notice.status == Notice.Status.SENT
    assert before <= notice.sent_at <= timezone.now()
    assert (notice.attempts, notice.last_error) == (1, "")
    [message] = mailoutbox
    assert message.to == ["pm@practice.nhs.uk"]
    assert (message.subject, message.body) == (
        "Your claim was queried",
        "Is the death on 3 May included?",
    )
    assert message.message()["Message-ID"] == notice.message_id
    assert notice.message_id == f"<notice-{notice.pk}.claim-1@care-home-les>"


def test_notice_send_already_sent_sends_nothing_more(practice, mailoutbox):
    notice, _ = create(practice)
    notice_send(notice.pk)
    sent_at = Notice.objects.get().sent_at

    assert notice_send(notice.pk).status == Notice.Status.SENT
    assert notice_send(notice.pk).status == Notice.Status.SENT

    notice.refresh_from_db()
    assert (notice.attempts, notice.sent_at) == (1, sent_at)
    assert len(mailoutbox) == 1


def test_notice_send_missing_notice_returns_none(db, mailoutbox):
    assert notice_send(999_999) is None
    assert mailoutbox == []


def test_notice_send_failing_backend_records_attempt_and_raises(practice, failing_mail):
    notice, _ = create(practice)

    with pytest.raises(SendFailed, match="mail server went away"):
        notice_send(notice.pk)

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.sent_at) == (Notice.Status.PENDING, 1, None)
    assert notice.last_error == "SMTPServerDisconnected: mail server went away"
    assert mail.outbox == []


def test_notice_send_failing_backend_after_max_attempts_failed_and_no_longer_raises(
    practice, failing_mail
):
    notice, _ = create(practice)
    with pytest.raises(SendFailed):
        notice_send(notice.pk)

    result = notice_send(notice.pk)  # the second and last attempt (NOTICE_MAX_ATTEMPTS = 2)

    notice.refresh_from_db()
    assert result.status == notice.status == Notice.Status.FAILED
    assert notice.attempts == 2
    assert notice.last_error == "SMTPServerDisconnected: mail server went away"
    assert notice_send(notice.pk).status == Notice.Status.FAILED  # given up on: not tried again
    notice.refresh_from_db()
    assert notice.attempts == 2


def test_notice_create_in_process_send_failure_recorded_not_raised_then_swept(
    practice, failing_mail, settings, django_capture_on_commit_callbacks, mailoutbox
):
    """The embedded default runs the send task in-process on commit: a mail server failure is
    recorded on the row, not raised into the change that committed; the sweep sends it later."""
    with django_capture_on_commit_callbacks(execute=True):
        notice, _ = create(practice)

    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (Notice.Status.PENDING, 1)
    assert notice.last_error == "SMTPServerDisconnected: mail server went away"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # server back
    Notice.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_dispatch_pending(older_than=datetime.timedelta(minutes=10)) == 1

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 2, "")
    assert len(mailoutbox) == 1


def test_notice_send_after_a_failure_succeeds_and_clears_error(practice, settings, mailoutbox):
    notice, _ = create(practice)
    settings.EMAIL_BACKEND = "tests.notices.test_outbox.FailingBackend"
    with pytest.raises(SendFailed):
        notice_send(notice.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    notice_send(notice.pk)

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 2, "")
    assert len(mailoutbox) == 1


# -- notice_retry ----------------------------------------------------------------------------------


def test_notice_retry_failed_notice_fresh_recipients_sent(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    practice = f.PracticeFactory()
    notice, _ = create(practice)
    assert notice.status == Notice.Status.FAILED  # no contact email yet
    f.PracticeContactFactory(practice=practice, email="fixed@practice.nhs.uk")

    with django_capture_on_commit_callbacks(execute=True):
        retried = notice_retry(notice)
        assert (retried.status, retried.attempts, retried.last_error) == (
            Notice.Status.PENDING,
            0,
            "",
        )

    notice.refresh_from_db()
    assert (notice.status, notice.recipients, notice.attempts) == (
        Notice.Status.SENT,
        "fixed@practice.nhs.uk",
        1,
    )
    assert [m.to for m in mailoutbox] == [["fixed@practice.nhs.uk"]]


def test_notice_retry_after_max_attempts_resets_attempts_and_sends(
    practice, failing_mail, settings, django_capture_on_commit_callbacks, mailoutbox
):
    notice, _ = create(practice)
    with pytest.raises(SendFailed):
        notice_send(notice.pk)
    notice_send(notice.pk)
    assert Notice.objects.get().status == Notice.Status.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # server fixed

    with django_capture_on_commit_callbacks(execute=True):
        notice_retry(notice)

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == (Notice.Status.SENT, 1, "")
    assert len(mailoutbox) == 1


def test_notice_retry_still_no_contact_stays_failed_and_sends_nothing(
    db, django_capture_on_commit_callbacks, mailoutbox
):
    notice, _ = create(f.PracticeFactory())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = notice_retry(notice)
    assert (retried.status, retried.last_error) == (Notice.Status.FAILED, NO_RECIPIENTS)
    assert callbacks == []
    assert mailoutbox == []


def test_notice_retry_sent_notice_does_nothing(
    practice, django_capture_on_commit_callbacks, mailoutbox
):
    notice, _ = create(practice)
    notice_send(notice.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notice_retry(notice).status == Notice.Status.SENT
    assert callbacks == []
    assert len(mailoutbox) == 1


# -- notices_dispatch_pending ----------------------------------------------------------------------


def test_notices_dispatch_pending_queues_only_pending_older_than_cutoff(
    practice, failing_mail, settings, django_capture_on_commit_callbacks, mailoutbox
):
    old_failed, _ = create(practice, key="claim:old-failed")
    with pytest.raises(SendFailed):
        notice_send(old_failed.pk)
    notice_send(old_failed.pk)  # failed for good
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_sent, _ = create(practice, key="claim:old-sent")
    notice_send(old_sent.pk)
    mail.outbox.clear()
    old_pending, _ = create(practice, key="claim:old-pending")
    old_missed, _ = create(practice, key="claim:old-missed", status=Notice.Status.MISSED)
    new_pending, _ = create(practice, key="claim:new-pending")
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Notice.objects.exclude(pk=new_pending.pk).update(created_at=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = notices_dispatch_pending(older_than=datetime.timedelta(minutes=10))

    assert queued == 1
    assert len(callbacks) == 1
    assert [m.message()["Message-ID"] for m in mailoutbox] == [
        Notice.objects.get(pk=old_pending.pk).message_id
    ]
    statuses = dict(Notice.objects.values_list("key", "status"))
    assert statuses == {
        "claim:old-failed": Notice.Status.FAILED,
        "claim:old-sent": Notice.Status.SENT,
        "claim:old-pending": Notice.Status.SENT,
        "claim:old-missed": Notice.Status.MISSED,
        "claim:new-pending": Notice.Status.PENDING,
    }


def test_notices_dispatch_pending_twice_still_sends_once(
    practice, django_capture_on_commit_callbacks, mailoutbox
):
    notice, _ = create(practice)
    Notice.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert notices_dispatch_pending(older_than=datetime.timedelta(minutes=10)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert notices_dispatch_pending(older_than=datetime.timedelta(minutes=10)) == 0

    assert len(mailoutbox) == 1


# -- enqueue_on_commit -----------------------------------------------------------------------------


class UnreachableBroker:
    """A task whose broker cannot be reached: ``delay`` fails as kombu does when Redis is down."""

    name = "notices.send"

    def __init__(self):
        self.calls = []

    def delay(self, *args):
        self.calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_enqueue_on_commit_broker_unreachable_logs_and_does_not_raise(
    db, django_capture_on_commit_callbacks, caplog
):
    task = UnreachableBroker()
    with caplog.at_level(logging.ERROR, logger="core.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(task, 42)
            assert task.calls == []  # nothing is queued before the commit

    assert task.calls == [(42,)]
    [record] = [r for r in caplog.records if r.name == "core.tasks"]
    assert record.levelno == logging.ERROR
    assert "notices.send" in record.getMessage() and "(42,)" in record.getMessage()
    assert "sweep" in record.getMessage()


def test_enqueue_on_commit_rolled_back_never_queues(db, django_capture_on_commit_callbacks):
    task = UnreachableBroker()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(task, 42)
            raise RuntimeError("rolled back")
    assert task.calls == []


# -- two workers at once ---------------------------------------------------------------------------

entered_send = threading.Event()
release_send = threading.Event()


class SlowBackend(locmem.EmailBackend):
    """A mail server that holds the first worker inside ``send`` until the test lets it go."""

    def send_messages(self, messages):
        entered_send.set()
        assert release_send.wait(timeout=30), "the test never released the send"
        return super().send_messages(messages)


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_notice_send_two_workers_at_once_sends_once(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.notices.test_outbox.SlowBackend"
    entered_send.clear()
    release_send.clear()
    practice = f.PracticeFactory()
    notice = Notice.objects.create(  # a pending row whose queueing was lost, say
        key="claim:1",
        kind=Notice.Kind.CLAIM,
        practice=practice,
        recipients="pm@practice.nhs.uk",
        subject="Your claim was queried",
        body="Is the death on 3 May included?",
    )
    results = {}

    def worker(name):
        try:
            results[name] = notice_send(notice.pk).status
        finally:
            connections.close_all()

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert entered_send.wait(timeout=30)  # the first worker holds the row lock, mid-send
    second = threading.Thread(target=worker, args=("second",))
    second.start()
    deadline = time.monotonic() + 10
    while not _waiting_for_a_lock() and time.monotonic() < deadline:
        pass  # the second worker blocks on the row lock (observed, not guessed)
    release_send.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert results == {"first": Notice.Status.SENT, "second": Notice.Status.SENT}
    assert len(mailoutbox) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (Notice.Status.SENT, 1)
