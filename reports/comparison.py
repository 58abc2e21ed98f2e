"""The scheme comparison's reads: a financial year's figures for one practice, a PCN or a whole
commissioner, priced by ``reports/schemes.py``.

Seven queries whatever the number of practices, homes and worksheets (the page tests hold it): the
practices, their worksheets of the year and the year before (for a practice with none in the year
yet), the lines of every practice at their homes in those years, the other practices' worksheets of
those years, the homes, the tariff and the scheme rates.

Everything the user is shown comes through their :class:`~accounts.access.Scope`. Sharing a home's
beds needs the patients there of every practice that has the home on its worksheets, including
practices the user may not see (another practice, another commissioner across a boundary): those
figures are read here only to divide the beds, and reach the page only as the practice's share.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace
from fractions import Fraction

from django.db.models import QuerySet

from accounts.access import Scope
from carehomes.models import CareHome
from claims.models import Quarter, Worksheet, WorksheetLine
from claims.rules import Line, Rates
from claims.selectors import rates_for, years_with
from core.money import round_half_up
from core.periods import Period
from practices.models import PCN, Practice
from practices.selectors import pcn_ids_in_quarters
from reports import schemes
from reports.dashboard import financial_year_label
from reports.figures import Column, Figure, money
from reports.models import SchemeRates

_LINE_FIELDS = ("opening", "new_permanent", "temporary", "moved_out", "died")


def years_with_worksheets(worksheets: QuerySet[Worksheet]) -> list[int]:
    """The financial years (newest first) with at least one of these worksheets."""
    return years_with(worksheets)


# -- what the page shows --------------------------------------------------------------------------


def percent_text(share: Fraction) -> str:
    """``3/8`` → ``37.5%``, ``2/5`` → ``40%``: a share of beds to a tenth of a per cent, half-up."""
    tenths = round_half_up(share * 1000)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}%" if tenth else f"{whole}%"


@dataclass(frozen=True)
class HomeLine:
    """A home of a practice's comparison, with the care home itself for the page."""

    care_home: CareHome
    row: schemes.HomeRow

    @property
    def share_text(self) -> str:
        return percent_text(self.row.share)

    @property
    def shared(self) -> bool:
        return self.row.share != 1

    @property
    def tier_label(self) -> str:
        return self.care_home.get_acuity_tier_display()

    @property
    def money(self) -> dict[str, str]:
        return {name: money(getattr(self.row, name)) for name in ("les", "des", "acuity")}


@dataclass(frozen=True)
class PracticeResult:
    practice: Practice
    schemes: schemes.PracticeSchemes
    homes: list[HomeLine]
    schemes_tariff: Rates

    @property
    def totals(self) -> schemes.Totals:
        return self.schemes.totals

    @property
    def basis(self) -> schemes.Basis:
        return self.schemes.basis

    @property
    def quarters(self) -> tuple[schemes.QuarterFigure, ...]:
        return self.schemes.les.quarters

    @property
    def projected_text(self) -> str:
        """``Q3 and Q4``, or empty when nothing is projected."""
        names = [f"Q{p.quarter}" for p in self.schemes.les.projected]
        if len(names) > 1:
            return ", ".join(names[:-1]) + " and " + names[-1]
        return "".join(names)

    @property
    def has_figures(self) -> bool:
        return self.basis.latest is not None

    @property
    def totals_text(self) -> dict[str, str]:
        return totals_text(self.totals)

    @property
    def quarter_lines(self) -> list[dict]:
        """Each quarter of the LES figure in words, for the page's table."""
        basis, tariff = self.basis, self.schemes_tariff
        described = {
            "submitted": "Worksheet submitted",
            "rejected": "Claim rejected: nothing paid",
            "none": "No worksheet owed before the practice's first of the year",
        }
        if basis.projected_from is not None:
            patients = sum(basis.projection.values())
            described["projected"] = (
                f"{patients} patient{'s' if patients != 1 else ''} (the closing figures of the "
                f"{basis.projected_from.label} worksheet) × {money(tariff.continuing)}, the "
                "continuing rate"
            )
        return [
            {
                "label": q.period.label,
                "kind": q.kind,
                "description": described[q.kind],
                "gross": money(q.gross),
                "net": money(q.net),
            }
            for q in self.quarters
        ]


@dataclass(frozen=True)
class _FinancialYear:
    first_day: datetime.date
    last_day: datetime.date


@dataclass(frozen=True)
class GroupResult:
    """A PCN's row of a commissioner's comparison."""

    pcn: PCN
    practices: list[PracticeResult]

    @property
    def totals(self) -> schemes.Totals:
        return schemes.total(p.totals for p in self.practices)

    @property
    def totals_text(self) -> dict[str, str]:
        return totals_text(self.totals)


@dataclass(frozen=True)
class Comparison:
    year: int
    scheme_rates: SchemeRates
    rates: schemes.BedRates
    tariff: Rates
    practices: list[PracticeResult]

    @property
    def financial_year(self) -> str:
        return financial_year_label(self.year)

    @property
    def previous_financial_year(self) -> str:
        return financial_year_label(self.year - 1)

    @property
    def rates_year(self) -> str:
        return financial_year_label(self.scheme_rates.year)

    @property
    def totals(self) -> schemes.Totals:
        return schemes.total(p.totals for p in self.practices)

    @property
    def totals_text(self) -> dict[str, str]:
        return totals_text(self.totals)

    @property
    def rates_text(self) -> dict[str, str]:
        return {
            "des": money(self.rates.des),
            "standard_acuity": money(self.rates.standard_acuity),
            "higher_acuity": money(self.rates.higher_acuity),
            "continuing": money(self.tariff.continuing),
        }

    def by_pcn(self) -> list[GroupResult]:
        """Practices grouped by the PCN each belonged to at the end of the financial year (the
        year's figures are one per practice, so a practice that moved mid-year counts once)."""
        year_span = _FinancialYear(Period(self.year, 1).first_day, Period(self.year, 4).last_day)
        pcn_of = pcn_ids_in_quarters([r.practice.pk for r in self.practices], [year_span])
        pcns = {pcn.pk: pcn for pcn in PCN.objects.filter(pk__in=set(pcn_of.values()))}
        groups: dict[int, GroupResult] = {}
        for result in self.practices:
            pcn = pcns[pcn_of[result.practice.pk, year_span]]
            groups.setdefault(pcn.pk, GroupResult(pcn, [])).practices.append(result)
        return sorted(groups.values(), key=lambda g: (g.pcn.name, g.pcn.code))

    def figure(self, of: str) -> Figure:
        """The totals per scheme as a chart and its table (``of``: whose, for the title)."""
        t = self.totals
        return Figure(
            slug="scheme-totals",
            title=f"What each scheme would pay {of} in {self.financial_year}",
            summary=(
                f"In {self.financial_year} this LES would pay {money(t.les_net)} after lateness "
                f"deductions ({money(t.les_gross)} before), the network DES {money(t.des)} and "
                f"the acuity-tiered scheme {money(t.acuity)}."
            ),
            columns=(Column("Scheme", "text"), Column("A year", "money")),
            rows=[
                ("This LES, before deductions", t.les_gross),
                ("This LES, after deductions", t.les_net),
                ("Network DES", t.des),
                ("Acuity-tiered scheme", t.acuity),
            ],
            series=(1,),
        )


def totals_text(totals: schemes.Totals) -> dict[str, str]:
    return {
        name: money(getattr(totals, name)) for name in ("les_gross", "les_net", "des", "acuity")
    }


# -- the reads ------------------------------------------------------------------------------------


def compare(scope: Scope, practices: QuerySet[Practice], year: int) -> Comparison:
    """The comparison for ``year`` of ``practices`` (narrowed to the user's scope), a row each.

    Raises ``LookupError`` when no tariff covers the year (projected quarters cannot be priced)."""
    chosen = Practice.objects.visible_to(scope).filter(pk__in=practices.values("pk"))
    window = (year - 1, year)

    # Scope first (issue 18, ADR 0045): each read is narrowed by the ids the one before returned
    # (the chosen practices, their worksheets of the window, the homes on them), so the database
    # never joins the nation's worksheet lines to find the few at these homes.
    practice_list = list(chosen.order_by("name", "ods_code"))
    chosen_ids = [p.pk for p in practice_list]
    own_rows = list(
        Worksheet.objects.visible_to(scope).filter(
            practice_id__in=chosen_ids, quarter__year__in=window
        ).values(
            "pk", "practice_id", "quarter__year", "quarter__number", "status",
            "gross_pence", "net_pence",
        )
    )  # fmt: skip
    care_homes = {
        h.pk: h
        for h in CareHome.objects.filter(
            pk__in=WorksheetLine.objects.filter(
                worksheet_id__in=[row["pk"] for row in own_rows]
            ).values("care_home_id")
        )
    }
    # Tuples, not dictionaries: a commissioner's comparison reads thousands of lines (issue 18).
    line_rows = list(
        WorksheetLine.objects.filter(
            care_home_id__in=list(care_homes), worksheet__quarter__year__in=window
        ).values_list("worksheet_id", "worksheet__practice_id", "care_home_id", *_LINE_FIELDS)
    )
    others = {row[1] for row in line_rows} - set(chosen_ids)
    other_rows = list(
        Worksheet.objects.filter(quarter__year__in=window, practice_id__in=others).values(
            "pk", "practice_id", "quarter__year", "quarter__number", "status"
        )
    )
    tariff = rates_for(Quarter(year=year, number=1))
    scheme_rates = SchemeRates.for_year(year)

    lines: dict[int, dict[int, Line]] = defaultdict(dict)
    for worksheet_id, _practice_id, care_home_id, *counts in line_rows:
        lines[worksheet_id][care_home_id] = Line(*counts)
    worksheets: dict[int, list[schemes.WorksheetFigures]] = defaultdict(list)
    for row in own_rows + other_rows:
        worksheets[row["practice_id"]].append(
            schemes.WorksheetFigures(
                period=Period(row["quarter__year"], row["quarter__number"]),
                gross=row.get("gross_pence", 0),
                net=row.get("net_pence", 0),
                rejected=row["status"] == Worksheet.Status.REJECTED,
                lines=lines.get(row["pk"], {}),
            )
        )
    bases = {pk: schemes.practice_basis(figures, year) for pk, figures in worksheets.items()}
    homes = schemes.home_years(
        bases, {pk: (home.beds, home.acuity_tier) for pk, home in care_homes.items()}
    )
    rates = schemes.BedRates(
        des=scheme_rates.des_per_bed_pence,
        standard_acuity=scheme_rates.standard_acuity_per_bed_pence,
        higher_acuity=scheme_rates.higher_acuity_per_bed_pence,
    )

    results = []
    for practice in practice_list:
        basis = bases.get(practice.pk) or schemes.practice_basis([], year)
        by_name = sorted(basis.patients.items(), key=lambda i: (care_homes[i[0]].name, i[0]))
        basis = replace(basis, patients=dict(by_name))  # the page lists homes by name
        compared = schemes.compare_practice(
            practice.pk,
            worksheets.get(practice.pk, []),
            homes,
            basis=basis,
            rates=rates,
            tariff=tariff,
        )
        results.append(
            PracticeResult(
                practice=practice,
                schemes=compared,
                homes=[HomeLine(care_homes[row.home], row) for row in compared.homes],
                schemes_tariff=tariff,
            )
        )
    return Comparison(
        year=year, scheme_rates=scheme_rates, rates=rates, tariff=tariff, practices=results
    )
