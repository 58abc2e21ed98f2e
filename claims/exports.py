"""The claims export of SPEC §10: one row per practice that owed a worksheet for the quarter.

Used by ``export_claims`` and (with the user's scope) by the officers' export in the web app.
Two queries whatever the number of practices: the practices, and their worksheets with line sums."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import TextIO

from django.db.models import F, QuerySet, Sum

from claims import selectors
from claims.models import Quarter, Worksheet
from claims.rules import pounds
from practices.models import Practice

COLUMNS = [
    "practice_ods", "quarter", "status", "opening", "new_permanent", "temporary", "closing",
    "gross", "days_late", "deduction_percent", "deduction", "net", "deferred", "waived",
]  # fmt: skip


def percent_text(value: Decimal) -> str:
    """``Decimal("5.00")`` → ``"5"``; ``Decimal("12.50")`` → ``"12.5"``."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def claim_rows(quarter: Quarter, practices: QuerySet[Practice] | None = None) -> Iterator[dict]:
    expected = selectors.practices_expected(quarter)
    if practices is not None:
        expected = expected.filter(pk__in=practices.values("pk"))
    worksheets = {
        w.practice_id: w
        for w in Worksheet.objects.filter(
            quarter__year=quarter.year, quarter__number=quarter.number, practice__in=expected
        ).annotate(
            sum_opening=Sum("lines__opening"),
            sum_new=Sum("lines__new_permanent"),
            sum_temporary=Sum("lines__temporary"),
            sum_closing=Sum(
                F("lines__opening")
                + F("lines__new_permanent")
                - F("lines__moved_out")
                - F("lines__died")
            ),
        )
    }
    for practice in expected.order_by("ods_code").only("pk", "ods_code"):
        w = worksheets.get(practice.pk)
        if w is None:
            yield {
                **dict.fromkeys(COLUMNS, ""),
                "practice_ods": practice.ods_code,
                "quarter": quarter.label,
                "status": "missing",
                "gross": "0.00",
                "deduction": "0.00",
                "net": "0.00",
                "deferred": "no",
                "waived": "no",
            }
            continue
        yield {
            "practice_ods": practice.ods_code,
            "quarter": quarter.label,
            "status": w.status,
            "opening": w.sum_opening,
            "new_permanent": w.sum_new,
            "temporary": w.sum_temporary,
            "closing": w.sum_closing,
            "gross": pounds(w.gross_pence),
            "days_late": w.days_late,
            "deduction_percent": percent_text(w.deduction_percent),
            "deduction": pounds(w.deduction_pence),
            "net": pounds(w.net_pence),
            "deferred": _yes_no(w.deferred),
            "waived": _yes_no(w.waived),
        }


def write_claims_csv(
    out: TextIO, quarter: Quarter, practices: QuerySet[Practice] | None = None
) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in claim_rows(quarter, practices):
        writer.writerow(row)
        count += 1
    return count
