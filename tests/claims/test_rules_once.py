"""Each rule once, below every entry point: the bounds of a count, the quarter-has-ended rule, the
lateness bands checked when read and the one "late but still paid" rule."""

import datetime
from decimal import Decimal

import pytest

from claims import selectors
from claims.models import LatenessBand, Worksheet
from claims.rules import (
    DEFAULT_BANDS,
    MAX_COUNT,
    Band,
    InvalidBands,
    Line,
    Release,
    check_line,
    still_paid,
)
from claims.worksheets.services import (
    LineEntry,
    WorksheetRefused,
    quarter_for,
    worksheet_assemble,
    worksheet_submit,
)
from core.periods import LONDON, Period
from tests import factories as f

D = datetime.date
Q1 = Period(2019, 1)  # April to June 2019


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), LONDON)


# -- the bounds of a count ---------------------------------------------------------------------


def test_a_count_above_the_bound_is_refused_by_the_rules():
    line = Line(opening=0, new_permanent=MAX_COUNT + 1, temporary=0, moved_out=0, died=0)
    problems = check_line(line, beds=5000)
    assert [(p.field, p.message, p.is_warning) for p in problems] == [
        ("new_permanent", "must be no more than 999", False)
    ]


def test_a_carried_forward_opening_above_the_bound_is_not_refused():
    """The opening is the previous closing, computed by the rules: a chain of quarters may carry it
    past the bound a person may type, and the worksheet must still be accepted."""
    line = Line(opening=MAX_COUNT + 1, new_permanent=0, temporary=0, moved_out=0, died=0)
    assert check_line(line, beds=5000) == []


def test_a_count_at_the_bound_is_accepted():
    line = Line(opening=MAX_COUNT, new_permanent=0, temporary=0, moved_out=0, died=0)
    assert check_line(line, beds=5000) == []


# -- the quarter has ended ----------------------------------------------------------------------


def test_a_quarter_ends_on_its_last_day_london_time():
    assert not Q1.has_ended(D(2019, 6, 30))
    assert Q1.has_ended(D(2019, 7, 1))
    assert Q1.opens_on == D(2019, 7, 1)


@pytest.fixture
def pair(db):
    alignment = f.AlignmentFactory(care_home__beds=40)
    f.AgreementFactory(practice=alignment.practice)
    return alignment.practice, alignment.care_home


ENTRY = LineEntry(opening=10, new_permanent=0, temporary=0, moved_out=0, died=0)


def test_the_service_refuses_a_submission_before_the_quarter_ends(pair):
    practice, home = pair
    # 23:00 BST on 30 June: the last day of the quarter.
    with pytest.raises(WorksheetRefused) as refused:
        worksheet_submit(
            practice=practice,
            quarter=quarter_for(Q1),
            entries={home.pk: ENTRY},
            by=None,
            submitted_at=at(D(2019, 6, 30), hour=23),
        )
    assert [str(p) for p in refused.value.problems] == [
        "The 2019/20 Q1 worksheet can be submitted from 1 July 2019, once the quarter has ended."
    ]
    assert not Worksheet.objects.exists()


def test_the_service_accepts_a_submission_the_day_after_the_quarter_ends(pair):
    practice, home = pair
    # 00:30 BST on 1 July is 23:30 UTC on 30 June: the London date is what counts.
    moment = datetime.datetime(2019, 6, 30, 23, 30, tzinfo=datetime.UTC)
    worksheet = worksheet_submit(
        practice=practice,
        quarter=quarter_for(Q1),
        entries={home.pk: ENTRY},
        by=None,
        submitted_at=moment,
    )
    assert worksheet.days_late == 0


def test_checking_figures_before_the_quarter_ends_still_prices_them(pair):
    practice, home = pair
    quarter = quarter_for(Q1)
    check = worksheet_assemble(
        practice=practice,
        quarter=quarter,
        entries={home.pk: ENTRY},
        submitted_at=at(D(2019, 6, 20)),
        submitting=False,
    )
    assert check.problems == [] and check.payment.gross == 10 * 6000
    submission = worksheet_assemble(
        practice=practice,
        quarter=quarter,
        entries={home.pk: ENTRY},
        submitted_at=at(D(2019, 6, 20)),
    )
    assert [p.message for p in submission.problems] == [
        "The 2019/20 Q1 worksheet can be submitted from 1 July 2019, once the quarter has ended."
    ]
    assert submission.payment.gross == 10 * 6000  # the preview still shows what it would pay


# -- the bands, checked when read -----------------------------------------------------------------


def test_an_empty_band_table_means_the_rule_books_bands(db):
    LatenessBand.objects.all().delete()
    assert selectors.bands() == DEFAULT_BANDS


def test_the_seeded_band_table_is_read_as_it_is(db):
    LatenessBand.objects.filter(min_days=1).update(deduction_percent=Decimal("6"))
    assert selectors.bands()[1].deduction_percent == Decimal("6")


def test_a_band_table_with_a_gap_is_refused_when_read(db):
    LatenessBand.objects.filter(min_days=8).delete()
    with pytest.raises(InvalidBands, match="The lateness band table cannot be used: .*follow"):
        selectors.bands()


def test_a_band_table_deducting_less_as_lateness_rises_is_refused_when_read(db):
    LatenessBand.objects.filter(min_days=15).update(deduction_percent=Decimal("1"))
    with pytest.raises(InvalidBands, match="cannot deduct less"):
        selectors.bands()


# -- late but still paid ---------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "paid"), [(0, True), (1, True), (21, True), (22, False)])
def test_still_paid_under_the_default_bands(days, paid):
    assert still_paid(days, DEFAULT_BANDS) is paid


def test_still_paid_however_late_when_the_open_band_pays():
    bands = (
        Band(0, 0, Decimal("0"), Release.NEXT_RUN),
        Band(1, None, Decimal("5"), Release.NEXT_RUN),
    )
    assert still_paid(400, bands)
