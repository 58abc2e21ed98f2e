"""The emails page: officers and auditors see every email to their commissioner's practices (and
no other's), what it said, to whom and what failed; officers try a failed one again and check for
reminders due."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from notices.models import Notice
from notices.services import notice_create
from tests import factories as f


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


def _notice(practice, key, **kwargs):
    notice, _ = notice_create(
        key=key,
        kind=Notice.Kind.CLAIM,
        practice_id=practice.pk,
        subject=f"Update for {practice.name}",
        body="Line one.\nLine two.",
        **kwargs,
    )
    return notice


def test_emails_page_lists_only_the_commissioners_practices(client, commissioner):
    own = f.PracticeFactory(pcn__commissioner=commissioner, name="Ash Surgery")
    foreign = f.PracticeFactory(pcn__commissioner__code="02P", name="Faraway Surgery")
    f.PracticeContactFactory(practice=own)
    _notice(own, "a")
    _notice(foreign, "b")
    client.force_login(f.auditor(commissioner))
    page = client.get(reverse("notices:list")).content.decode()
    assert "Update for Ash Surgery" in page
    assert "Faraway Surgery" not in page
    assert "Check for reminders due today" not in page  # auditors read only


def test_emails_page_filters_failed_and_warns_of_them(client, commissioner):
    with_contact = f.PracticeFactory(pcn__commissioner=commissioner, name="Beech Surgery")
    f.PracticeContactFactory(practice=with_contact)
    without = f.PracticeFactory(pcn__commissioner=commissioner, name="Cherry Surgery")
    _notice(with_contact, "ok")
    _notice(without, "no-address")  # no contact email: failed at once
    client.force_login(f.officer(commissioner))
    everything = client.get(reverse("notices:list")).content.decode()
    assert "1 email could not be sent." in everything
    failed = client.get(reverse("notices:list"), {"status": "failed"}).content.decode()
    assert "Update for Cherry Surgery" in failed
    assert "Update for Beech Surgery" not in failed


def test_failed_email_is_sent_when_retried_after_the_contact_is_added(
    client, commissioner, django_capture_on_commit_callbacks
):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    notice = _notice(practice, "retry-me")
    assert notice.status == Notice.Status.FAILED
    client.force_login(f.officer(commissioner))
    detail = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "no contact email address" in detail
    assert "Try sending again" in detail

    f.PracticeContactFactory(practice=practice, email="new.manager@practice.nhs.uk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notices:retry", args=[notice.pk]), follow=True)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    assert [m.to for m in mail.outbox] == [["new.manager@practice.nhs.uk"]]
    assert "The email will be sent again" in response.content.decode()


def test_retry_without_a_contact_still_says_why(client, commissioner):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    notice = _notice(practice, "still-no-address")
    client.force_login(f.officer(commissioner))
    response = client.post(reverse("notices:retry", args=[notice.pk]), follow=True)
    assert "Not sent: The practice has no contact email address" in response.content.decode()
    assert not mail.outbox


def test_detail_shows_recipients_body_and_quarter(client, commissioner):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    f.PracticeContactFactory(practice=practice, email="pm@practice.nhs.uk")
    notice = _notice(practice, "shown")
    client.force_login(f.auditor(commissioner))
    page = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "pm@practice.nhs.uk" in page
    assert "Line one." in page
    assert "Try sending again" not in page


def test_check_for_reminders_now_writes_each_reminder_once(
    client, commissioner, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from claims.models import Quarter
    from claims.worksheets.services import quarter_for
    from core.periods import Period

    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner, practice__pcn__commissioner=commissioner
    )
    f.AgreementFactory(practice=alignment.practice)
    f.PracticeContactFactory(practice=alignment.practice)
    today = timezone.localdate()
    quarter = quarter_for(Period.containing(today).previous())
    Quarter.objects.filter(pk=quarter.pk).update(due_date=today + datetime.timedelta(days=9))
    client.force_login(f.officer(commissioner))
    # The check runs in a worker once the request commits (ADR 0045); the page then says what it wrote.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders_run"))
    first = client.get(reverse("notices:list")).content.decode()
    # (Outcomes report notices may be due on the same day, depending on the date the suite runs.)
    assert "Written: " in first and "1 reminder" in first.replace("outcomes report reminder", "")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders_run"))
    second = client.get(reverse("notices:list")).content.decode()
    assert "No reminders or late notices were due that had not already been written" in second
    assert Notice.objects.filter(kind=Notice.Kind.REMINDER).count() == 1


def test_officer_home_warns_of_emails_not_sent(client, commissioner):
    practice = f.PracticeFactory(pcn__commissioner=commissioner)
    _notice(practice, "no-address")
    client.force_login(f.officer(commissioner))
    page = client.get(reverse("home")).content.decode()
    assert "1 email to practices could not be sent." in page
    assert f"{reverse('notices:list')}?status=failed" in page
