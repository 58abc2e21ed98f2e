"""A claim's calculation line by line, as the claim page and the remittance advice show it: for each
home, the count, rate and amount per category (continuing, new permanent, temporary) and the gross."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claims import rules, wording
from claims.models import WorksheetLine

OPENING_SOURCE = {
    WorksheetLine.OpeningSource.BASELINE: "baseline entered by the practice",
    WorksheetLine.OpeningSource.CORRECTED: "corrected by an officer (see the history)",
}


@dataclass
class LineRow:
    """One home's line as the claim page shows it: figures, where the opening came from, and the
    gross as rate × count per category."""

    line: WorksheetLine
    opening_note: str
    parts: list[tuple[str, int, str, str]]  # (category, count, rate, amount)
    gross: str
    beds_note: str
    form: Any = None  # the claim page's opening-correction form, where offered


def line_rows(lines, rates: rules.Rates) -> list[LineRow]:
    rows = []
    for line in lines:
        if line.opening_source == WorksheetLine.OpeningSource.CARRIED_FORWARD:
            source = (
                f"carried forward from {line.carried_from.worksheet.quarter.label}"
                if line.carried_from
                else "carried forward"
            )
        else:
            source = OPENING_SOURCE[line.opening_source]
        parts = [
            ("Continuing (opening)", line.opening, rates.continuing),
            ("New permanent", line.new_permanent, rates.new_permanent),
            ("Temporary", line.temporary, rates.temporary),
        ]
        beds = ""
        if line.beds_warning_confirmed:
            beds = (
                f"Closing {line.closing} is above the home's {line.care_home.beds} registered "
                "beds: confirmed by "
                + (
                    "the officer who corrected the opening."
                    if line.opening_source == line.OpeningSource.CORRECTED
                    else "the practice."
                )
            )
        rows.append(
            LineRow(
                line=line,
                opening_note=source,
                parts=[
                    (label, count, wording.money(rate), wording.money(count * rate))
                    for label, count, rate in parts
                ],
                gross=wording.money(rules.line_gross(line.figures, rates)),
                beds_note=beds,
            )
        )
    return rows
