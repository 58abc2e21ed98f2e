"""An officer's "check now" on the Emails page (issue 18, ADR 0045): the request records a check and
returns; a worker runs the reminders of the officer's commissioner only, and the page shows how the
check stands. The daily schedule still runs every commissioner."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Quarter
from claims.selectors import practices_expected
from claims.worksheets.services import quarter_for
from core.periods import Period
from notices.models import Notice, ReminderCheck
from outcomes.reminders import reminder_check_run, reminders_run
from outcomes.tasks import reminders_task
from practices.models import Practice
from tests import factories as f
from tests.celery_worker import wait_until


def _owing_practice(commissioner):
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner, practice__pcn__commissioner=commissioner
    )
    f.AgreementFactory(practice=alignment.practice)
    f.PracticeContactFactory(practice=alignment.practice)
    return alignment.practice


@pytest.fixture
def ours(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def theirs(db):
    return f.CommissionerFactory(code="02P")


@pytest.fixture
def due_soon(db):
    """The quarter that ended last, its due date moved so that today is in the reminder window."""
    today = timezone.localdate()
    quarter = quarter_for(Period.containing(today).previous())
    Quarter.objects.filter(pk=quarter.pk).update(due_date=today + datetime.timedelta(days=9))
    quarter.refresh_from_db()
    return quarter


def _worksheet_reminders():
    return Notice.objects.filter(kind=Notice.Kind.REMINDER)


def test_check_now_returns_before_any_reminder_is_written_and_the_task_writes_them(
    client, ours, theirs, due_soon, django_capture_on_commit_callbacks
):
    own = [_owing_practice(ours) for _ in range(2)]
    _owing_practice(theirs)
    client.force_login(f.officer(ours))

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("reminders_run"))

    assert response.status_code == 302
    check = ReminderCheck.objects.get()
    assert (check.commissioner, check.status) == (ours, ReminderCheck.Status.QUEUED)
    assert not Notice.objects.exists()  # nothing done inside the request
    waiting = client.get(reverse("notices:list")).content.decode()
    assert "is waiting for a worker to start it" in waiting
    assert "Refresh this page" in waiting

    for callback in queued:  # the commit: the task is queued (and, in tests, runs in-process)
        callback()

    check.refresh_from_db()
    assert check.status == ReminderCheck.Status.DONE
    assert check.started_at and check.finished_at
    assert check.created.get("reminder") == 2
    assert sorted(n.practice_id for n in _worksheet_reminders()) == sorted(p.pk for p in own)
    assert not Notice.objects.filter(practice__pcn__commissioner=theirs).exists()
    page = client.get(reverse("notices:list")).content.decode()
    # (Outcomes report reminders may be due too, depending on the date the suite runs.)
    assert (
        "finished on" in page
        and "Written: " in page
        and ", 2 reminders." in page.replace("Written: ", "Written: , ")
    )
    assert "Refresh this page" not in page


def test_check_now_twice_writes_nothing_new(
    client, ours, due_soon, django_capture_on_commit_callbacks
):
    _owing_practice(ours)
    client.force_login(f.officer(ours))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reminders_run"))

    first, second = ReminderCheck.objects.order_by("pk")
    assert first.created.get("reminder") == 1
    assert second.status == ReminderCheck.Status.DONE and second.created == {}
    assert _worksheet_reminders().count() == 1
    page = client.get(reverse("notices:list")).content.decode()
    assert "No reminders or late notices were due that had not already been written." in page


def test_a_second_press_while_a_check_is_waiting_joins_it(
    client, ours, due_soon, django_capture_on_commit_callbacks
):
    _owing_practice(ours)
    client.force_login(f.officer(ours))
    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("reminders_run"))
        second = client.post(reverse("reminders_run"), follow=True).content.decode()

    assert "A check for reminders due today is already under way." in second
    assert ReminderCheck.objects.count() == 1
    assert len(queued) == 1  # one task queued, not two


def test_a_check_left_waiting_too_long_can_be_asked_again(
    client, ours, due_soon, django_capture_on_commit_callbacks
):
    _owing_practice(ours)
    lost = ReminderCheck.objects.create(commissioner=ours)  # its message never reached a worker
    ReminderCheck.objects.filter(pk=lost.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    client.force_login(f.officer(ours))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders_run"))
    assert ReminderCheck.objects.count() == 2
    assert _worksheet_reminders().count() == 1


def test_a_check_delivered_twice_runs_once(ours, due_soon):
    _owing_practice(ours)
    check = ReminderCheck.objects.create(commissioner=ours)
    reminder_check_run(check.pk)
    finished_at = ReminderCheck.objects.get(pk=check.pk).finished_at
    again = reminder_check_run(check.pk)  # the same message again (acks late)
    assert again.finished_at == finished_at and again.created == {"reminder": 1}
    assert _worksheet_reminders().count() == 1


def test_auditors_see_the_check_but_cannot_ask_for_one(client, ours, due_soon):
    ReminderCheck.objects.create(commissioner=ours)
    client.force_login(f.auditor(ours))
    page = client.get(reverse("notices:list")).content.decode()
    assert "is waiting for a worker to start it" in page
    assert "Check for reminders due today" not in page
    assert client.post(reverse("reminders_run")).status_code == 403


def test_another_commissioners_check_is_not_shown(client, ours, theirs, due_soon):
    ReminderCheck.objects.create(commissioner=theirs)
    client.force_login(f.officer(ours))
    page = client.get(reverse("notices:list")).content.decode()
    assert "The check for reminders due today" not in page


def test_reminders_for_one_commissioner_write_only_its_practices(ours, theirs, due_soon):
    own = _owing_practice(ours)
    _owing_practice(theirs)
    created = reminders_run(commissioner_id=ours.pk)
    assert created["reminder"] == 1
    assert [n.practice_id for n in _worksheet_reminders()] == [own.pk]


def test_the_daily_task_still_reminds_every_commissioner(ours, theirs, due_soon):
    practices = [_owing_practice(ours), _owing_practice(theirs)]
    reminders_task()
    assert sorted(n.practice_id for n in _worksheet_reminders()) == sorted(p.pk for p in practices)


def test_practices_expected_narrowed_first_is_the_same_rule(ours, theirs, due_soon):
    own = [_owing_practice(ours) for _ in range(2)]
    foreign = _owing_practice(theirs)
    f.PracticeFactory(pcn__commissioner=ours)  # no agreement, no home: owes nothing
    of_ours = list(Practice.objects.filter(pcn__commissioner=ours).values_list("pk", flat=True))
    everyone = set(practices_expected(due_soon))
    narrowed = set(practices_expected(due_soon, of_ours))
    assert everyone == {*own, foreign}
    assert narrowed == set(own) == everyone & set(own)


@pytest.mark.django_db(transaction=True)
def test_check_now_runs_in_the_real_worker(client, celery_worker):
    ours, theirs = f.CommissionerFactory(code="03L"), f.CommissionerFactory(code="02P")
    own = _owing_practice(ours)
    _owing_practice(theirs)
    today = timezone.localdate()
    quarter = quarter_for(Period.containing(today).previous())
    Quarter.objects.filter(pk=quarter.pk).update(due_date=today + datetime.timedelta(days=9))
    client.force_login(f.officer(ours))

    client.post(reverse("reminders_run"))

    check = ReminderCheck.objects.get()
    wait_until(lambda: ReminderCheck.objects.get(pk=check.pk).finished, what="the reminder check")
    check.refresh_from_db()
    assert check.status == ReminderCheck.Status.DONE, check.error
    assert [n.practice_id for n in _worksheet_reminders()] == [own.pk]
