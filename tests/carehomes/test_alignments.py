import datetime

import pytest
from django.core.exceptions import ValidationError

from carehomes import services
from carehomes.models import Alignment, CareHome
from tests import factories as f

D = datetime.date
Q2_2019 = (D(2019, 7, 1), D(2019, 9, 30))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "counts"),
    [
        (D(2019, 9, 30), None, True),  # starts on the quarter's last day
        (D(2018, 4, 1), D(2019, 7, 1), True),  # ends on the quarter's first day
        (D(2018, 4, 1), D(2019, 6, 30), False),  # ended the day before the quarter
        (D(2019, 10, 1), None, False),  # starts the day after
        (D(2019, 8, 1), D(2019, 8, 2), True),  # two days inside
    ],
)
def test_home_counts_as_aligned_if_alignment_covers_any_day_of_quarter(start, end, counts):
    alignment = f.AlignmentFactory(start_date=start, end_date=end)
    assert Alignment.objects.covering(*Q2_2019).filter(pk=alignment.pk).exists() is counts


@pytest.mark.django_db
def test_home_may_be_aligned_with_two_practices_at_once():
    home = f.CareHomeFactory()
    f.AlignmentFactory(care_home=home)
    services.alignment_save(
        alignment=Alignment(
            care_home=home, practice=f.PracticeFactory(), start_date=D(2019, 1, 1), lead_gp="Dr B"
        ),
        by=None,
    )
    assert home.alignments.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        (D(2019, 4, 1), None, True),  # the day after the earlier one ends
        (D(2019, 3, 31), None, False),  # the earlier one's last day
        (D(2017, 1, 1), D(2018, 3, 31), True),  # before it
        (D(2017, 1, 1), D(2018, 4, 1), False),  # touches its first day
    ],
)
def test_alignments_of_one_pair_cannot_overlap(start, end, allowed):
    existing = f.AlignmentFactory(start_date=D(2018, 4, 1), end_date=D(2019, 3, 31))
    new = Alignment(
        care_home=existing.care_home,
        practice=existing.practice,
        start_date=start,
        end_date=end,
        lead_gp="Dr C",
    )
    if allowed:
        services.alignment_save(alignment=new, by=None)
        assert existing.care_home.alignments.count() == 2
    else:
        with pytest.raises(ValidationError, match="cannot overlap"):
            services.alignment_save(alignment=new, by=None)
        assert existing.care_home.alignments.count() == 1


@pytest.mark.django_db
def test_alignment_end_before_start_refused():
    existing = f.AlignmentFactory.build(
        care_home=f.CareHomeFactory(),
        practice=f.PracticeFactory(),
        start_date=D(2019, 4, 1),
        end_date=D(2019, 3, 1),
    )
    with pytest.raises(ValidationError):
        services.alignment_save(alignment=existing, by=None)


@pytest.mark.django_db
def test_learning_disability_homes_are_not_eligible():
    ld = f.CareHomeFactory(category=CareHome.Category.LEARNING_DISABILITY)
    emi = f.CareHomeFactory(category=CareHome.Category.EMI, nursing=True)
    eligible = set(CareHome.objects.eligible())
    assert emi in eligible and ld not in eligible
    assert not ld.is_eligible
