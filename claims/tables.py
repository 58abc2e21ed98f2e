"""The review queue and the payment runs as tables, and the queue as a CSV file.

On screen money is ``£1,164.00``; in files it is pounds with two decimals and no symbol (``1164.00``,
as SPEC §10's export). Every text cell of a download is neutralised against formula injection:
practice names, PCN names and reasons are typed by people."""

from __future__ import annotations

from collections.abc import Iterable

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from claims import wording
from claims.models import PaymentRun, Worksheet
from claims.worksheets.exports import percent_text
from core.money import pounds
from core.periods import LONDON
from core.tables import NUMERIC, CheapCellsMixin

RELEASE_SHORT = {"next_run": "Next run", "deferred": "Deferred", "none": "No payment"}


class ClaimTable(CheapCellsMixin, tables.Table):
    """The claims on screen: few columns, so the net is visible without scrolling sideways at
    1280 px (issue 16). Lateness, gross, deduction, release and waiver are on the claim page and
    in the CSV. ``select`` (a checkbox per claim, for bulk check and approve) is shown to officers
    who review claims. Its cells render cheaply (``CheapCellsMixin``, ADR 0044): the queue and the
    run page draw many of them."""

    caption = "Claims"

    select = tables.Column("Select", empty_values=(), orderable=False)
    practice = tables.Column("Claim", accessor="practice__name", order_by=("practice__name",))
    quarter = tables.Column("Quarter", order_by=("quarter__year", "quarter__number"))
    status = tables.Column("Status")
    net_pence = tables.Column("Net", attrs=NUMERIC)

    class Meta:
        model = Worksheet
        fields = []
        empty_text = "No claims match these filters."

    def render_select(self, record):
        return format_html(
            '<div class="nhsuk-checkboxes__item app-table-checkbox">'
            '<input class="nhsuk-checkboxes__input" id="select-{}" name="claims" type="checkbox" '
            'value="{}"><label class="nhsuk-label nhsuk-checkboxes__label" for="select-{}">'
            '<span class="nhsuk-u-visually-hidden">Select {}, {} {}</span></label></div>',
            record.pk,
            record.pk,
            record.pk,
            record.reference,
            record.practice.name,
            record.quarter.label,
        )

    def render_practice(self, record):
        # The quarter, visually hidden, makes each link's name unique on a page of many quarters.
        return format_html(
            '<a class="nhsuk-link" href="{}">{}<span class="nhsuk-u-visually-hidden"> {} claim'
            '</span></a><span class="nhsuk-body-s nhsuk-u-secondary-text-colour '
            'nhsuk-u-display-block">{}</span>',
            reverse("review:claim", args=[record.pk]),
            record.practice.name,
            record.quarter.label,
            record.reference,
        )

    def render_quarter(self, record):
        return record.quarter.label

    def render_status(self, record):
        if record.waived:
            return f"{record.get_status_display()} (deduction waived)"
        return record.get_status_display()

    def render_net_pence(self, value):
        return wording.money(value)


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


class PaymentRunTable(CheapCellsMixin, tables.Table):
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
        if record.status == PaymentRun.Status.CANCELLED:
            return "Cancelled"
        return record.claim_count

    def render_total_pence(self, record, value):
        return wording.money(value or 0)
