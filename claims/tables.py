"""The review queue and the payment runs as tables, and the queue as a CSV file.

On screen money is ``£1,164.00``; in files it is pounds with two decimals and no symbol (``1164.00``,
as SPEC §10's export). Every text cell of a download is neutralised against formula injection:
practice names, PCN names and reasons are typed by people."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import django_tables2 as tables
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from claims.exports import percent_text
from claims.models import PaymentRun, Worksheet
from claims.rules import LONDON, pounds
from claims.views import wording
from claims.xlsx import safe_text

NUMERIC = {
    "th": {"class": "nhsuk-table__header--numeric"},
    "td": {"class": "nhsuk-table__cell--numeric"},
}

RELEASE_SHORT = {"next_run": "Next run", "deferred": "Deferred", "none": "No payment"}


def band_text(claim: Worksheet) -> str:
    """``10%, deferred``: the band's deduction as priced at submission, and what became of it."""
    text = f"{percent_text(claim.band_deduction_percent)}%"
    if claim.waived:
        return f"{text} (waived)"
    return f"{text}, deferred" if claim.deferred else text


def london(moment) -> str:
    return f"{moment.astimezone(LONDON):%-d %b %Y %H:%M}" if moment else ""


class ClaimTable(tables.Table):
    caption = "Claims"

    practice = tables.Column("Practice", accessor="practice__name", order_by=("practice__name",))
    pcn = tables.Column("PCN", accessor="practice__pcn__name", order_by=("practice__pcn__name",))
    quarter = tables.Column("Quarter", order_by=("quarter__year", "quarter__number"))
    status = tables.Column("Status")
    first_submitted_at = tables.Column("First submitted")
    days_late = tables.Column("Days late", attrs=NUMERIC)
    band = tables.Column("Band", accessor="band_deduction_percent")
    gross_pence = tables.Column("Gross", attrs=NUMERIC)
    deduction_pence = tables.Column("Deduction", attrs=NUMERIC)
    net_pence = tables.Column("Net", attrs=NUMERIC)
    release = tables.Column("Release")
    waived = tables.Column("Waived")

    class Meta:
        model = Worksheet
        fields = []
        empty_text = "No claims match these filters."

    def render_practice(self, record):
        # The quarter, visually hidden, makes each link's name unique on a page of many quarters.
        return format_html(
            '<a class="nhsuk-link" href="{}">{}<span class="nhsuk-u-visually-hidden"> {} claim'
            "</span></a>",
            reverse("review:claim", args=[record.pk]),
            record.practice.name,
            record.quarter.label,
        )

    def render_pcn(self, record):
        return record.practice.pcn.name

    def render_quarter(self, record):
        return record.quarter.label

    def render_first_submitted_at(self, value):
        return london(value)

    def render_band(self, record):
        return band_text(record)

    def render_gross_pence(self, value):
        return wording.money(value)

    def render_deduction_pence(self, value):
        return wording.money(value)

    def render_net_pence(self, value):
        return wording.money(value)

    def render_release(self, value):
        return RELEASE_SHORT.get(value, value)

    def render_waived(self, value):
        return "Waived" if value else "No"


CLAIM_CSV_COLUMNS = [
    "reference", "practice_ods", "practice_name", "pcn_code", "pcn_name", "quarter", "status",
    "first_submitted", "days_late", "band_deduction_percent", "deferred", "gross",
    "deduction_percent", "deduction", "net", "release", "waived", "waiver_reason", "waived_by",
    "waived_at", "payment_run",
]  # fmt: skip


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def claim_csv_rows(claims: Iterable[Worksheet]) -> Iterable[list]:
    """One row per claim, in ``CLAIM_CSV_COLUMNS`` order. The claims come with ``practice__pcn``,
    ``quarter``, ``waived_by`` and ``payment_run`` selected (see the queue's queryset)."""
    for claim in claims:
        yield [
            claim.reference,
            claim.practice.ods_code,
            claim.practice.name,
            claim.practice.pcn.code,
            claim.practice.pcn.name,
            claim.quarter.label,
            claim.status,
            f"{claim.first_submitted_at.astimezone(LONDON):%Y-%m-%d %H:%M}",
            claim.days_late,
            percent_text(claim.band_deduction_percent),
            "yes" if claim.deferred else "no",
            pounds(claim.gross_pence),
            percent_text(claim.deduction_percent),
            pounds(claim.deduction_pence),
            pounds(claim.net_pence),
            claim.release,
            "yes" if claim.waived else "no",
            claim.waiver_reason,
            _person(claim.waived_by),
            f"{claim.waived_at.astimezone(LONDON):%Y-%m-%d %H:%M}" if claim.waived_at else "",
            claim.payment_run.reference if claim.payment_run else "",
        ]


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV attachment whose every text cell is safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)  # "\r\n" (RFC 4180): a field holding "\r" or "\n" is then quoted
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_text(cell) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PaymentRunTable(tables.Table):
    caption = "Payment runs"

    reference = tables.Column("Reference")
    run_date = tables.Column("Payment date")
    status = tables.Column("Status")
    claim_count = tables.Column("Claims", attrs=NUMERIC)
    total_pence = tables.Column("Total", attrs=NUMERIC, default="")

    class Meta:
        model = PaymentRun
        fields = []
        empty_text = "No payment runs yet."

    def render_reference(self, record):
        return format_html(
            '<a class="nhsuk-link" href="{}">{}</a>',
            reverse("payment_runs:run", args=[record.pk]),
            record.reference,
        )

    def render_run_date(self, value):
        return wording.day(value)

    def render_claim_count(self, record):
        if record.status == PaymentRun.Status.OPEN:
            return "Not closed yet"
        return record.claim_count

    def render_total_pence(self, record, value):
        return wording.money(value or 0)
