"""The worksheet form's page, worked out from the form and the service's checks: a row per home
with each problem next to its home and figure, the error summary, the beds warnings to confirm, and
the payment the figures produce (the running totals are computed here, server-side: the page needs
no JavaScript). Used by the form and by the upload's preview, so both look and read the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.text import capfirst

from claims import rules, selectors, wording
from claims.models import Worksheet
from claims.worksheets.forms import FIELD_LABELS, FIGURES, WorksheetForm, field_name
from claims.worksheets.services import Assembled, Problem


@dataclass
class Cell:
    figure: str
    field: object = None  # the BoundField, when the practice enters this figure
    value: object = None  # the carried-forward opening, shown as text
    error: str = ""


@dataclass
class HomeRow:
    opening: selectors.Opening
    cells: list[Cell]
    confirm: object  # the "I confirm these figures are right" BoundField
    file_row: int | None = None
    errors: list[str] = field(default_factory=list)  # problems of the line, not of one input
    beds_message: str = ""
    unconfirmed: bool = False  # a closing above the beds the submitter has not confirmed
    line: rules.Line | None = None
    gross: int | None = None

    @property
    def home(self):
        return self.opening.care_home

    @property
    def over_beds(self) -> bool:
        return self.unconfirmed or (self.line is not None and self.line.closing > self.home.beds)

    @property
    def keep_confirmation(self) -> bool:
        """A tick to carry over unseen: the figures could not be checked this time."""
        return bool(self.confirm.value()) and self.line is None and not self.unconfirmed

    @property
    def gross_text(self) -> str:
        return wording.money(self.gross) if self.gross is not None else ""

    @property
    def anchor(self) -> str:
        first = next((c.field for c in self.cells if c.field is not None), None)
        return first.auto_id if first is not None else f"home-{self.home.pk}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def worksheet_page(
    form: WorksheetForm,
    assembled: Assembled | None,
    facts: selectors.QuarterFacts,
    *,
    submitting: bool = False,
    extra_problems: list[str] = (),
    file_rows: dict[int, int] | None = None,
) -> dict:
    """The form's rows with each problem next to its home and figure, the error summary, the
    warnings to confirm and, when the figures pass, the payment they produce."""
    rows: dict[int, HomeRow] = {}
    for opening in form.openings:
        pk = opening.care_home.pk
        cells = []
        for figure in FIGURES:
            name = field_name(pk, figure)
            if name in form.fields:
                cells.append(Cell(figure, field=form[name]))
            else:
                cells.append(Cell(figure, value=opening.value))
        rows[pk] = HomeRow(
            opening, cells, form[field_name(pk, "confirm_beds")], (file_rows or {}).get(pk)
        )
    page_errors = list(extra_problems)
    warnings: list[tuple[str, str]] = []  # (message, anchor): shown to confirm, not yet errors
    # A home with a figure that is not a whole number has no line: the service's "no figures
    # given" for it only repeats the error next to the figure.
    unread = {
        pk
        for pk, row in rows.items()
        if any(c.field is not None and c.field.errors for c in row.cells)
    }
    for problem in assembled.problems if assembled else []:
        if problem.care_home_id in unread:
            continue
        row = rows.get(problem.care_home_id)
        if row is None:
            page_errors.append(_worksheet_problem(problem))
            continue
        name = field_name(row.home.pk, problem.field)
        if problem.is_warning:
            row.unconfirmed, row.beds_message = True, capfirst(problem.message)
            confirm = field_name(row.home.pk, "confirm_beds")
            if submitting:
                form.add_error(confirm, row.beds_message)
            else:
                warnings.append((f"{row.home.name}: {problem.message}", row.confirm.auto_id))
        elif name in form.fields and not form.has_error(name):
            form.add_error(name, capfirst(problem.message))
        else:
            label = FIELD_LABELS.get(problem.field, "")
            row.errors.append(f"{capfirst(label)}: {problem.message}" if label else problem.message)
    rates = _rates(facts)
    if assembled:
        for opening, line, _entry in assembled.lines:
            row = rows[opening.care_home.pk]
            row.line = line
            row.gross = rules.line_gross(line, rates) if rates else None
            if row.over_beds and not row.beds_message:
                row.beds_message = (
                    f"Closing figure {line.closing} is more than the home's {row.home.beds} "
                    "registered beds: you have confirmed the figures are right."
                )
    summary: list[tuple[str, str]] = []  # (message, anchor)
    for row in rows.values():
        for cell in row.cells:
            if cell.field is not None and cell.field.errors:
                cell.error = cell.field.errors[0]
                summary.append(
                    (
                        f"{row.home.name}: {FIELD_LABELS[cell.figure]}: {_lower_first(cell.error)}",
                        cell.field.auto_id,
                    )
                )
        summary += [(f"{row.home.name}: {_lower_first(e)}", row.anchor) for e in row.errors]
        if row.confirm.errors:
            summary.append(
                (f"{row.home.name}: {_lower_first(row.beds_message)}", row.confirm.auto_id)
            )
    preview = None
    if assembled and assembled.payment is not None and rates:
        preview = payment_summary(
            [line for _o, line, _e in assembled.lines], assembled.payment, rates
        )
    return {
        "form": form,
        "rows": list(rows.values()),
        "page_errors": page_errors,
        "summary": summary,
        "warnings": warnings,
        "has_errors": bool(page_errors or summary),
        "preview": preview,
        "submitting": submitting,
    }


def _rates(facts: selectors.QuarterFacts) -> rules.Rates | None:
    try:
        return facts.rates
    except LookupError:  # no tariff covers the year: the page says so, and prices nothing
        return None


def _worksheet_problem(problem: Problem) -> str:
    return str(problem) if problem.home else problem.message


def payment_summary(lines, payment: rules.Payment, rates: rules.Rates) -> dict:
    """Totals of the lines and the payment, as the page shows them."""
    totals = {f: sum(getattr(line, f) for line in lines) for f in FIGURES}
    totals["closing"] = sum(line.closing for line in lines)
    parts = [
        ("Continuing patients (opening)", totals["opening"], rates.continuing),
        ("New permanent patients", totals["new_permanent"], rates.new_permanent),
        ("Temporary patients", totals["temporary"], rates.temporary),
    ]
    return {
        "totals": [totals[f] for f in FIGURES],
        "closing": totals["closing"],
        "parts": [
            (label, count, wording.money(rate), wording.money(count * rate))
            for label, count, rate in parts
        ],
        "payment": payment,
        "gross": wording.money(payment.gross),
        "deduction": wording.money(payment.deduction),
        "net": wording.money(payment.net),
        "days_late": payment.days_late,
        "band": wording.band_text(payment.band),
        "release": wording.release_text(payment.release),
    }


def stored_payment_summary(claim: Worksheet, lines, rates: rules.Rates, bands) -> dict:
    """The payment as the claim stores it (ADR 0007: priced when submitted, whatever the tables say
    now), in the words of the practice's own worksheet page."""
    band = rules.band_for(claim.days_late, bands)
    summary = payment_summary(
        [line.figures for line in lines],
        rules.Payment(
            gross=claim.gross_pence,
            days_late=claim.days_late,
            band=band,
            deduction_percent=claim.deduction_percent,
            deduction=claim.deduction_pence,
            net=claim.net_pence,
            release=rules.Release(claim.release),
            waived=claim.waived,
        ),
        rates,
    )
    effect = (
        "deduction waived (exceptional circumstances)"
        if claim.waived
        else wording.consequence(claim.band_deduction_percent, claim.release)
    )
    summary["band"] = f"{band.label}: {effect}"
    return summary
