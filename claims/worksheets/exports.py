"""The claims export of SPEC §10: one row per practice that owed a worksheet for the quarter.

Used by ``export_claims`` and (with the user's scope) by the officers' export in the web app.
Three queries whatever the number of practices: the practices, those that have not submitted,
and the worksheets with line sums."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import TextIO

from django.db.models import F, QuerySet, Sum

from claims import selectors
from claims.models import Quarter, Worksheet
from claims.rules import Release
from core.money import pounds
from core.text import safe_text
from practices.models import Practice

COLUMNS = [
    "practice_ods", "quarter", "status", "opening", "new_permanent", "temporary", "closing",
    "gross", "days_late", "deduction_percent", "deduction", "net", "deferred", "waived",
]  # fmt: skip


@functools.cache
def percent_text(value: Decimal) -> str:
    """``Decimal("5.00")`` → ``"5"``; ``Decimal("12.50")`` → ``"12.5"``."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def claim_rows(quarter: Quarter, practices: QuerySet[Practice] | None = None) -> Iterator[tuple]:
    """The export's rows, in ``COLUMNS`` order, sorted by practice ODS code."""
    expected = selectors.practices_expected(quarter, practices)
    # Plain tuples rather than model instances: a national quarter is 6,300 rows.
    quarter_worksheets = Worksheet.objects.filter(
        quarter__year=quarter.year, quarter__number=quarter.number
    )
    if practices is not None:
        quarter_worksheets = quarter_worksheets.filter(practice__in=practices)
    # Joined to the expected practices below, in Python: only they are written out.
    worksheets = {
        row[0]: row
        for row in quarter_worksheets.annotate(
            sum_opening=Sum("lines__opening"),
            sum_new=Sum("lines__new_permanent"),
            sum_temporary=Sum("lines__temporary"),
            sum_closing=Sum(
                F("lines__opening")
                + F("lines__new_permanent")
                - F("lines__moved_out")
                - F("lines__died")
            ),
        ).values_list(
            "practice_id",
            "status",
            "sum_opening",
            "sum_new",
            "sum_temporary",
            "sum_closing",
            "gross_pence",
            "days_late",
            "deduction_percent",
            "deduction_pence",
            "net_pence",
            "release",
            "waived",
        )  # fmt: skip
    }
    label = quarter.label
    # The one rule of "not submitted" (claims.selectors), which the outstanding pages also use.
    missing = set(
        selectors.practices_not_submitted(
            quarter, selectors.worksheet_submitters(quarter), practices
        ).values_list("pk", flat=True)
    )
    for practice_id, ods_code in expected.order_by("ods_code").values_list("pk", "ods_code"):
        row = worksheets.get(practice_id)
        if practice_id in missing:
            yield (
                ods_code,
                label,
                "missing",
                "",
                "",
                "",
                "",
                "0.00",
                "",
                "",
                "0.00",
                "0.00",
                "no",
                "no",
            )
            continue
        (_, status, opening, new, temporary, closing, gross, days_late, percent, deduction, net,
         release, waived) = row  # fmt: skip
        yield (
            ods_code, label, status, opening, new, temporary, closing, pounds(gross), days_late,
            percent_text(percent), pounds(deduction), pounds(net),
            "yes" if release == Release.DEFERRED else "no", "yes" if waived else "no",
        )  # fmt: skip


def write_claims_csv(
    out: TextIO, quarter: Quarter, practices: QuerySet[Practice] | None = None
) -> int:
    buffer = io.StringIO()  # one write to ``out``: a management command's stdout is slow per call
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in claim_rows(quarter, practices):
        # Only the ODS code comes from outside (a registry file, a person at the admin): it is
        # neutralised as in every export, though the database's check of its format already keeps
        # a formula out. The rest is the service's own: the quarter's label, a status, counts,
        # amounts and yes/no, none of which can start as a formula (issue 18: neutralising all
        # 88,200 cells of a national quarter cost 5-20% of the export). A text column added later
        # (a name, a reason) must go through ``safe_text`` here too.
        writer.writerow((safe_text(row[0]), *row[1:]))
        count += 1
    out.write(buffer.getvalue())
    return count
