"""The home pages as work queues: for each role, what needs doing now, each item a count with a link
to exactly those items. Reads only, all through the user's :class:`accounts.access.Scope`.

"Not submitted" here is the one rule of ``claims.selectors.practices_overdue`` (through
``reports.outstanding``), which the outstanding pages, the dashboard and ``export_claims`` share."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, DateField, OuterRef, Q, Subquery, Sum, Value, Window
from django.urls import reverse

from accounts.access import Permission, Scope
from audits.selectors import AUDIT_EVIDENCE_DAYS, evidence_overdue
from claims import selectors, wording
from claims.models import DueDateExtension, PaymentRun, Remittance, Worksheet
from notices.models import Notice
from outcomes.models import Meeting, OutcomesReport
from practices.models import Practice
from reports import outstanding

S = Worksheet.Status
OVERDUE_NAMED = 10  # practices named on the officer's home; the rest are on the outstanding page


@dataclass(frozen=True)
class Item:
    """One line of a queue: ``count`` things, described, at ``url``."""

    count: int
    text: str  # "claims to check": read after the count
    url: str
    hint: str = ""


def _queue_url(**params) -> str:
    return f"{reverse('review:queue')}?{urlencode(params)}"


# -- contracting officers ------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueLine:
    """A practice named under "Not submitted": what the home page shows of it (the outstanding
    page has the rest: contacts, emails, chasing)."""

    name: str
    ods_code: str
    days_late: int
    cost: str  # what lateness costs if sent today


@dataclass
class OfficerQueue:
    claims: list[Item] = field(default_factory=list)
    overdue: outstanding.Owed | None = None
    overdue_count: int = 0
    overdue_rows: list[OverdueLine] = field(default_factory=list)
    emails: list[Item] = field(default_factory=list)
    runs: list[Item] = field(default_factory=list)
    audits: list[Item] = field(default_factory=list)


def officer_queue(scope: Scope, user, *, today: datetime.date) -> OfficerQueue:
    queue = OfficerQueue()
    claims = Worksheet.objects.visible_to(scope)
    finance = getattr(user, "is_finance_approver", False)
    # One aggregate for the three review queues and the approved claims waiting for a run
    # (issue 18: the home page's queries stay few).
    waiting_for_run = Q(status=S.APPROVED, payment_run__isnull=True)
    counts = claims.order_by().aggregate(
        to_check=Count("pk", filter=Q(status=S.SUBMITTED)),
        to_approve=Count("pk", filter=Q(status=S.CHECKED) & ~Q(checked_by=user)),
        to_finance=Count(
            "pk",
            filter=Q(status=S.AWAITING_FINANCE) & ~Q(checked_by=user) & ~Q(approved_by=user),
        ),
        waiting=Count("pk", filter=waiting_for_run),
        waiting_total=Sum("net_pence", filter=waiting_for_run),
    )
    queue.claims.append(Item(counts["to_check"], "claims to check", _queue_url(status=S.SUBMITTED)))
    queue.claims.append(
        Item(
            counts["to_approve"],
            "claims you can approve",
            _queue_url(status=S.CHECKED, waiting_for="approve"),
            "checked by another officer",
        )
    )
    if finance:
        queue.claims.append(
            Item(
                counts["to_finance"],
                "claims awaiting your finance approval",
                _queue_url(status=S.AWAITING_FINANCE, waiting_for="finance"),
                "above the finance threshold, checked and approved by others",
            )
        )

    owed = outstanding.Owed(outstanding.WORKSHEETS, selectors.last_quarter_due(today))
    queue.overdue = owed
    queue.overdue_count, queue.overdue_rows = overdue_lines(scope, owed, today=today)

    if scope.can(Permission.VIEW_NOTICES):
        queue.emails.append(
            Item(
                Notice.objects.visible_to(scope).filter(status=Notice.Status.FAILED).count(),
                "emails to practices that failed",
                f"{reverse('notices:list')}?status=failed",
            )
        )

    runs = list(
        PaymentRun.objects.visible_to(scope)
        .filter(status__in=[PaymentRun.Status.OPEN, PaymentRun.Status.CLOSED])
        .order_by("run_date", "pk")
    )  # one query: the runs to authorise or close, then those to mark paid
    for run in (r for r in runs if r.status == PaymentRun.Status.OPEN):
        # Two people (ADR 0022): a run is authorised by an officer who did not prepare it, then
        # closed; the officer who prepared it waits for a colleague.
        if run.authorised_by_id is not None:
            step = "payment run to close"
        elif run.created_by_id == user.pk:
            step = "payment run waiting for a second officer to authorise"
        else:
            step = "payment run to authorise"
        queue.runs.append(
            Item(
                1,
                f"{step}: {run.reference}, paying {wording.day(run.run_date)}",
                reverse("payment_runs:run", args=[run.pk]),
            )
        )
    for run in (r for r in runs if r.status == PaymentRun.Status.CLOSED):
        queue.runs.append(
            Item(
                1,
                f"payment run to mark paid: {run.reference}, paying {wording.day(run.run_date)}",
                reverse("payment_runs:run", args=[run.pk]),
            )
        )
    if counts["waiting"] and not queue.runs:
        total = counts["waiting_total"] or 0
        queue.runs.append(
            Item(
                counts["waiting"],
                f"approved claims waiting for a payment run ({wording.money(total)}): prepare one",
                reverse("payment_runs:create"),
            )
        )

    if scope.can(Permission.CONDUCT_AUDITS):
        queue.audits = audit_items(scope, today=today, waiting_on_officers=True)
    return queue


def overdue_lines(
    scope: Scope, owed: outstanding.Owed, *, today: datetime.date
) -> tuple[int, list[OverdueLine]]:
    """How many practices in scope have not sent ``owed`` (a quarter's worksheets) past their due
    date, by the one rule (``outstanding.overdue_in_scope``), and the first
    :data:`OVERDUE_NAMED` of them by name with their days late and what lateness costs now.

    One query: the count is a window over the rows before the limit, and each practice's due
    date is its commissioner's extension (ADR 0043), as a subquery, or the quarter's. The bands are
    read only when a practice is named."""
    practices = outstanding.overdue_in_scope(scope, owed, today).select_related(None)
    if owed.period.pk is not None:
        extension = (
            DueDateExtension.objects.filter(
                quarter=owed.period, commissioner_id=OuterRef("pcn__commissioner_id")
            )
            .order_by()
            .values("due_date")[:1]
        )
        practices = practices.annotate(extended=Subquery(extension))
    else:
        practices = practices.annotate(extended=Value(None, output_field=DateField()))
    named = list(
        practices.annotate(total=Window(Count("pk"))).values_list(
            "name", "ods_code", "extended", "total"
        )[:OVERDUE_NAMED]
    )
    if not named:
        return 0, []
    bands = selectors.bands()
    costs: dict[datetime.date, str] = {}  # worded once for each due date, not for each row
    lines = []
    for name, ods_code, extended, _ in named:
        due = extended or owed.due_date
        if due not in costs:
            costs[due] = wording.lateness_cost(due, today, bands)
        lines.append(OverdueLine(name, ods_code, max((today - due).days, 0), costs[due]))
    return named[0][3], lines


# -- auditors (and the officers' audit line) -------------------------------------------------------


def audit_items(
    scope: Scope, *, today: datetime.date, waiting_on_officers: bool = False
) -> list[Item]:
    """Open audit cases by stage, then the evidence awaited and how much of it is overdue."""
    from audits.models import AuditCase

    A = AuditCase.Status
    cases = AuditCase.objects.visible_to(scope)
    url = reverse("audits:index")
    by_status = cases.order_by().aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in A.values},
        evidence_overdue=Count("pk", filter=evidence_overdue(today)),
    )  # one query for the stages and the evidence overdue
    items = [
        Item(
            by_status[A.OPEN],
            "audit cases to ask for evidence",
            f"{url}?status={A.OPEN}",
        ),
        Item(
            by_status[A.UNDER_REVIEW],
            "audit cases under review, to take to an outcome",
            f"{url}?status={A.UNDER_REVIEW}",
        ),
    ]
    if not waiting_on_officers:
        items.append(
            Item(
                by_status[A.EVIDENCE_REQUESTED],
                "audit cases awaiting the practice's evidence",
                f"{url}?status={A.EVIDENCE_REQUESTED}",
            )
        )
    items.append(
        Item(
            by_status["evidence_overdue"],
            "audit cases with evidence overdue",
            f"{url}?status=overdue",
            f"asked for more than {AUDIT_EVIDENCE_DAYS} days ago",
        )
    )
    return items


# -- practice managers ---------------------------------------------------------------------------


@dataclass
class Due:
    """A worksheet or outcomes report the practice owes: what, by when, and lateness in words."""

    text: str  # "2026/27 Q2 worksheet"
    url: str
    when: str  # "due by 14 October 2026" / "was due 14 October 2026: 20 days late"
    cost: str = ""
    late: bool = False


@dataclass
class PracticeQueue:
    practice: object
    due: list[Due] = field(default_factory=list)
    next_opens: str = ""  # when nothing is owed yet: the next worksheet and when it opens
    queries: list[Worksheet] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)  # the latest, the next, approved waiting
    meetings_behind: list = field(default_factory=list)  # MeetingCount with a shortfall


def practice_queues(scope: Scope, *, today: datetime.date) -> list[PracticeQueue]:
    from claims.worksheets.quarters import Status, practice_quarters
    from outcomes.evidence import meeting_counts
    from outcomes.services import practices_owing, recent_periods, standing

    bands = selectors.bands()
    periods = recent_periods(today)
    practices = list(Practice.objects.visible_to(scope).select_related("pcn").order_by("name"))
    ids = [practice.pk for practice in practices]
    # Read once for all the practices (issue 18): the outcomes reports sent for these half-years,
    # and which of the half-years open now each practice owes a report for (one query, a union of
    # one rule per half-year), rather than a query a practice and a half-year.
    reported = set(
        OutcomesReport.objects.visible_to(scope)
        .filter(practice_id__in=ids, period__in=periods)
        .order_by()
        .values_list("practice_id", "period_id")
    )
    opened = [period for period in periods if today >= period.opens_on]
    owing_each = [
        practices_owing(period, ids)
        .order_by()
        .annotate(period_id=Value(period.pk))
        .values_list("pk", "period_id")
        for period in opened
    ]
    owing = set(owing_each[0].union(*owing_each[1:], all=True)) if ids and owing_each else set()
    queues = []
    for practice in practices:
        queue = PracticeQueue(practice)
        # The practice's worksheets, read once: its quarters, its queries and what waits for a run.
        claims = list(Worksheet.objects.visible_to(scope).filter(practice=practice))
        rows = practice_quarters(scope, practice, today=today, bands=bands, worksheets=claims)
        for row in reversed(rows):  # oldest first
            if row.status in (Status.NOT_DUE, Status.SUBMITTED) or row.period.last_day >= today:
                continue  # nothing owed, or the quarter has not ended: it cannot be sent yet
            url = reverse("claims:worksheet", args=[practice.ods_code, row.slug])
            # The practice's due date: its commissioner's extension (ADR 0043), or the default.
            late = (today - row.due_date).days
            when = (
                f"due by {row.due_text}"
                if late <= 0
                else f"was due {row.due_text}: {wording.days(late)} late"
            )
            queue.due.append(
                Due(
                    f"{row.period.label} worksheet",
                    url,
                    when,
                    wording.lateness_cost(row.due_date, today, bands),
                    late > 0,
                )
            )
        if not queue.due:
            current = rows[0].period if rows else None
            if current is not None and rows[0].owed:
                queue.next_opens = (
                    f"The {current.label} worksheet can be sent from "
                    f"{wording.day(current.next().first_day)} and is due by "
                    f"{rows[0].due_text}."
                )
        for period in reversed(periods):
            if (practice.pk, period.pk) in reported or today < period.opens_on:
                continue
            if (practice.pk, period.pk) not in owing:
                continue
            state = standing(period, None, today)
            late = (state.days_late or 0) > 0
            queue.due.append(
                Due(
                    f"{period.label} outcomes report",
                    reverse("outcomes:report", args=[practice.ods_code, period.slug]),
                    f"was due {wording.day(period.due_date)}: {wording.days(state.days_late)} late"
                    if late
                    else f"due by {wording.day(period.due_date)}",
                    late=late,
                )
            )
        queue.queries = sorted(
            (claim for claim in claims if claim.status == S.QUERIED),
            key=lambda claim: (claim.quarter.year, claim.quarter.number),
        )
        # The latest remittance paid and the next one scheduled, in one query (a union of the two).
        remittances = (
            Remittance.objects.visible_to(scope)
            .filter(practice=practice)
            .values_list("payment_run__status", "amount_pence", "payment_run__run_date")
        )
        latest = remittances.filter(payment_run__status=PaymentRun.Status.PAID).order_by(
            "-payment_run__run_date", "-pk"
        )[:1]
        following = remittances.filter(payment_run__status=PaymentRun.Status.CLOSED).order_by(
            "payment_run__run_date", "pk"
        )[:1]
        found = {
            status: (amount, run_date)
            for status, amount, run_date in latest.union(following, all=True)
        }
        if PaymentRun.Status.PAID in found:
            amount, run_date = found[PaymentRun.Status.PAID]
            queue.payments.append(
                f"Latest: {wording.money(amount)} paid on {wording.day(run_date)}"
            )
        if PaymentRun.Status.CLOSED in found:
            amount, run_date = found[PaymentRun.Status.CLOSED]
            queue.payments.append(
                f"Next: {wording.money(amount)} scheduled for {wording.day(run_date)}"
            )
        waiting = sum(
            claim.net_pence
            for claim in claims
            if claim.status == S.APPROVED and claim.payment_run_id is None
        )
        if waiting:
            queue.payments.append(
                f"{wording.money(waiting)} approved, to be paid in a coming payment run"
            )
        meetings = (
            Meeting.objects.visible_to(scope)
            .filter(practice=practice)
            .select_related(None)
            .only("care_home", "met_on")
        )
        queue.meetings_behind = [
            count for count in meeting_counts(practice, meetings, today) if count.shortfall
        ]
        queues.append(queue)
    return queues
