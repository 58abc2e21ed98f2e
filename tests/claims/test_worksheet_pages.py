"""The practice manager's worksheet journey: the quarters page, the form with its payment preview,
submitting, and what officers and other practices see."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carehomes.models import CareHome
from claims.models import Quarter, Worksheet
from claims.rules import DEFAULT_BANDS
from claims.worksheets.quarters import Status, quarter_status
from claims.worksheets.services import LineEntry, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from tests import factories as f

Q1, Q2, Q3 = Period(2019, 1), Period(2019, 2), Period(2019, 3)


def at(day: datetime.date, hour=12, minute=0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), LONDON)


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)`` fixes the view's "now" (and with it ``timezone.localdate()``)."""

    def set_now(moment: datetime.datetime):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return set_now


@pytest.fixture
def practice(db):
    pcn = f.PCNFactory(commissioner=f.CommissionerFactory(code="03L"))
    practice = f.PracticeFactory(ods_code="C87001", name="Dinnington Group Practice", pcn=pcn)
    f.AgreementFactory(practice=practice)
    return practice


@pytest.fixture
def oakwood(practice):
    home = f.CareHomeFactory(name="Oakwood Lodge", beds=40)
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    return home


@pytest.fixture
def beech(practice):
    home = f.CareHomeFactory(name="Beech House", beds=30)
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    return home


@pytest.fixture
def manager(practice):
    return f.practice_manager(practice)


def url(practice, period, name="worksheet"):
    slug = period.label.replace("/", "-").replace(" ", "-")
    return reverse(f"claims:{name}", kwargs={"ods_code": practice.ods_code, "quarter": slug})


def figures(home, *, opening=None, new=0, temporary=0, moved_out=0, died=0, other=0, confirm=False):
    data = {
        f"home-{home.pk}-new_permanent": new,
        f"home-{home.pk}-temporary": temporary,
        f"home-{home.pk}-moved_out": moved_out,
        f"home-{home.pk}-died": died,
        f"home-{home.pk}-in_other_home": other,
    }
    if opening is not None:
        data[f"home-{home.pk}-opening"] = opening
    if confirm:
        data[f"home-{home.pk}-confirm_beds"] = "on"
    return data


def submit(practice, period, entries, when):
    return worksheet_submit(
        practice=practice,
        quarter=quarter_for(period),
        entries=entries,
        by=None,
        submitted_at=when,
    )


# -- the status of a quarter, at its edges ------------------------------------------------------


def status_on(today, **kwargs):
    facts = dict(worksheet=None, homes=1, in_force=True, bands=DEFAULT_BANDS) | kwargs
    return quarter_status(period=Q2, due_date=datetime.date(2019, 10, 14), today=today, **facts)


def test_quarter_status_due_today_then_one_day_late():
    due = status_on(datetime.date(2019, 10, 14))
    late = status_on(datetime.date(2019, 10, 15))
    assert (due.status, due.title) == (Status.DUE_TODAY, "Due today")
    assert late.status == Status.LATE
    assert late.detail.startswith("1 day late now, heading into 1–7 days late: 5% deducted.")
    assert "From 22 October 2019: 8–14 days late: 10% deducted, paid one run later." in late.detail


def test_quarter_status_open_the_day_before_it_is_due():
    status = status_on(datetime.date(2019, 10, 13))
    assert (status.status, status.detail) == (Status.OPEN, "Due in 1 day, on 14 October 2019.")


def test_quarter_status_not_yet_open_until_the_quarter_ends():
    last_day, first_open = (
        status_on(datetime.date(2019, 9, 30)),
        status_on(datetime.date(2019, 10, 1)),
    )
    assert (last_day.status, last_day.title) == (Status.NOT_YET_OPEN, "Opens 1 October 2019")
    assert "submit it from 1 October 2019. Due by 14 October 2019." in last_day.detail
    assert last_day.tag != first_open.tag
    assert (first_open.status, first_open.title) == (Status.OPEN, "Open")
    assert first_open.detail == "Due in 13 days, on 14 October 2019."


@pytest.mark.parametrize(
    ("days_late", "status", "band"),
    [
        (7, Status.LATE, "1–7 days late: 5% deducted"),
        (8, Status.LATE, "8–14 days late: 10% deducted, paid one run later"),
        (21, Status.LATE, "15–21 days late: 50% deducted, paid one run later"),
        (22, Status.MISSING, "22 or more days late: 100% deducted, no payment"),
    ],
)
def test_quarter_status_band_edges_when_not_submitted(days_late, status, band):
    result = status_on(datetime.date(2019, 10, 14) + datetime.timedelta(days=days_late))
    assert result.status == status
    assert band in result.detail


def test_quarter_status_not_due_without_homes_or_agreement():
    assert status_on(datetime.date(2019, 11, 1), homes=0).status == Status.NOT_DUE
    no_agreement = status_on(datetime.date(2019, 11, 1), in_force=False)
    assert (no_agreement.status, no_agreement.detail) == (
        Status.NOT_DUE,
        "No LES agreement was in force.",
    )


# -- the quarters page --------------------------------------------------------------------------


def test_quarters_page_due_today_and_one_day_late(client, manager, practice, oakwood, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 10, 14), 23, 59))
    page = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]))
    assert page.status_code == 200
    rows = page.content.decode()
    assert "Due today" in rows
    clock(at(datetime.date(2019, 10, 15), 0, 30))  # 00:30 BST: still the 14th in UTC
    client.force_login(manager)  # 31 minutes idle: the session has ended (SESSION_COOKIE_AGE)
    rows = client.get(reverse("claims:practice_quarters", args=[practice.ods_code])).content
    assert b"Due today" not in rows
    assert "1 day late now, heading into 1–7 days late: 5% deducted" in rows.decode()


def test_quarters_page_from_first_aligned_quarter_to_today_writing_nothing(
    client, manager, practice, oakwood, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 11, 20)))
    page = client.get(reverse("claims:practice_quarters", args=[practice.ods_code])).content
    text = page.decode()
    for label in ("2019/20 Q1", "2019/20 Q2", "2019/20 Q3"):
        assert label in text
    assert "2018/19 Q4" not in text
    assert "2019/20 Q4" not in text
    assert "Opens 1 January 2020" in text  # the current quarter: not submittable yet
    assert "Due in 55 days" not in text
    assert "Missing" in text  # Q1, 129 days late
    assert "14 Oct 2019" in text  # Q2's default due date, though nobody opened the quarter
    assert not Quarter.objects.exists()


def test_quarters_page_shows_a_late_submission_with_its_band(
    client, manager, practice, oakwood, clock
):
    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        at(datetime.date(2019, 7, 23)),  # due 14 July: 9 days late
    )
    client.force_login(manager)
    clock(at(datetime.date(2019, 8, 1)))
    text = client.get(reverse("claims:practice_quarters", args=[practice.ods_code])).content
    text = text.decode()
    assert "Submitted 9 days late" in text
    assert "8–14 days late: 10% deducted, paid one run later" in text


def test_quarters_page_not_due_for_a_learning_disability_home(client, manager, practice, clock):
    home = f.CareHomeFactory(category=CareHome.Category.LEARNING_DISABILITY)
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    client.force_login(manager)
    clock(at(datetime.date(2019, 8, 1)))
    text = client.get(reverse("claims:practice_quarters", args=[practice.ods_code])).content
    assert b"Not due" in text


def test_quarters_page_names_the_quarter_to_submit_first(client, manager, practice, oakwood, clock):
    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2020, 1, 20)))
    text = client.get(reverse("claims:practice_quarters", args=[practice.ods_code])).content
    assert b"Submit the 2019/20 Q2 worksheet first." in text


def _quarters_page_queries(client, practice):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]))
    assert response.status_code == 200
    return len(queries)


def test_quarters_page_queries_do_not_grow_with_quarters_or_homes(
    db, client, clock, django_assert_max_num_queries
):
    clock(at(datetime.date(2020, 1, 20)))  # 2019/20 Q4
    small = f.PracticeFactory()
    f.AgreementFactory(practice=small)
    f.AlignmentFactory(practice=small, start_date=datetime.date(2019, 10, 1))  # 2 quarters
    large = f.PracticeFactory(pcn=small.pcn)
    f.AgreementFactory(practice=large)
    homes = [
        f.AlignmentFactory(practice=large, start_date=datetime.date(2018, 4, 1)).care_home
        for _ in range(10)
    ]  # 8 quarters
    submit(
        large,
        Period(2018, 1),
        {
            h.pk: LineEntry(opening=3, new_permanent=1, temporary=0, moved_out=0, died=0)
            for h in homes
        },
        at(datetime.date(2018, 7, 20)),
    )
    client.force_login(f.practice_manager(small, large))
    client.get(reverse("claims:practice_quarters", args=[small.ods_code]))  # warm the session
    one_home_two_quarters = _quarters_page_queries(client, small)
    with django_assert_max_num_queries(one_home_two_quarters):
        text = client.get(reverse("claims:practice_quarters", args=[large.ods_code])).content
    assert text.count(b'scope="row"') == 8


# -- the form ------------------------------------------------------------------------------------


def test_form_has_a_labelled_row_per_home_and_writes_nothing(
    client, manager, practice, oakwood, beech, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 2)))
    response = client.get(url(practice, Q1))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<h1") == 1
    assert '<th class="nhsuk-table__header" scope="row" id="home-' in text
    for home in (oakwood, beech):
        assert f'for="id_home-{home.pk}-new_permanent">{home.name}: new permanent patients' in text
        assert f'name="home-{home.pk}-opening"' in text  # a baseline: the first quarter
    assert "style=" not in text
    assert not Quarter.objects.exists()


def test_form_shows_a_carried_forward_opening_without_an_input(
    client, manager, practice, oakwood, clock
):
    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=10, new_permanent=2, temporary=0, moved_out=1, died=0)},
        at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2019, 10, 2)))
    text = client.get(url(practice, Q2)).content.decode()
    assert "carried forward from 2019/20 Q1" in text
    assert f'name="home-{oakwood.pk}-opening"' not in text
    assert "11<span" in text  # 10 + 2 - 1, shown as text


def test_check_figures_previews_the_payment_and_writes_nothing(
    client, manager, practice, oakwood, beech, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 16)))  # 2 days late
    data = {
        **figures(oakwood, opening=10, new=2, temporary=1, moved_out=1),
        **figures(beech, opening=5),
        "action": "check",
    }
    response = client.post(url(practice, Q1), data)
    assert response.status_code == 200
    text = response.content.decode()
    # gross = 15 × £60 + 2 × £102 + 1 × £60 = £1,164; 5% off for 2 days late.
    assert "£900.00" in text and "£204.00" in text and "£1,164.00" in text
    assert "2 days late if submitted today" in text
    assert "1–7 days late: 5% deducted" in text
    assert "£58.20" in text and "£1,105.80" in text
    assert not Worksheet.objects.exists()
    assert not Quarter.objects.exists()


def test_submit_writes_the_worksheet_and_shows_it_read_only(
    client, manager, practice, oakwood, beech, clock
):
    client.force_login(manager)
    moment = clock(at(datetime.date(2019, 7, 12), 9, 15))
    data = {
        **figures(oakwood, opening=10, new=2, temporary=1, moved_out=1, other=3),
        **figures(beech, opening=5, died=1),
        "action": "submit",
    }
    response = client.post(url(practice, Q1), data)
    assert response.status_code == 302
    assert response["Location"] == url(practice, Q1)
    worksheet = Worksheet.objects.get()
    assert (worksheet.first_submitted_at, worksheet.submitted_by) == (moment, manager)
    assert (worksheet.gross_pence, worksheet.days_late, worksheet.net_pence) == (
        116400,
        0,
        116400,
    )
    lines = {line.care_home_id: line for line in worksheet.lines.all()}
    assert (lines[oakwood.pk].closing, lines[oakwood.pk].in_other_home) == (11, 3)
    assert lines[beech.pk].closing == 4

    page = client.get(response["Location"])
    text = page.content.decode()
    assert "has been submitted (on time): net payment £1,164.00" in text
    assert "<input" not in text.split("<main")[1].split("</main>")[0].replace(
        'type="hidden" name="csrfmiddlewaretoken"', ""
    )
    assert "On time" in text and "£1,164.00" in text
    assert "12 July 2019, 09:15" in text


def test_late_submission_is_priced_with_its_band(client, manager, practice, oakwood, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 23)))  # 9 days late
    response = client.post(url(practice, Q1), {**figures(oakwood, opening=10), "action": "submit"})
    assert response.status_code == 302
    worksheet = Worksheet.objects.get()
    assert (worksheet.days_late, worksheet.deduction_percent, worksheet.release) == (
        9,
        Decimal("10.00"),
        "deferred",
    )
    text = client.get(url(practice, Q1)).content.decode()
    assert "8–14 days late: 10% deducted, paid one run later" in text
    assert "Deferred: in the second payment run after approval" in text


def test_validation_error_names_home_and_field_and_writes_nothing(
    client, manager, practice, oakwood, beech, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    data = {
        **figures(oakwood, opening=2, moved_out=2, died=1),
        **figures(beech, opening=5),
        "action": "submit",
    }
    data[f"home-{beech.pk}-temporary"] = "two"
    response = client.post(url(practice, Q1), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "<title>Error: " in text
    assert "There is a problem" in text
    assert (
        f'<a href="#id_home-{oakwood.pk}-moved_out">Oakwood Lodge: patients who moved out: moved '
        "out (2) plus died (1) cannot be more than opening (2) plus new permanent patients (0)"
    ) in text
    assert (
        f'<a href="#id_home-{beech.pk}-temporary">Beech House: temporary patients: enter a whole '
        "number, 0 or more"
    ) in text
    assert f'id="id_home-{oakwood.pk}-moved_out_error"' in text
    assert f'aria-describedby="id_home-{oakwood.pk}-moved_out_error"' in text
    assert not Worksheet.objects.exists()
    assert not Quarter.objects.exists()


def test_a_blank_or_huge_figure_is_an_error_naming_the_home(
    client, manager, practice, oakwood, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    data = {**figures(oakwood, opening=2), "action": "check"}
    data[f"home-{oakwood.pk}-died"] = ""
    data[f"home-{oakwood.pk}-temporary"] = "100000"
    text = client.post(url(practice, Q1), data).content.decode()
    assert "Oakwood Lodge: patients who died: enter a number (0 if none)" in text
    assert "Oakwood Lodge: temporary patients: enter a number no more than 999" in text


def test_beds_warning_must_be_confirmed_and_is_recorded(client, manager, practice, clock):
    home = f.CareHomeFactory(name="Little Acorns", beds=5)
    f.AlignmentFactory(practice=practice, care_home=home, start_date=datetime.date(2019, 4, 1))
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    over = figures(home, opening=5, new=2)  # closing 7 above 5 beds

    checked = client.post(url(practice, Q1), {**over, "action": "check"}).content.decode()
    assert "Check these figures" in checked
    assert "closing figure 7 is more than the home&#x27;s 5 registered beds" in checked
    assert "I confirm these figures are right" in checked
    assert "£504.00" in checked  # the preview still shows: a warning is not an error

    refused = client.post(url(practice, Q1), {**over, "action": "submit"})
    assert refused.status_code == 200
    refused_text = refused.content.decode()
    assert (
        f'<a href="#id_home-{home.pk}-confirm_beds">Little Acorns: closing figure 7' in refused_text
    )
    assert f'aria-describedby="id_home-{home.pk}-confirm_beds_error"' in refused_text
    assert not Worksheet.objects.exists()

    confirmed = {**figures(home, opening=5, new=2, confirm=True), "action": "submit"}
    assert client.post(url(practice, Q1), confirmed).status_code == 302
    line = Worksheet.objects.get().lines.get()
    assert (line.closing, line.beds_warning_confirmed) == (7, True)


def test_gap_rule_message_is_shown_and_submission_refused(
    client, manager, practice, oakwood, clock
):
    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2020, 1, 10)))
    text = client.get(url(practice, Q3)).content.decode()
    assert "Submit the 2019/20 Q2 worksheet first" in text
    assert 'value="submit"' not in text  # no submit button while the gap is open
    response = client.post(url(practice, Q3), {**figures(oakwood, opening=10), "action": "submit"})
    assert "Submit the 2019/20 Q2 worksheet first" in response.content.decode()
    assert Worksheet.objects.count() == 1


def test_submitting_before_the_quarter_ends_is_refused(client, manager, practice, oakwood, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 6, 20)))
    text = client.get(url(practice, Q1)).content.decode()
    assert "can be submitted from 1 July 2019" in text
    response = client.post(url(practice, Q1), {**figures(oakwood, opening=3), "action": "submit"})
    assert "can be submitted from 1 July 2019, once the quarter has ended" in (
        response.content.decode()
    )
    assert not Worksheet.objects.exists()


def test_a_second_submission_writes_nothing(client, manager, practice, oakwood, clock):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    data = {**figures(oakwood, opening=3), "action": "submit"}
    assert client.post(url(practice, Q1), data).status_code == 302
    again = client.post(url(practice, Q1), {**figures(oakwood, opening=30), "action": "submit"})
    assert again.status_code == 302
    assert Worksheet.objects.get().lines.get().opening == 3


def test_quarter_outside_the_scheme_or_in_the_future_is_404(
    client, manager, practice, oakwood, clock
):
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    assert client.get(url(practice, Period(2019, 3))).status_code == 404  # not started
    assert client.get(url(practice, Period(2017, 4))).status_code == 404
    bad = reverse("claims:worksheet", args=[practice.ods_code, "2019-21-Q1"])
    assert client.get(bad).status_code == 404


# -- other users -------------------------------------------------------------------------------


def test_another_practices_worksheet_pages_are_404(client, manager, practice, oakwood, clock):
    other = f.PracticeFactory(pcn=practice.pcn)
    f.AlignmentFactory(practice=other)
    client.force_login(manager)
    clock(at(datetime.date(2019, 7, 10)))
    for name in ("worksheet", "worksheet_download", "worksheet_upload"):
        assert client.get(url(other, Q1, name)).status_code == 404
    assert client.post(url(other, Q1), {"action": "submit"}).status_code == 404
    quarters = reverse("claims:practice_quarters", args=[other.ods_code])
    assert client.get(quarters).status_code == 404


def test_officer_reads_worksheets_but_cannot_submit(client, practice, oakwood, clock):
    officer = f.officer(practice.pcn.commissioner)
    client.force_login(officer)
    clock(at(datetime.date(2019, 7, 16)))
    page = client.get(url(practice, Q1)).content.decode()
    assert "Late: not submitted" in page
    assert "<input" not in page.split("<main")[1].replace('name="csrfmiddlewaretoken"', "")
    response = client.post(url(practice, Q1), {**figures(oakwood, opening=3), "action": "submit"})
    assert response.status_code == 403
    assert not Worksheet.objects.exists()

    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=3, new_permanent=1, temporary=0, moved_out=0, died=0)},
        at(datetime.date(2019, 7, 16)),
    )
    page = client.get(url(practice, Q1)).content.decode()
    assert "Submitted" in page and "£282.00" in page  # 3 × £60 + £102 (on-screen gross)


def _form_queries(client, practice, period, data=None):
    with CaptureQueriesContext(connection) as queries:
        if data is None:
            response = client.get(url(practice, period))
        else:
            response = client.post(url(practice, period), data)
    assert response.status_code == 200
    return len(queries)


def test_form_queries_do_not_grow_with_homes(db, client, clock):
    clock(at(datetime.date(2019, 10, 10)))
    one, ten = f.PracticeFactory(), f.PracticeFactory()
    homes = {}
    for practice, count in ((one, 1), (ten, 10)):
        f.AgreementFactory(practice=practice)
        homes[practice] = [f.AlignmentFactory(practice=practice).care_home for _ in range(count)]
        submit(
            practice,
            Q1,
            {
                h.pk: LineEntry(opening=4, new_permanent=0, temporary=0, moved_out=0, died=0)
                for h in homes[practice]
            },
            at(datetime.date(2019, 7, 10)),
        )
    client.force_login(f.practice_manager(one, ten))
    client.get(url(one, Q2))  # warm the session
    assert _form_queries(client, ten, Q2) == _form_queries(client, one, Q2)

    def check(practice):
        data = {"action": "check"}
        for home in homes[practice]:
            data.update(figures(home, new=1, confirm=True))
        return data

    assert _form_queries(client, ten, Q2, check(ten)) == _form_queries(client, one, Q2, check(one))


def test_quarters_page_lists_the_quarter_due_first_then_the_one_not_yet_open(
    client, manager, practice, oakwood, clock
):
    submit(
        practice,
        Q1,
        {oakwood.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        at(datetime.date(2019, 7, 10)),
    )
    client.force_login(manager)
    clock(at(datetime.date(2019, 10, 5)))  # Q2 due on 14 October; Q3 in progress
    page = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]))
    assert [row.period.label for row in page.context["rows"]] == [
        "2019/20 Q2",
        "2019/20 Q3",
        "2019/20 Q1",
    ]
    text = page.content.decode()
    assert text.index("Due in 9 days, on 14 October 2019.") < text.index("Opens 1 January 2020")
    assert text.count(">Open</strong>") == 1  # the due quarter alone is "Open"


def test_quarters_page_shows_what_is_owed_and_twelve_earlier_quarters_a_page(
    client, manager, practice, oakwood, clock
):
    """Issue 18: a practice's quarters grow with its history. The quarters to submit and the one
    not yet open are always on the page; the earlier ones come twelve a page."""
    client.force_login(manager)
    clock(at(datetime.date(2023, 5, 10)))  # 2019/20 Q1 to 2023/24 Q1: seventeen quarters
    first = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]))
    rows = list(first.context["rows"])
    assert rows[0].period.label == "2019/20 Q1" and rows[0].submittable  # owed, oldest first
    earlier = [r for r in rows if not r.submittable and r.status != Status.NOT_YET_OPEN]
    assert len(earlier) <= 12

    # One practice that has submitted everything: sixteen earlier quarters, on two pages.
    period = Period(2019, 1)
    while period < Period(2023, 1):
        line = LineEntry(opening=5, new_permanent=0, temporary=0, moved_out=0, died=0)
        submit(practice, period, {oakwood.pk: line}, at(period.default_due_date))
        period = period.next()
    first = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]))
    labels = [r.period.label for r in first.context["rows"]]
    assert "2023/24 Q1" in labels and "2022/23 Q4" in labels and "2019/20 Q1" not in labels
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("claims:practice_quarters", args=[practice.ods_code]), {"page": 2})
    assert "2019/20 Q1" in [r.period.label for r in second.context["rows"]]
