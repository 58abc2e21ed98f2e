"""The finance hand-off (docs/adr/0022): one row per payable item of a closed payment run, in the
columns finance load, as CSV (``manage.py export_payments``, the run page) or ``.xlsx``.

    run_reference,payment_date,practice_ods,practice_name,supplier_number,cost_centre,gl_code,
    line_type,claim_reference,description,amount

``line_type`` is ``claim`` or ``adjustment``; a balance brought forward from the practice's last
run is an adjustment line too, so a run's rows sum to what it pays plus what it carries forward
(negative). ``amount`` is pounds with two decimals, negative for recoveries. Text cells are
neutralised against formula injection (``core.text.safe_text``); the amount is a number."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from claims.models import PaymentRun
from claims.payments.runs import run_paid
from core.text import safe_text, xlsx_text

COLUMNS = (
    "run_reference",
    "payment_date",
    "practice_ods",
    "practice_name",
    "supplier_number",
    "cost_centre",
    "gl_code",
    "line_type",
    "claim_reference",
    "description",
    "amount",
)


def payment_rows(run: PaymentRun) -> list[list]:
    """The run's rows: text cells as stored, ``amount`` in pence (the writers format it)."""
    if run.status == PaymentRun.Status.OPEN:
        return []
    commissioner = run.commissioner
    rows = []
    for lines in run_paid(run).practices:
        practice = lines.practice

        def row(line_type, reference, description, pence, practice=practice):
            return [
                run.reference,
                run.run_date.isoformat(),
                practice.ods_code,
                practice.name,
                practice.supplier_number,
                commissioner.cost_centre,
                commissioner.gl_code,
                line_type,
                reference,
                description,
                pence,
            ]

        for claim in lines.claims:
            rows.append(
                row("claim", claim.reference, f"LES claim {claim.quarter.label}", claim.net_pence)
            )
        for adjustment in lines.adjustments:
            rows.append(
                row(
                    "adjustment",
                    adjustment.claim.reference,
                    f"{adjustment.kind.capitalize()} {adjustment.reference}: "
                    f"{adjustment.get_reason_display()}",
                    adjustment.amount_pence,
                )
            )
        if lines.brought_forward_pence:
            rows.append(
                row(
                    "adjustment",
                    "",
                    "Balance owed, brought forward from the practice's last payment run",
                    lines.brought_forward_pence,
                )
            )
    return rows


def _pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def write_payments_csv(out, runs: Iterable[PaymentRun]) -> None:
    writer = csv.writer(out)  # "\r\n": a name holding a carriage return is then quoted
    writer.writerow(COLUMNS)
    for run in runs:
        for *text, pence in payment_rows(run):
            writer.writerow([safe_text(cell) for cell in text] + [str(_pounds(pence))])


def payments_csv(runs: Iterable[PaymentRun]) -> str:
    out = io.StringIO()
    write_payments_csv(out, runs)
    return out.getvalue()


def payments_xlsx(runs: Iterable[PaymentRun]) -> bytes:
    import openpyxl  # only the download needs it
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Payments"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for run in runs:
        for *text, pence in payment_rows(run):
            sheet.append([xlsx_text(cell) for cell in text] + [float(_pounds(pence))])
            sheet.cell(row=sheet.max_row, column=len(COLUMNS)).number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
