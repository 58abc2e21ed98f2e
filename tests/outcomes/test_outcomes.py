"""Outcomes reports (specification 4.1): half-years and their default due dates, who owes one,
sending one once, where each stands, their reminders and late notices (once each, however often
the schedule runs), and the pages."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.periods import LONDON
from notices.models import Notice
from outcomes.models import OutcomesPeriod, OutcomesReport
from outcomes.reminders import reminders_run, what_outcomes_report_is_due
from outcomes.services import outcomes_period_for, outcomes_report_submit, practices_owing, standing
from tests import factories as f

D = datetime.date
FIGURES = {
    "emergency_admissions": 7,
    "unplanned_visits": 12,
    "actions_taken": "Falls clinic set up with the home.",
    "changes_in_practice": "Weekly check-in of priority residents.",
}


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


@pytest.fixture
def practice(db):
    commissioner = f.CommissionerFactory(code="03L")
    alignment = f.AlignmentFactory(
        care_home__commissioner=commissioner,
        practice__pcn__commissioner=commissioner,
        start_date=D(2025, 4, 1),
    )
    f.AgreementFactory(practice=alignment.practice)
    f.PracticeContactFactory(practice=alignment.practice)
    return alignment.practice


def test_half_years_run_april_to_september_and_october_to_march_with_default_due_dates(db):
    first, second = outcomes_period_for(2026, 1), outcomes_period_for(2026, 2)
    assert (first.first_day, first.last_day, first.due_date) == (
        D(2026, 4, 1),
        D(2026, 9, 30),
        D(2026, 9, 30),
    )
    assert (second.first_day, second.last_day, second.due_date) == (
        D(2026, 10, 1),
        D(2027, 3, 31),
        D(2027, 3, 31),
    )
    assert (first.label, first.slug) == ("2026/27 April to September", "2026-27-H1")
    assert OutcomesPeriod.parse_slug("2026-27-H2") == (2026, 2)
    assert OutcomesPeriod.parse_slug("2026-28-H2") is None
    assert OutcomesPeriod.containing(D(2027, 3, 31)) == (2026, 2)
    assert OutcomesPeriod.containing(D(2026, 4, 1)) == (2026, 1)


def test_practice_without_an_eligible_home_owes_no_report(practice):
    period = outcomes_period_for(2026, 1)
    learning_disability = f.AlignmentFactory(care_home__category="learning_disability")
    f.AgreementFactory(practice=learning_disability.practice)
    assert list(practices_owing(period)) == [practice]
    with pytest.raises(ValidationError, match="owes no outcomes report"):
        outcomes_report_submit(
            practice=learning_disability.practice,
            period=period,
            figures=FIGURES,
            by=None,
            submitted_at=at(D(2026, 9, 1)),
        )


def test_report_sent_once_and_second_refused(practice):
    period = outcomes_period_for(2026, 1)
    outcomes_report_submit(
        practice=practice, period=period, figures=FIGURES, by=None, submitted_at=at(D(2026, 9, 20))
    )
    with pytest.raises(ValidationError, match="already sent"):
        outcomes_report_submit(
            practice=practice,
            period=period,
            figures=FIGURES,
            by=None,
            submitted_at=at(D(2026, 9, 21)),
        )
    assert OutcomesReport.objects.count() == 1


def test_report_before_the_last_month_of_the_half_year_refused(practice):
    period = outcomes_period_for(2026, 2)
    with pytest.raises(ValidationError, match="can be sent from 1 March 2027"):
        outcomes_report_submit(
            practice=practice,
            period=period,
            figures=FIGURES,
            by=None,
            submitted_at=at(D(2026, 9, 30)),
        )


def test_standing_on_time_on_due_day_late_by_london_date(practice):
    period = outcomes_period_for(2026, 1)  # due 30 September 2026 (BST)
    on_due_day = OutcomesReport(
        period=period, submitted_at=datetime.datetime(2026, 9, 30, 22, 59, tzinfo=datetime.UTC)
    )
    after_midnight = OutcomesReport(
        period=period, submitted_at=datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC)
    )
    assert standing(period, on_due_day, D(2026, 10, 5)).label == "Sent on time"  # 23:59 BST
    assert standing(period, after_midnight, D(2026, 10, 5)).label == "Sent 1 day late"  # 00:30 BST
    assert standing(period, None, D(2026, 9, 30)).label == "Due by 30 September 2026"
    assert standing(period, None, D(2026, 10, 1)).label == "Late: due 30 September 2026"
    assert (
        standing(outcomes_period_for(2026, 2), None, D(2027, 2, 28)).label == "Opens 1 March 2027"
    )
    assert (
        standing(outcomes_period_for(2026, 2), None, D(2027, 3, 1)).label == "Due by 31 March 2027"
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 9, 19), None),
        (D(2026, 9, 20), "reminder"),  # due − 10
        (D(2026, 9, 23), "reminder"),  # due − 7
        (D(2026, 9, 24), "missed"),
        (D(2026, 9, 30), "missed"),
        (D(2026, 10, 1), "late"),
        (D(2026, 10, 28), "late"),  # 28 days late: the last day a late notice goes
        (D(2026, 10, 29), None),
    ],
)
def test_what_outcomes_report_is_due_at_the_edges(today, expected):
    assert what_outcomes_report_is_due(today, D(2026, 9, 30), 10) == expected


def test_outcomes_reminder_sent_once_however_often_the_schedule_runs(
    practice, django_capture_on_commit_callbacks
):
    sent = f.AlignmentFactory(care_home__commissioner=practice.pcn.commissioner)
    f.AgreementFactory(practice=sent.practice)
    f.PracticeContactFactory(practice=sent.practice)
    period = outcomes_period_for(2026, 1)
    outcomes_report_submit(
        practice=sent.practice,
        period=period,
        figures=FIGURES,
        by=None,
        submitted_at=at(D(2026, 9, 1)),
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_run(D(2026, 9, 21))
    reminders = Notice.objects.filter(kind=Notice.Kind.OUTCOMES_REMINDER)
    assert [(n.practice_id, n.outcomes_period_id, n.status) for n in reminders] == [
        (practice.pk, period.pk, "sent")
    ]
    outcomes_mail = [m for m in mail.outbox if "outcomes report" in m.subject]
    assert len(outcomes_mail) == 1
    assert (
        reverse("outcomes:report", args=[practice.ods_code, "2026-27-H1"]) in outcomes_mail[0].body
    )


def test_outcomes_late_notice_the_day_after_the_due_date_once(
    practice, django_capture_on_commit_callbacks
):
    period = outcomes_period_for(2026, 1)
    for day in (D(2026, 10, 1), D(2026, 10, 2)):
        with django_capture_on_commit_callbacks(execute=True):
            reminders_run(day)
    (late,) = Notice.objects.filter(kind=Notice.Kind.OUTCOMES_LATE)
    assert late.outcomes_period == period and late.status == Notice.Status.SENT
    assert "was due 30 September 2026" in late.subject


# -- pages -------------------------------------------------------------------------------------------


def test_manager_sends_the_report_and_sees_it_sent(client, practice, settings):
    client.force_login(f.practice_manager(practice))
    period = outcomes_period_for(2026, 1)
    url = reverse("outcomes:report", args=[practice.ods_code, period.slug])
    assert "No patient-identifiable data" in client.get(url).content.decode()
    response = client.post(url, FIGURES, follow=True)
    assert "Outcomes report for 2026/27 April to September sent." in response.content.decode()
    report = OutcomesReport.objects.get()
    assert (report.emergency_admissions, report.unplanned_visits) == (7, 12)
    assert "Falls clinic set up with the home." in client.get(url).content.decode()


def test_report_form_refuses_negative_and_missing_figures_writing_nothing(client, practice):
    client.force_login(f.practice_manager(practice))
    url = reverse("outcomes:report", args=[practice.ods_code, outcomes_period_for(2026, 1).slug])
    response = client.post(url, {**FIGURES, "emergency_admissions": "-1", "actions_taken": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in page
    assert "Enter the relevant actions taken" in page
    assert "This field is required." not in page
    assert not OutcomesReport.objects.exists()


def test_auditor_reads_but_cannot_send(client, practice):
    client.force_login(f.auditor(practice.pcn.commissioner))
    period = outcomes_period_for(2026, 1)
    url = reverse("outcomes:report", args=[practice.ods_code, period.slug])
    assert "Send outcomes report" not in client.get(url).content.decode()
    assert client.post(url, FIGURES).status_code == 403
    index = client.get(reverse("outcomes:index"), {"period": period.slug}).content.decode()
    assert practice.name in index


def test_unknown_half_year_is_404(client, practice):
    client.force_login(f.practice_manager(practice))
    assert (
        client.get(reverse("outcomes:report", args=[practice.ods_code, "2026-27-H3"])).status_code
        == 404
    )


def test_standing_around_midnight_in_gmt_for_a_due_date_moved_into_winter(practice):
    period = outcomes_period_for(2026, 2)
    period.due_date = D(2027, 1, 29)  # an officer moved it: GMT, London time equals UTC
    on_time = OutcomesReport(
        period=period, submitted_at=datetime.datetime(2027, 1, 29, 23, 59, tzinfo=datetime.UTC)
    )
    late = OutcomesReport(
        period=period, submitted_at=datetime.datetime(2027, 1, 30, 0, 30, tzinfo=datetime.UTC)
    )
    assert standing(period, on_time, D(2027, 2, 5)).label == "Sent on time"
    assert standing(period, late, D(2027, 2, 5)).label == "Sent 1 day late"
