"""The scheme comparison's rules (reports/schemes.py): sharing a home's beds, pricing the per-bed
schemes with one half-up rounding, acuity tiers, and this LES's projection of quarters to come."""

from fractions import Fraction

import pytest

from claims.rules import DEFAULT_RATES, Line
from core.money import round_half_up
from core.periods import Period
from reports.schemes import (
    HIGHER,
    STANDARD,
    BedRates,
    HomeYear,
    WorksheetFigures,
    bed_shares,
    compare_practice,
    home_years,
    les_figure,
    per_bed_payment,
    practice_basis,
    price_home,
)

RATES = BedRates(des=12000, standard_acuity=12000, higher_acuity=19000)  # £120, £120, £190


def line(opening, new_permanent=0, temporary=0, moved_out=0, died=0):
    return Line(
        opening=opening,
        new_permanent=new_permanent,
        temporary=temporary,
        moved_out=moved_out,
        died=died,
    )


def worksheet(year, quarter, lines, gross=None, net=None, rejected=False):
    if gross is None:  # priced at the default tariff, as the service stores it
        gross = sum(
            ln.opening * 6000 + ln.new_permanent * 10200 + ln.temporary * 6000
            for ln in lines.values()
        )
    return WorksheetFigures(
        period=Period(year, quarter),
        gross=gross,
        net=gross if net is None else net,
        rejected=rejected,
        lines=lines,
    )


# -- sharing the beds -----------------------------------------------------------------------------


def test_bed_shares_in_proportion_to_patients():
    shares = bed_shares(HomeYear(beds=30, tier=STANDARD, patients={"A": 12, "B": 18}))
    assert shares == {"A": Fraction(2, 5), "B": Fraction(3, 5)}


def test_bed_shares_add_up_to_exactly_one():
    shares = bed_shares(HomeYear(beds=40, tier=STANDARD, patients={"A": 1, "B": 1, "C": 1}))
    assert sum(shares.values()) == 1
    assert shares["A"] == Fraction(1, 3)


def test_bed_shares_equal_when_no_practice_has_patients_there():
    shares = bed_shares(HomeYear(beds=30, tier=STANDARD, patients={"A": 0, "B": 0, "C": 0}))
    assert shares == {"A": Fraction(1, 3), "B": Fraction(1, 3), "C": Fraction(1, 3)}


def test_bed_shares_a_practice_with_no_patients_gets_none_when_another_has_some():
    shares = bed_shares(HomeYear(beds=30, tier=STANDARD, patients={"A": 0, "B": 7}))
    assert shares == {"A": 0, "B": 1}


def test_bed_shares_a_home_of_one_practice_is_all_its_own():
    assert bed_shares(HomeYear(beds=30, tier=STANDARD, patients={"A": 9})) == {"A": 1}


def test_zero_patient_home_still_pays_the_per_bed_schemes():
    home = HomeYear(beds=25, tier=HIGHER, patients={"A": 0})
    price = price_home(home, "A", RATES)
    assert (price.share, price.des, price.acuity) == (1, 300000, 475000)


def test_price_home_of_a_practice_not_sharing_it_is_nothing():
    price = price_home(HomeYear(beds=25, tier=STANDARD, patients={"A": 3}), "B", RATES)
    assert (price.share, price.des, price.acuity) == (0, 0, 0)


# -- one exact step, rounded half-up once -----------------------------------------------------------


def test_round_half_up_rounds_a_half_penny_up_not_to_even():
    assert round_half_up(Fraction(5, 2)) == 3  # banker's rounding would give 2
    assert round_half_up(Fraction(7, 2)) == 4
    assert round_half_up(Fraction(4999, 10000)) == 0
    assert round_half_up(Fraction(1, 2)) == 1


def test_per_bed_payment_refuses_a_negative_amount():
    with pytest.raises(ValueError, match="never pays a negative amount"):
        per_bed_payment(-1, 1, Fraction(1, 2))


def test_per_bed_payment_at_exactly_half_a_penny_rounds_up():
    # £190 × 5 beds × 1/16 = 5,937.5p exactly → 5,938p; 15/16 → 89,062.5p → 89,063p.
    assert per_bed_payment(19000, 5, Fraction(1, 16)) == 5938
    assert per_bed_payment(19000, 5, Fraction(15, 16)) == 89063


def test_per_bed_payment_just_under_half_a_penny_rounds_down():
    # £120.01 × 1 bed × 1/3 = 4,000.333…p → 4,000p; × 2/3 = 8,000.666…p → 8,001p.
    assert per_bed_payment(12001, 1, Fraction(1, 3)) == 4000
    assert per_bed_payment(12001, 1, Fraction(2, 3)) == 8001


def test_per_bed_payment_is_rounded_once_not_after_rounding_the_share():
    # 1/3 of 40 beds at £120: exactly 160,000p. Rounding the share first (33.3%) would give
    # 159,840p; rounding the beds first (13 beds) 156,000p.
    assert per_bed_payment(12000, 40, Fraction(1, 3)) == 160000


def test_price_home_rounds_each_scheme_once_for_the_practice():
    home = HomeYear(beds=5, tier=HIGHER, patients={"A": 1, "B": 15})
    price = price_home(home, "A", RATES)
    assert price.share == Fraction(1, 16)
    assert price.des == 3750  # £120 × 5 × 1/16 = 3,750p exactly
    assert price.acuity == 5938  # £190 × 5 × 1/16 = 5,937.5p → 5,938p


# -- acuity tiers ---------------------------------------------------------------------------------


def test_acuity_tier_higher_pays_the_higher_rate():
    home = HomeYear(beds=30, tier=HIGHER, patients={"A": 10})
    assert price_home(home, "A", RATES).acuity == 570000  # £190 × 30


def test_acuity_tier_standard_pays_the_standard_rate():
    rates = BedRates(des=12000, standard_acuity=11000, higher_acuity=19000)
    home = HomeYear(beds=30, tier=STANDARD, patients={"A": 10})
    price = price_home(home, "A", rates)
    assert (price.des, price.acuity) == (360000, 330000)


def test_acuity_tier_unknown_is_refused():
    with pytest.raises(ValueError, match="not an acuity tier"):
        RATES.acuity("extreme")


# -- the practice's homes and patients -------------------------------------------------------------


def test_basis_patients_are_the_latest_closing_of_the_year_for_each_home():
    sheets = [
        worksheet(2019, 1, {"H1": line(10, new_permanent=2), "H2": line(4)}),
        worksheet(2019, 2, {"H1": line(12, moved_out=1, died=2)}),  # H2 no longer aligned
    ]
    basis = practice_basis(sheets, 2019)
    assert basis.patients == {"H1": 9, "H2": 4}
    assert basis.latest == Period(2019, 2)
    assert basis.projection == {"H1": 9}  # only the homes on the latest worksheet continue


def test_basis_ignores_worksheets_of_other_years_when_the_year_has_some():
    sheets = [worksheet(2018, 4, {"H9": line(30)}), worksheet(2019, 1, {"H1": line(5)})]
    basis = practice_basis(sheets, 2019)
    assert basis.patients == {"H1": 5}
    assert not basis.carried_over


def test_basis_without_a_worksheet_in_the_year_carries_over_the_latest_of_the_year_before():
    sheets = [
        worksheet(2018, 3, {"H1": line(7)}),
        worksheet(2018, 4, {"H1": line(7, new_permanent=1)}),
        worksheet(2017, 4, {"H5": line(3)}),  # two years back: not looked at
    ]
    basis = practice_basis(sheets, 2019)
    assert basis.carried_over
    assert basis.patients == {"H1": 8}
    assert basis.projected == tuple(Period(2019, q) for q in (1, 2, 3, 4))


def test_basis_with_no_worksheets_has_no_homes_and_projects_nothing():
    basis = practice_basis([worksheet(2017, 4, {"H5": line(3)})], 2019)
    assert basis.patients == {}
    assert basis.latest is None
    assert basis.projected == ()


def test_home_years_share_a_home_between_the_practices_with_it_on_their_worksheets():
    bases = {
        "A": practice_basis([worksheet(2019, 2, {"H1": line(12), "H2": line(3)})], 2019),
        "B": practice_basis([worksheet(2019, 1, {"H1": line(18)})], 2019),
        "C": practice_basis([worksheet(2019, 2, {"H3": line(6)})], 2019),
    }
    homes = home_years(bases, {"H1": (30, STANDARD), "H2": (20, HIGHER)})
    assert homes["H1"] == HomeYear(beds=30, tier=STANDARD, patients={"A": 12, "B": 18})
    assert homes["H2"].patients == {"A": 3}
    assert "H3" not in homes  # not asked about


# -- this LES and its projection -------------------------------------------------------------------


def test_les_figure_projects_the_quarters_after_the_latest_worksheet_at_the_continuing_rate():
    sheets = [
        worksheet(2019, 1, {"H1": line(10, new_permanent=2)}),  # 10 × £60 + 2 × £102 = £804
        worksheet(2019, 2, {"H1": line(12, died=1)}, net=68400),  # £720, 5% late → £684
    ]
    basis = practice_basis(sheets, 2019)
    figure = les_figure(sheets, basis, DEFAULT_RATES)
    assert [q.kind for q in figure.quarters] == ["submitted", "submitted", "projected", "projected"]
    assert figure.projected == (Period(2019, 3), Period(2019, 4))
    # Q3 and Q4: 11 closing patients × £60 = £660 each, no deduction assumed.
    assert [q.gross for q in figure.quarters] == [80400, 72000, 66000, 66000]
    assert figure.gross == 80400 + 72000 + 2 * 66000
    assert figure.net == 80400 + 68400 + 2 * 66000
    assert figure.per_home == {"H1": figure.gross}


def test_les_figure_with_every_quarter_submitted_projects_nothing():
    sheets = [worksheet(2019, q, {"H1": line(5)}) for q in (1, 2, 3, 4)]
    figure = les_figure(sheets, practice_basis(sheets, 2019), DEFAULT_RATES)
    assert figure.projected == ()
    assert figure.gross == 4 * 30000


def test_les_figure_carried_over_projects_the_whole_year():
    sheets = [worksheet(2018, 4, {"H1": line(5, new_permanent=1)})]  # closing 6
    figure = les_figure(sheets, practice_basis(sheets, 2019), DEFAULT_RATES)
    assert figure.gross == figure.net == 4 * 6 * 6000


def test_les_figure_a_rejected_claim_pays_nothing_and_is_not_projected():
    sheets = [
        worksheet(2019, 1, {"H1": line(5)}),
        worksheet(2019, 2, {"H1": line(50), "H2": line(9)}, rejected=True),
    ]
    basis = practice_basis(sheets, 2019)
    figure = les_figure(sheets, basis, DEFAULT_RATES)
    assert [q.kind for q in figure.quarters] == ["submitted", "rejected", "projected", "projected"]
    # The rejected figures are not believed: Q3 and Q4 are projected from Q1's 5 patients.
    assert basis.patients == {"H1": 5} and basis.projected_from == Period(2019, 1)
    assert figure.gross == figure.net == 30000 + 0 + 2 * 30000
    assert figure.per_home == {"H1": figure.gross}


def test_basis_of_only_rejected_claims_has_no_homes_and_projects_nothing():
    sheets = [worksheet(2019, 1, {"H1": line(5)}, rejected=True)]
    basis = practice_basis(sheets, 2019)
    assert (basis.patients, basis.projected, basis.latest) == ({}, (), Period(2019, 1))
    assert les_figure(sheets, basis, DEFAULT_RATES).gross == 0


def test_basis_of_a_rejected_claim_in_the_year_falls_back_to_the_year_before():
    sheets = [
        worksheet(2018, 4, {"H1": line(7)}),
        worksheet(2019, 1, {"H1": line(70)}, rejected=True),
    ]
    basis = practice_basis(sheets, 2019)
    assert basis.carried_over and basis.patients == {"H1": 7}
    assert basis.projected == (Period(2019, 2), Period(2019, 3), Period(2019, 4))


def test_les_figure_quarters_before_the_first_worksheet_of_the_year_are_not_projected():
    sheets = [worksheet(2019, 3, {"H1": line(4)})]  # joined the LES in Q3
    figure = les_figure(sheets, practice_basis(sheets, 2019), DEFAULT_RATES)
    assert [q.kind for q in figure.quarters] == ["none", "none", "submitted", "projected"]
    assert figure.gross == 2 * 24000


def test_les_figure_uses_the_stored_payment_of_a_submitted_worksheet():
    sheets = [worksheet(2019, 1, {"H1": line(5)}, gross=30000, net=0)]  # 22 days late: nothing
    figure = les_figure(sheets, practice_basis(sheets, 2019), DEFAULT_RATES)
    assert figure.quarters[0].net == 0
    assert figure.net == 0 + 3 * 30000


# -- a practice's comparison -----------------------------------------------------------------------


def test_compare_practice_prices_each_home_and_totals_them():
    sheets_a = [worksheet(2019, 1, {"H1": line(12), "H2": line(0)})]
    sheets_b = [worksheet(2019, 1, {"H1": line(18)})]
    bases = {"A": practice_basis(sheets_a, 2019), "B": practice_basis(sheets_b, 2019)}
    homes = home_years(bases, {"H1": (30, HIGHER), "H2": (7, STANDARD)})
    result = compare_practice(
        "A", sheets_a, homes, basis=bases["A"], rates=RATES, tariff=DEFAULT_RATES
    )
    h1, h2 = result.homes
    # H1: 12 of 30 patients → 2/5 of 30 beds = 12 beds: DES £1,440, acuity £2,280.
    assert (h1.share, h1.des, h1.acuity) == (Fraction(2, 5), 144000, 228000)
    # H2: nobody's patients there, A alone has it: all 7 beds at £120.
    assert (h2.share, h2.des, h2.acuity) == (1, 84000, 84000)
    assert h1.les == 4 * 12 * 6000 and h2.les == 0  # Q1 submitted, Q2–Q4 projected
    totals = result.totals
    assert (totals.des, totals.acuity) == (144000 + 84000, 228000 + 84000)
    assert totals.les_gross == sum(row.les for row in result.homes)
