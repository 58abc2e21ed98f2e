"""Submitting a worksheet: the SPEC §4 rules against the database."""

import datetime

import pytest

from carehomes.models import CareHome
from claims import selectors
from claims.models import LatenessBand, Worksheet, WorksheetLine
from claims.rules import DEFAULT_BANDS
from claims.worksheets.services import LineEntry, WorksheetRefused, quarter_for, worksheet_submit
from core.periods import LONDON, Period
from history.models import AuditEvent
from tests import factories as f

D = datetime.date
Q1, Q2, Q3 = Period(2019, 1), Period(2019, 2), Period(2019, 3)


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


@pytest.fixture
def pair(db):
    alignment = f.AlignmentFactory(care_home__beds=40)
    f.AgreementFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


def submit(practice, period, entries, when=None):
    quarter = quarter_for(period)
    return worksheet_submit(
        practice=practice,
        quarter=quarter,
        entries=entries,
        by=None,
        submitted_at=when or at(quarter.due_date),
    )


def test_seeded_bands_match_the_rule_book(db):
    assert tuple(b.band for b in LatenessBand.objects.all()) == DEFAULT_BANDS


def test_first_quarter_takes_a_baseline_then_carries_forward(pair):
    practice, home = pair
    first = submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=10, new_permanent=2, temporary=1, moved_out=1, died=1)},
    )
    line = first.lines.get()
    assert (line.opening_source, line.closing) == (WorksheetLine.OpeningSource.BASELINE, 10)
    assert first.gross_pence == 10 * 6000 + 2 * 10200 + 6000
    second = submit(
        practice, Q2, {home.pk: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)}
    )
    line2 = second.lines.get()
    assert (line2.opening, line2.opening_source, line2.carried_from) == (
        10,
        "carried_forward",
        line,
    )


def test_baseline_missing_is_refused_naming_home_and_field(pair):
    practice, home = pair
    with pytest.raises(WorksheetRefused) as refused:
        submit(
            practice, Q1, {home.pk: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)}
        )
    problem = refused.value.problems[0]
    assert (problem.home, problem.field) == (home.name, "opening")
    assert not Worksheet.objects.exists()


def test_carried_forward_opening_cannot_be_typed_differently(pair):
    practice, home = pair
    submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
    )
    with pytest.raises(WorksheetRefused, match="must be 10"):
        submit(
            practice,
            Q2,
            {home.pk: LineEntry(opening=12, new_permanent=0, temporary=0, moved_out=0, died=0)},
        )


def test_gap_rule_names_the_missing_quarter(pair):
    practice, home = pair
    submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
    )
    with pytest.raises(WorksheetRefused, match=r"Submit the 2019/20 Q2 worksheet first"):
        submit(
            practice, Q3, {home.pk: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)}
        )
    assert Worksheet.objects.count() == 1


def test_late_quarter_still_carries_forward(pair):
    practice, home = pair
    submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=2)},
        when=at(D(2019, 9, 1)),
    )
    q2 = submit(
        practice, Q2, {home.pk: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)}
    )
    assert q2.lines.get().opening == 8
    assert Worksheet.objects.get(quarter__number=1).net_pence == 0


def test_every_eligible_aligned_home_needs_a_line(pair):
    practice, home = pair
    other = f.AlignmentFactory(practice=practice).care_home
    with pytest.raises(WorksheetRefused) as refused:
        submit(
            practice,
            Q1,
            {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
        )
    assert [(p.home, p.message) for p in refused.value.problems] == [
        (other.name, "no figures given: every aligned home needs a line")
    ]


def test_learning_disability_home_gets_no_line(pair):
    practice, home = pair
    f.AlignmentFactory(practice=practice, care_home__category=CareHome.Category.LEARNING_DISABILITY)
    worksheet = submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
    )
    assert [line.care_home for line in worksheet.lines.all()] == [home]


def test_home_aligned_for_one_day_of_the_quarter_needs_a_line(pair):
    practice, _home = pair
    late_home = f.AlignmentFactory(practice=practice, start_date=Q1.last_day).care_home
    homes = [o.care_home for o in selectors.openings(practice, quarter_for(Q1))]
    assert late_home in homes


def test_leavers_above_patients_refused(pair):
    practice, home = pair
    with pytest.raises(WorksheetRefused, match="cannot be more than"):
        submit(
            practice,
            Q1,
            {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=1, died=1)},
        )


def test_beds_warning_must_be_confirmed_and_is_recorded(pair):
    practice, home = pair
    over = LineEntry(opening=41, new_permanent=0, temporary=0, moved_out=0, died=0)
    with pytest.raises(WorksheetRefused) as refused:
        submit(practice, Q1, {home.pk: over})
    assert refused.value.problems[0].is_warning
    confirmed = LineEntry(
        opening=41, new_permanent=0, temporary=0, moved_out=0, died=0, beds_warning_confirmed=True
    )
    worksheet = submit(practice, Q1, {home.pk: confirmed})
    assert worksheet.lines.get().beds_warning_confirmed


def test_no_claim_for_a_quarter_starting_after_the_agreement_ends(pair):
    practice, home = pair
    agreement = practice.agreements.get()
    agreement.notice_given_on, agreement.notice_given_by, agreement.ends_on = (
        D(2018, 12, 1),
        "practice",
        D(2019, 6, 1),
    )
    agreement.save()
    submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
    )
    with pytest.raises(WorksheetRefused, match="no LES agreement in force"):
        submit(
            practice, Q2, {home.pk: LineEntry(new_permanent=0, temporary=0, moved_out=0, died=0)}
        )


def test_second_submission_of_a_quarter_refused(pair):
    practice, home = pair
    entries = {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)}
    submit(practice, Q1, entries)
    with pytest.raises(WorksheetRefused, match="already been submitted"):
        submit(practice, Q1, entries)


@pytest.mark.parametrize(("hour_day_after", "days_late"), [(None, 0), (0, 1)])
def test_bst_midnight_submission_is_a_day_late(pair, hour_day_after, days_late):
    practice, home = pair
    due = Q1.default_due_date
    when = (
        at(due, 23)
        if hour_day_after is None
        else at(due + datetime.timedelta(days=1), 0) + datetime.timedelta(minutes=30)
    )
    worksheet = submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)},
        when=when,
    )
    assert worksheet.days_late == days_late
    assert worksheet.deduction_pence == (3000 if days_late else 0)


def test_submission_is_audited(pair):
    practice, home = pair
    submit(
        practice,
        Q1,
        {home.pk: LineEntry(opening=1, new_permanent=0, temporary=0, moved_out=0, died=0)},
    )
    event = AuditEvent.objects.get(action="worksheet_submit")
    assert event.after["net_pence"] == 6000
