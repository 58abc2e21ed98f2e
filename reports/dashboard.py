"""The officers' dashboard: the figures a contracting team reads each quarter, for one financial year of
the practices in the user's scope (``accounts.access.Scope``). Each function returns a
:class:`reports.figures.Figure`; the page draws it, and the CSV and XLSX downloads send the same rows.

Words used (ADR 0016):

- **On time / late by band / not submitted**: a worksheet is counted in the band of its days late at
  first submission (a resubmission after a query does not move it); *not submitted* is a practice
  that owes the quarter's worksheet and has not sent it by the due date
  (``claims.selectors.practices_overdue``): a quarter not yet due has nobody missing.
- **Spend**: the net (after any lateness deduction) of claims approved for payment: approved,
  scheduled into a payment run, or paid. Claims still being checked, queried or rejected are not spend.
- **Deductions** are those in force; a **waived** deduction is the band's deduction the officer
  waived, worked out from the claim's gross and its band exactly as the rules would have taken it.

Each figure costs a fixed number of queries however many practices and claims there are: the
worksheets come back as plain tuples and are summed here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.db.models import F, Sum
from django.utils import timezone

from accounts.access import Scope
from claims import selectors
from claims.models import Quarter, Worksheet
from claims.rules import band_for, percentage_of
from core.periods import Period
from practices.models import PCN, Practice
from practices.selectors import pcn_ids_in_quarters
from reports.figures import Column, Figure, money

SPEND_STATUSES = (
    Worksheet.Status.APPROVED,
    Worksheet.Status.SCHEDULED,
    Worksheet.Status.PAID,
)


def financial_year_label(year: int) -> str:
    """``2019`` → ``2019/20``."""
    return Period(year, 1).financial_year


def years_with_claims(scope: Scope) -> list[int]:
    """Financial years that have a quarter with a worksheet in scope, latest first."""
    return selectors.years_with(Worksheet.objects.visible_to(scope))


def _quarters(year: int) -> dict[int, Quarter]:
    return {q.number: q for q in Quarter.objects.filter(year=year)}


def submissions(scope: Scope, year: int, *, today: datetime.date | None = None) -> Figure:
    """Per quarter: worksheets on time, late in each band, and practices that owe one and have not
    sent it by its due date (``today``: the London date, by default now's)."""
    today = today or timezone.localdate()
    bands = selectors.bands()  # the first starts at day 0: on time, under the default table
    quarters = _quarters(year)
    counted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    submitted: dict[int, set[int]] = defaultdict(set)
    for number, practice_id, days in (
        Worksheet.objects.visible_to(scope)
        .filter(quarter__year=year)
        .values_list("quarter__number", "practice_id", "days_late")
    ):
        counted[number][band_for(days, bands).label] += 1
        submitted[number].add(practice_id)
    in_scope = Practice.objects.visible_to(scope).values("pk")
    rows = []
    for number in range(1, 5):
        quarter = quarters.get(number)
        if quarter is None:
            continue
        # Owed, not submitted and past its due date (the one rule, claims.selectors): the open
        # quarter, which cannot be late yet, counts nobody as missing.
        missing = selectors.worksheets_overdue(quarter, today=today, practices=in_scope).count()
        rows.append(
            (quarter.label,) + tuple(counted[number][band.label] for band in bands) + (missing,)
        )
    columns = (
        (Column("Quarter", "text"),)
        + tuple(Column(band.label) for band in bands)
        + (Column("Not submitted"),)
    )
    on_time = sum(row[1] for row in rows)
    late = sum(sum(row[2:-1]) for row in rows)
    missing = sum(row[-1] for row in rows)
    summary = (
        f"In {financial_year_label(year)}, {on_time} worksheet{'s' if on_time != 1 else ''} "
        f"came in on time and {late} late; {missing} owed {'were' if missing != 1 else 'was'} "
        "not submitted."
        if rows
        else f"No quarters of {financial_year_label(year)} are open yet."
    )
    return Figure(
        slug="submissions",
        title="Worksheets on time, late and not submitted",
        summary=summary,
        columns=columns,
        rows=rows,
        series=tuple(range(1, len(columns))),
        stacked=True,
        note="A worksheet counts in the band of its first submission. Not submitted: practices "
        "that owe the quarter's worksheet and had not sent it when its due date passed; a quarter "
        "not yet due counts nobody.",
    )


def spend_by_pcn(scope: Scope, year: int) -> Figure:
    """Approved spend per PCN, quarter by quarter, and the year's total."""
    totals: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    spend = list(
        Worksheet.objects.visible_to(scope)
        .filter(quarter__year=year, status__in=SPEND_STATUSES)
        .values_list("practice_id", "quarter__number", "net_pence")
    )
    # Each quarter's spend goes to the PCN the practice belonged to in that quarter.
    quarters = {number: Period(year, number) for number in range(1, 5)}
    pcn_of = pcn_ids_in_quarters({p for p, _, _ in spend}, quarters.values())
    for practice_id, number, net in spend:
        totals[pcn_of[practice_id, quarters[number]]][number] += net
    rows = []
    for pcn in PCN.objects.visible_to(scope).filter(pk__in=list(totals)).order_by("name"):
        by_quarter = totals[pcn.pk]
        rows.append(
            (pcn.name,) + tuple(by_quarter[n] for n in range(1, 5)) + (sum(by_quarter.values()),)
        )
    grand = sum(row[-1] for row in rows)
    if rows:
        largest = max(rows, key=lambda row: row[-1])
        summary = (
            f"{money(grand)} approved for payment in {financial_year_label(year)} across "
            f"{len(rows)} PCN{'s' if len(rows) != 1 else ''}; the most to {largest[0]} "
            f"({money(largest[-1])})."
        )
    else:
        summary = f"No claims of {financial_year_label(year)} are approved for payment yet."
    return Figure(
        slug="spend-by-pcn",
        title="Spend by PCN and quarter",
        summary=summary,
        columns=(Column("PCN", "text"),)
        + tuple(Column(f"Q{n}", "money") for n in range(1, 5))
        + (Column("Year", "money"),),
        rows=rows,
        series=(1, 2, 3, 4),
        stacked=True,
        note="Spend: the net of claims approved for payment (approved, in a payment run, or paid).",
    )


TREND_YEARS = 5  # the trends' bound (ADR 0044): however long the history, five years a figure


def trends(scope: Scope, year: int | None = None) -> Figure:
    """The :data:`TREND_YEARS` financial years to ``year`` (by default the latest with claims in
    scope): practices claiming, patients claimed, gross, deductions and approved spend."""
    if year is None:
        year = next(iter(years_with_claims(scope)), None)
    by_year: dict[int, dict] = defaultdict(
        lambda: {"practices": set(), "gross": 0, "deductions": 0, "spend": 0}
    )
    worksheets = Worksheet.objects.visible_to(scope)
    if year is not None:
        worksheets = worksheets.filter(
            quarter__year__gt=year - TREND_YEARS, quarter__year__lte=year
        )
    for fy, practice_id, status, gross, deduction, net in worksheets.values_list(
        "quarter__year", "practice_id", "status", "gross_pence", "deduction_pence", "net_pence"
    ):
        entry = by_year[fy]
        entry["practices"].add(practice_id)
        entry["gross"] += gross
        entry["deductions"] += deduction
        if status in SPEND_STATUSES:
            entry["spend"] += net
    patients = dict(
        worksheets.values("quarter__year")
        .annotate(
            patients=Sum(F("lines__opening") + F("lines__new_permanent") + F("lines__temporary"))
        )
        .values_list("quarter__year", "patients")
    )
    rows = [
        (
            financial_year_label(fy),
            len(entry["practices"]),
            patients.get(fy) or 0,
            entry["gross"],
            entry["deductions"],
            entry["spend"],
        )
        for fy, entry in sorted(by_year.items())
    ]
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        summary = (
            f"Approved spend went from {money(first[-1])} in {first[0]} to {money(last[-1])} in "
            f"{last[0]}; patients claimed for from {first[2]:,} to {last[2]:,}."
        )
    elif rows:
        summary = f"One financial year so far: {money(rows[0][-1])} approved in {rows[0][0]}."
    else:
        summary = "No claims yet."
    return Figure(
        slug="trends",
        title=f"Trends over the {TREND_YEARS} financial years to "
        f"{financial_year_label(year) if year is not None else 'this one'}",
        summary=summary,
        columns=(
            Column("Financial year", "text"),
            Column("Practices claiming"),
            Column("Patients claimed for"),
            Column("Gross", "money"),
            Column("Deductions", "money"),
            Column("Approved spend", "money"),
        ),
        rows=rows,
        series=(3, 5),
        note="Patients claimed for: each quarter's opening, new permanent and temporary patients, "
        "added up over the year's quarters.",
    )


def deductions_and_waivers(scope: Scope, year: int) -> Figure:
    """Per quarter: late claims, the deductions taken, and the deductions waived."""
    quarters = _quarters(year)
    rows_by_quarter: dict[int, list[int]] = {n: [0, 0, 0, 0] for n in quarters}
    for number, days, deduction, waived, gross, band_percent in (
        Worksheet.objects.visible_to(scope)
        .filter(quarter__year=year)
        .values_list(
            "quarter__number",
            "days_late",
            "deduction_pence",
            "waived",
            "gross_pence",
            "band_deduction_percent",
        )
    ):
        entry = rows_by_quarter.setdefault(number, [0, 0, 0, 0])
        if days > 0:
            entry[0] += 1
        entry[1] += deduction
        if waived:
            entry[2] += 1
            entry[3] += percentage_of(gross, band_percent)
    rows = [
        (quarters[n].label if n in quarters else Period(year, n).label, *entry)
        for n, entry in sorted(rows_by_quarter.items())
    ]
    late = sum(row[1] for row in rows)
    deducted = sum(row[2] for row in rows)
    waived = sum(row[3] for row in rows)
    foregone = sum(row[4] for row in rows)
    summary = (
        f"In {financial_year_label(year)}, {late} claim{'s' if late != 1 else ''} came in late: "
        f"{money(deducted)} deducted, and {waived} deduction{'s' if waived != 1 else ''} waived "
        f"({money(foregone)})."
    )
    return Figure(
        slug="deductions",
        title="Lateness deductions and waivers",
        summary=summary,
        columns=(
            Column("Quarter", "text"),
            Column("Late claims"),
            Column("Deducted", "money"),
            Column("Waived claims"),
            Column("Waived", "money"),
        ),
        rows=rows,
        series=(2, 4),
        note="Waived: the deduction the claim's band would have taken, waived by an officer.",
    )


def adjustments(scope: Scope, year: int) -> Figure:
    """Per quarter of the claims put right: recoveries and underpayments approved (or netted in a
    run), their number and amount (docs/adr/0022). Refused, cancelled and pending ones are left
    out, as claims not yet approved are left out of spend."""
    from claims.models import Adjustment

    quarters = _quarters(year)
    rows_by_quarter: dict[int, list[int]] = {n: [0, 0, 0, 0] for n in quarters}
    decided = (Adjustment.Status.APPROVED, Adjustment.Status.SCHEDULED, Adjustment.Status.PAID)
    for number, amount in (
        Adjustment.objects.visible_to(scope)
        .filter(claim__quarter__year=year, status__in=decided)
        .values_list("claim__quarter__number", "amount_pence")
    ):
        entry = rows_by_quarter.setdefault(number, [0, 0, 0, 0])
        if amount < 0:
            entry[0] += 1
            entry[1] += -amount
        else:
            entry[2] += 1
            entry[3] += amount
    rows = [
        (quarters[n].label if n in quarters else Period(year, n).label, *entry)
        for n, entry in sorted(rows_by_quarter.items())
    ]
    recovered = sum(row[2] for row in rows)
    underpaid = sum(row[4] for row in rows)
    summary = (
        f"For {financial_year_label(year)}'s claims, {money(recovered)} is being recovered from "
        f"practices and {money(underpaid)} of underpayments put right."
    )
    return Figure(
        slug="adjustments",
        title="Adjustments: recoveries and underpayments",
        summary=summary,
        columns=(
            Column("Quarter", "text"),
            Column("Recoveries"),
            Column("Recovered", "money"),
            Column("Underpayments"),
            Column("Underpaid", "money"),
        ),
        rows=rows,
        series=(2, 4),
        note="By the quarter of the claim put right; approved adjustments only.",
    )


FIGURES: dict[str, Callable[[Scope, int], Figure]] = {
    "submissions": submissions,
    "spend-by-pcn": spend_by_pcn,
    "deductions": deductions_and_waivers,
    "trends": trends,
    "adjustments": adjustments,
}
