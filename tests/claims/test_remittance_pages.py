"""The remittance advice on the run page (progress, downloads, trying failed builds again), the
progress line's JSON, and the practice's download, for the practice and the officers."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from claims.models import Remittance
from claims.payments.remittances import MAX_BUILD_ATTEMPTS, remittance_build
from claims.payments.runs import payment_run_close, payment_run_create
from claims.review.services import claim_approve, claim_check
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from documents.pdf import FetchRefused
from tests import factories as f


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory(code="03L")


@pytest.fixture
def officers(commissioner):
    return f.officer(commissioner, username="checker"), f.officer(commissioner, username="approver")


def paid_practice(commissioner, officers, name):
    practice = f.PracticeFactory(pcn__commissioner=commissioner, name=name)
    f.AgreementFactory(practice=practice)
    f.PracticeContactFactory(practice=practice)
    home = f.AlignmentFactory(practice=practice, care_home__commissioner=commissioner).care_home
    quarter = quarter_for(Period(2019, 1))
    claim = worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries={home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        by=None,
        submitted_at=datetime.datetime.combine(quarter.due_date, datetime.time(12), LONDON),
    )
    claim_approve(claim=claim_check(claim=claim, by=officers[0]), by=officers[1])
    return practice


@pytest.fixture
def closed_run(commissioner, officers, django_capture_on_commit_callbacks):
    """A run paying two practices, its remittance advice built and emailed (as the worker would,
    after the close commits)."""
    practices = [paid_practice(commissioner, officers, n) for n in ("Alder Surgery", "Birch PC")]
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = payment_run_close(run=f.authorised(run), by=officers[0])
    return run, practices


def test_run_page_shows_every_remittance_built_and_emailed_with_downloads(
    client, officers, closed_run
):
    run, practices = closed_run
    client.force_login(officers[0])
    page = client.get(reverse("payment_runs:run", args=[run.pk])).content.decode()
    assert "2 of 2 remittance advices built, 2 emailed." in page
    for remittance in run.remittances.all():
        url = reverse(
            "payment_runs:remittance_advice", args=[remittance.practice.ods_code, remittance.pk]
        )
        assert url in page
    assert "Try building the failed remittance advice again" not in page
    assert len(mail.outbox) == 2
    # each practice's claims and its email are linked (the links are built once a page)
    for claim in run.claims.all():
        assert f'href="{reverse("review:claim", args=[claim.pk])}"' in page
    for remittance in run.remittances.all():
        email = remittance.notices.get()
        assert f'href="{reverse("notices:detail", args=[email.pk])}"' in page


def test_progress_json_counts_built_and_emailed(client, officers, closed_run):
    run, _ = closed_run
    client.force_login(officers[0])
    progress = client.get(reverse("payment_runs:remittances_progress", args=[run.pk])).json()
    assert progress == {
        "total": 2,
        "built": 2,
        "failed": 0,
        "emailed": 2,
        "email_failed": 0,
        "complete": True,
        "summary": "2 of 2 remittance advices built, 2 emailed.",
    }


def test_practice_manager_downloads_own_remittance_advice_as_pdf(client, closed_run):
    run, practices = closed_run
    remittance = Remittance.objects.get(payment_run=run, practice=practices[0])
    client.force_login(f.practice_manager(practices[0]))
    payments = client.get(reverse("payment_runs:practice_payments", args=[practices[0].ods_code]))
    url = reverse("payment_runs:remittance_advice", args=[practices[0].ods_code, remittance.pk])
    assert url in payments.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="remittance-advice-{run.reference}-{practices[0].ods_code}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


def test_practice_manager_gets_404_for_another_practices_remittance_even_under_own_code(
    client, closed_run
):
    run, practices = closed_run
    other = Remittance.objects.get(payment_run=run, practice=practices[1])
    client.force_login(f.practice_manager(practices[0]))
    url = reverse("payment_runs:remittance_advice", args=[practices[0].ods_code, other.pk])
    assert client.get(url).status_code == 404


def test_remittance_download_before_it_is_built_says_it_is_being_prepared(
    client, commissioner, officers
):
    practice = paid_practice(commissioner, officers, "Cedar Surgery")
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=None
    )
    run = payment_run_close(
        run=f.authorised(run), by=officers[0]
    )  # the build waits for the commit: none here
    remittance = run.remittances.get()
    client.force_login(officers[0])
    response = client.get(
        reverse("payment_runs:remittance_advice", args=[practice.ods_code, remittance.pk]),
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "payment_runs:practice_payments", args=[practice.ods_code]
    )
    assert "still being prepared" in response.content.decode()


def test_failed_build_is_shown_and_built_when_an_officer_tries_again(
    client, commissioner, officers, settings, tmp_path, django_capture_on_commit_callbacks
):
    paid_practice(commissioner, officers, "Damson Surgery")
    run = payment_run_create(
        backdated=True, commissioner=commissioner, run_date=datetime.date(2019, 8, 1), by=None
    )
    run = payment_run_close(run=f.authorised(run), by=officers[0])
    remittance = run.remittances.get()
    good_static = settings.STATICFILES_DIRS
    settings.STATICFILES_DIRS = [tmp_path]  # the stylesheet and fonts are missing: builds fail
    for _ in range(MAX_BUILD_ATTEMPTS):  # as the task and its retries would
        with pytest.raises(FetchRefused):
            remittance_build(remittance.pk)
    remittance.refresh_from_db()
    assert remittance.advice_id is None
    client.force_login(officers[0])
    page = client.get(reverse("payment_runs:run", args=[run.pk])).content.decode()
    assert "0 of 1 remittance advice built, 0 emailed; 1 failed to build." in page
    assert "Not built" in page

    settings.STATICFILES_DIRS = good_static
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("payment_runs:remittances_retry", args=[run.pk]))
    assert response.status_code == 302
    remittance.refresh_from_db()
    assert remittance.advice_id is not None
    assert remittance.build_error == ""
    assert len(mail.outbox) == 1


def test_auditor_sees_progress_but_no_retry_button(client, commissioner, officers, closed_run):
    run, _ = closed_run
    Remittance.objects.filter(payment_run=run).update(
        advice=None, build_attempts=3, build_error="X"
    )
    client.force_login(f.auditor(commissioner))
    page = client.get(reverse("payment_runs:run", args=[run.pk])).content.decode()
    assert "2 failed to build" in page
    assert "Try building the failed remittance advice again" not in page
