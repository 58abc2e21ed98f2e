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

from claims.models import Adjustment, PaymentRun
from core.periods import Period
from core.text import safe_text
from core.xlsx import table_xlsx

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
    """The run's rows: text cells as stored, ``amount`` in pence (the writers format it).

    Practice by practice (by ODS code): its claims by quarter, its adjustments (latest raised
    first), then the balance its remittance brought forward. Read as values in three queries, not
    as model instances (issue 18: the download's cost was the objects, not the rows)."""
    if run.status == PaymentRun.Status.OPEN:
        return []
    commissioner = run.commissioner
    practice_fields = ("practice__ods_code", "practice__name", "practice__supplier_number")
    practices: dict[int, tuple] = {}  # id: (ods_code, name, supplier_number)
    claims: dict[int, list] = {}
    adjustments: dict[int, list] = {}
    brought_forward: dict[int, int] = {}
    for practice_id, *practice, year, number, net_pence in run.claims.order_by(
        "practice__ods_code", "quarter__year", "quarter__number"
    ).values_list("practice_id", *practice_fields, "quarter__year", "quarter__number", "net_pence"):
        practices.setdefault(practice_id, tuple(practice))
        period = Period(year, number)
        claims.setdefault(practice_id, []).append(
            ("claim", f"{practice[0]}-{period.slug}", f"LES claim {period.label}", net_pence)
        )
    reasons = dict(Adjustment.Reason.choices)
    for (
        practice_id,
        *practice,
        pk,
        pence,
        reason,
        ods_code,
        year,
        number,
    ) in run.adjustments.values_list(
        "practice_id",
        *practice_fields,
        "pk",
        "amount_pence",
        "reason",
        "claim__practice__ods_code",
        "claim__quarter__year",
        "claim__quarter__number",
    ):
        practices.setdefault(practice_id, tuple(practice))
        kind = "recovery" if pence < 0 else "underpayment"  # Adjustment.kind
        adjustments.setdefault(practice_id, []).append(
            (
                "adjustment",
                f"{ods_code}-{Period(year, number).slug}",  # the claim's reference
                f"{kind.capitalize()} ADJ-{pk}: {reasons.get(reason, reason)}",
                pence,
            )
        )
    for practice_id, *practice, pence in run.remittances.values_list(
        "practice_id", *practice_fields, "brought_forward_pence"
    ):
        practices.setdefault(practice_id, tuple(practice))
        brought_forward[practice_id] = pence
    rows = []
    fixed = (run.reference, run.run_date.isoformat())
    finance = (commissioner.cost_centre, commissioner.gl_code)
    for practice_id, practice in sorted(practices.items(), key=lambda item: item[1][0]):
        lines = claims.get(practice_id, []) + adjustments.get(practice_id, [])
        if brought_forward.get(practice_id):
            lines.append(
                (
                    "adjustment",
                    "",
                    "Balance owed, brought forward from the practice's last payment run",
                    brought_forward[practice_id],
                )
            )
        rows += [[*fixed, *practice, *finance, *line] for line in lines]
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
    """The same rows as one sheet, "Payments": a bold header, the amount a number shown as
    ``0.00`` (``core.xlsx``, which makes each text cell safe)."""
    rows = [[*text, float(_pounds(pence))] for run in runs for *text, pence in payment_rows(run)]
    return table_xlsx("Payments", COLUMNS, rows, {len(COLUMNS) - 1: "0.00"})
