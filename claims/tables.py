"""The review queue and the payment runs as tables, and the queue as a CSV file.

On screen money is ``£1,164.00``; in files it is pounds with two decimals and no symbol (``1164.00``,
as SPEC §10's export). Every text cell of a download is neutralised against formula injection:
practice names, PCN names and reasons are typed by people."""

from __future__ import annotations

from collections.abc import Iterator

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.html import format_html

from claims import rules, wording
from claims.models import PaymentRun, Worksheet
from claims.worksheets.exports import percent_text
from core.money import pounds
from core.periods import LONDON, Period
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
            self.row_url("review:claim", record.pk),
            record.practice.name,
            record.quarter.label,
            record.reference,
        )

    def render_quarter(self, record):
        return record.quarter.label

    def render_status(self, value, record):
        if record.waived:
            return f"{value} (deduction waived)"
        return value

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


# What a CSV row reads of a claim, its practice, PCN and quarter: values, not model instances.
_CSV_VALUES = (
    "practice__ods_code", "practice__name", "practice__pcn__code", "practice__pcn__name",
    "quarter__year", "quarter__number", "status", "first_submitted_at", "days_late",
    "band_deduction_percent", "release", "gross_pence", "deduction_percent", "deduction_pence",
    "net_pence", "waived", "waiver_reason", "waived_by_id", "waived_at", "payment_run_id",
)  # fmt: skip


def claim_csv_rows(claims: QuerySet[Worksheet]) -> Iterator[list]:
    """One row per claim, in ``CLAIM_CSV_COLUMNS`` order (and the queryset's). The claims are read
    as values with their practice, PCN and quarter (one query; no model instance per claim,
    practice, PCN and quarter: a year is some 300 claims, issue 18); the officers who waived a
    deduction and the payment runs, few, by a query each (none when there are none)."""
    rows = list(claims.values(*_CSV_VALUES))
    waivers = {row["waived_by_id"] for row in rows} - {None}
    people = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(pk__in=waivers)
        .only("username", "first_name", "last_name")
    }
    runs = dict(
        PaymentRun.objects.filter(
            pk__in={row["payment_run_id"] for row in rows} - {None}
        ).values_list("pk", "reference")
    )
    periods = {}
    for row in rows:
        key = (row["quarter__year"], row["quarter__number"])
        if key not in periods:
            periods[key] = Period(*key)
        period = periods[key]
        waived_at = row["waived_at"]
        yield [
            f"{row['practice__ods_code']}-{period.slug}",
            row["practice__ods_code"],
            row["practice__name"],
            row["practice__pcn__code"],
            row["practice__pcn__name"],
            period.label,
            row["status"],
            f"{row['first_submitted_at'].astimezone(LONDON):%Y-%m-%d %H:%M}",
            row["days_late"],
            percent_text(row["band_deduction_percent"]),
            "yes" if row["release"] == rules.Release.DEFERRED else "no",
            pounds(row["gross_pence"]),
            percent_text(row["deduction_percent"]),
            pounds(row["deduction_pence"]),
            pounds(row["net_pence"]),
            row["release"],
            "yes" if row["waived"] else "no",
            row["waiver_reason"],
            _person(people.get(row["waived_by_id"])),
            f"{waived_at.astimezone(LONDON):%Y-%m-%d %H:%M}" if waived_at else "",
            runs.get(row["payment_run_id"], ""),
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
            self.row_url("payment_runs:run", record.pk),
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
