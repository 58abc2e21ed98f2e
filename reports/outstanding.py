"""Who owes what: the outstanding pages officers chase from, and the home pages' counts.

A page is about one :class:`Owed`: a quarter's worksheets or a half-year's outcomes reports. Its
practices are those that owe it, have not sent it and whose due date has passed, by the one rule
``claims.selectors.practices_overdue`` (the dashboard and ``export_claims`` use the same), narrowed
to the viewer's scope. Each row carries the practice's contacts, days late, what lateness costs now
(worksheets) and the reminders, late notices and chasing emails already written for it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.access import Scope
from claims import selectors, wording
from claims.rules import Band
from claims.worksheets.reminders import band_timetable
from claims.worksheets.services import quarter_for
from core.periods import Period, london_date
from history.services import audit_record
from notices.models import Notice
from notices.services import notice_create
from outcomes.models import OutcomesPeriod, OutcomesReport
from outcomes.services import outcomes_period_for
from practices.models import Practice, PracticeContact
from reports.figures import Column, Figure

WORKSHEETS, OUTCOMES = "worksheets", "outcomes"


@dataclass(frozen=True)
class Owed:
    """What an outstanding page is about: ``period`` is a :class:`claims.models.Quarter` (its
    worksheets) or an :class:`outcomes.models.OutcomesPeriod` (its outcomes reports), stored or
    not yet opened (unsaved, with its default due date)."""

    kind: str
    period: object

    @property
    def is_worksheets(self) -> bool:
        return self.kind == WORKSHEETS

    @property
    def slug(self) -> str:
        return self.period.slug

    @property
    def due_date(self) -> datetime.date:
        """The default due date (a commissioner may have extended a quarter's: :meth:`due_dates`)."""
        return self.period.due_date

    def due_dates(self, practice_ids) -> dict[int, datetime.date]:
        """Each of these practices' due date where its commissioner extended the quarter's (ADR
        0043); the others are due on :attr:`due_date`. One query (none for outcomes reports)."""
        if not self.is_worksheets:
            return {}
        return selectors.effective_due_dates(self.period, practice_ids)

    def due_date_for(self, commissioner_id: int | None) -> datetime.date:
        """The due date of one commissioner's practices (the default for outcomes reports, or
        for a viewer who sees every commissioner's)."""
        if not self.is_worksheets:
            return self.due_date
        return selectors.effective_due_date(self.period, commissioner_id)

    @property
    def label(self) -> str:
        """``2026/27 Q2 worksheets``; ``2026/27 April to September outcomes reports``."""
        return f"{self.period.label} {'worksheets' if self.is_worksheets else 'outcomes reports'}"

    @property
    def thing(self) -> str:
        return "worksheet" if self.is_worksheets else "outcomes report"

    def submitted(self) -> QuerySet:
        """Ids of the practices that have sent it."""
        if self.is_worksheets:
            return selectors.worksheet_submitters(self.period)
        return OutcomesReport.objects.filter(
            period__year=self.period.year, period__half=self.period.half
        ).values("practice_id")

    def overdue(self, today: datetime.date, practices=None) -> QuerySet[Practice]:
        """Owed, not sent, and past its due date: the one rule (``claims.selectors``); of
        ``practices`` only when given (narrowed before anything is joined, ADR 0045)."""
        return selectors.practices_overdue(
            self.period, self.submitted(), today=today, practices=practices
        )

    def notices(self) -> QuerySet[Notice]:
        """Emails already written about it: reminders, late notices and chases."""
        if self.is_worksheets:
            return Notice.objects.filter(
                quarter__year=self.period.year, quarter__number=self.period.number
            )
        return Notice.objects.filter(
            outcomes_period__year=self.period.year, outcomes_period__half=self.period.half
        )

    def url(self) -> str:
        return reverse("outstanding:page", args=[self.kind, self.slug])

    def link_for(self, practice: Practice) -> str:
        """Where the practice sends it."""
        if self.is_worksheets:
            return reverse("claims:worksheet", args=[practice.ods_code, self.slug])
        return reverse("outcomes:report", args=[practice.ods_code, self.slug])

    def saved(self) -> Owed:
        """The same, with its period stored (an email about it refers to the row)."""
        if self.period.pk:
            return self
        if self.is_worksheets:
            return Owed(self.kind, quarter_for(self.period.period))
        return Owed(self.kind, outcomes_period_for(self.period.year, self.period.half))


def worksheets_owed(period: Period) -> Owed:
    return Owed(WORKSHEETS, selectors.quarter_or_default(period))


def outcomes_owed(year: int, half: int) -> Owed:
    period = OutcomesPeriod.objects.filter(year=year, half=half).first() or OutcomesPeriod(
        year=year, half=half, due_date=OutcomesPeriod.default_due_date(year, half)
    )
    return Owed(OUTCOMES, period)


def owed_from_url(kind: str, slug: str) -> Owed | None:
    """The :class:`Owed` a URL names, or ``None`` when it names nothing."""
    if kind == WORKSHEETS:
        try:
            return worksheets_owed(Period.parse(slug))
        except ValueError:
            return None
    if kind == OUTCOMES:
        parsed = OutcomesPeriod.parse_slug(slug)
        return outcomes_owed(*parsed) if parsed else None
    return None


def recent_owed(today: datetime.date, quarters: int = 4, halves: int = 2) -> list[Owed]:
    """The latest quarters and half-years that have fallen due on ``today``, newest first: the
    choices at the top of an outstanding page."""
    last = selectors.last_quarter_due(today).period
    owed = []
    for _ in range(quarters):
        owed.append(worksheets_owed(last))
        last = last.previous()
    year, half = OutcomesPeriod.containing(today)
    while len([o for o in owed if not o.is_worksheets]) < halves:
        candidate = outcomes_owed(year, half)
        if selectors.has_fallen_due(candidate.due_date, today):
            owed.append(candidate)
        year, half = OutcomesPeriod.before(year, half)
    return owed


def chase_key(practice: Practice, today: datetime.date) -> str:
    """One chasing email per practice per (London) day, whatever it is about."""
    return f"chase:{practice.ods_code}:{today.isoformat()}"


# -- the page's rows -------------------------------------------------------------------------------


@dataclass
class OutstandingRow:
    practice: Practice
    due_date: datetime.date  # the practice's: its commissioner's extension, or the default
    days_late: int
    cost: str  # "if sent today: 5% deducted; from …" (worksheets), "" (outcomes reports)
    link: str
    contacts: list[str] = field(default_factory=list)
    emails: list[Notice] = field(default_factory=list)  # reminders, late notices, chases
    chased_today: bool = False
    extended_from: datetime.date | None = None  # the default, when the due date was extended

    def emails_of(self, *kinds: str) -> list[Notice]:
        return [n for n in self.emails if n.kind in kinds]

    @property
    def reminders(self) -> list[Notice]:
        return self.emails_of(Notice.Kind.REMINDER, Notice.Kind.OUTCOMES_REMINDER)

    @property
    def late_notices(self) -> list[Notice]:
        return self.emails_of(Notice.Kind.LATE, Notice.Kind.OUTCOMES_LATE)

    @property
    def chases(self) -> list[Notice]:
        return self.emails_of(Notice.Kind.CHASE)


def overdue_in_scope(scope: Scope, owed: Owed, today: datetime.date) -> QuerySet[Practice]:
    """The practices on the page, in name order: owed and overdue, and in the viewer's scope."""
    in_scope = Practice.objects.visible_to(scope).values("pk")
    return owed.overdue(today, practices=in_scope).with_registry().order_by("name", "ods_code")


def outstanding_rows(
    owed: Owed,
    practices: Iterable[Practice],
    *,
    today: datetime.date,
    bands: Sequence[Band] | None = None,
) -> list[OutstandingRow]:
    """A row for each practice given (one page of them, say), in four queries however many.
    Each practice's days late and lateness count from its own due date: its commissioner's
    extension (ADR 0043) or the default."""
    practices = list(practices)
    ids = [p.pk for p in practices]
    bands = bands if bands is not None else selectors.bands()
    contacts: dict[int, list[str]] = defaultdict(list)
    for practice_id, email in PracticeContact.objects.filter(practice_id__in=ids).values_list(
        "practice_id", "email"
    ):
        contacts[practice_id].append(email)
    emails: dict[int, list[Notice]] = defaultdict(list)
    kinds = (
        [Notice.Kind.REMINDER, Notice.Kind.LATE, Notice.Kind.CHASE]
        if owed.is_worksheets
        else [Notice.Kind.OUTCOMES_REMINDER, Notice.Kind.OUTCOMES_LATE, Notice.Kind.CHASE]
    )
    for notice in (
        owed.notices().filter(practice_id__in=ids, kind__in=kinds).order_by("created_at", "pk")
    ):
        emails[notice.practice_id].append(notice)
    chased_today = set(
        Notice.objects.filter(key__in=[chase_key(p, today) for p in practices]).values_list(
            "practice_id", flat=True
        )
    )
    extended = owed.due_dates(ids)
    costs: dict[datetime.date, str] = {}  # worded once for each due date, not for each row

    def cost(due: datetime.date) -> str:
        if not owed.is_worksheets:
            return ""
        if due not in costs:
            costs[due] = wording.lateness_cost(due, today, bands)
        return costs[due]

    rows = []
    for p in practices:
        due = extended.get(p.pk, owed.due_date)
        rows.append(
            OutstandingRow(
                practice=p,
                due_date=due,
                days_late=max((today - due).days, 0),
                cost=cost(due),
                link=owed.link_for(p),
                contacts=sorted(contacts[p.pk]),
                emails=emails[p.pk],
                chased_today=p.pk in chased_today,
                extended_from=owed.due_date if due != owed.due_date else None,
            )
        )
    return rows


def _sent(notices: list[Notice]) -> str:
    """``4 December 2026 (sent); 9 December 2026 (failed)``."""
    return "; ".join(
        f"{wording.day(london_date(n.created_at))} ({n.get_status_display().lower()})"
        for n in notices
    )


def outstanding_figure(owed: Owed, rows: list[OutstandingRow]) -> Figure:
    """The page as a download (CSV or XLSX, text cells neutralised against formula injection)."""
    return Figure(
        slug=f"outstanding-{owed.kind}-{owed.slug}",
        title=f"Outstanding {owed.label}",
        summary=f"{len(rows)} practice{'s' if len(rows) != 1 else ''} owe the {owed.label}.",
        columns=(
            Column("Practice ODS code", "text"),
            Column("Practice", "text"),
            Column("Contacts", "text"),
            Column("Due date", "text"),
            Column("Days late"),
            Column("Lateness now", "text"),
            Column("Reminders", "text"),
            Column("Late notices", "text"),
            Column("Chased", "text"),
        ),
        rows=[
            (
                row.practice.ods_code,
                row.practice.name,
                "; ".join(row.contacts),
                row.due_date.isoformat(),
                row.days_late,
                row.cost,
                _sent(row.reminders),
                _sent(row.late_notices),
                _sent(row.chases),
            )
            for row in rows
        ],
    )


# -- chasing -------------------------------------------------------------------------------------


def _chase_email(owed, practice, today: datetime.date) -> tuple[str, str]:
    # The practice's own due date: its commissioner's extension (ADR 0043), or the default.
    due_date = owed.due_dates([practice.pk]).get(practice.pk, owed.due_date)
    due = wording.day(due_date)
    days = (today - due_date).days
    lines = [
        f"Dear {practice.name} ({practice.ods_code}),",
        "",
        f"Your care home LES {owed.thing} for {owed.period.label} was due on "
        f"{wording.due_day(due_date, owed.due_date)} and we have still not received it: it is "
        f"{wording.days(days)} late.",
        "",
    ]
    if owed.is_worksheets:
        bands = selectors.bands()
        lines += [
            f"Lateness now: {wording.lateness_cost(due_date, today, bands)}.",
            "The deduction grows the longer it waits:",
            *band_timetable(due_date, bands, days),
            "Submit it all the same however late: its closing figures carry forward.",
            "",
        ]
    lines += [
        f"Send it here: {settings.SITE_URL}{owed.link_for(practice)}",
        "",
        "If exceptional circumstances stopped you, or you have sent it since this email was "
        "written, please tell your contracting officer.",
    ]
    subject = f"Chasing: care home LES {owed.thing} for {owed.period.label}, due {due}"
    return subject, "\n".join(lines)


@transaction.atomic
def practice_chase(*, practice, owed, by, today: datetime.date | None = None) -> Notice:
    """An officer chases a practice for ``owed`` (a ``reports.outstanding.Owed``): one email through
    the outbox, recorded in the history. Refused, writing nothing, when the practice does not owe
    it or it is not yet overdue, and when the practice has already been chased today (London date):
    one chasing email a practice a day, whatever it is about, keyed by the date."""
    today = today or timezone.localdate()
    # Serialise chases of one practice: two officers pressing at once write one email.
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    if not owed.overdue(today, practices=[practice.pk]).exists():
        raise ValidationError(
            f"{practice.name} has nothing overdue for the {owed.label}: it has sent it, owes "
            "none, or the due date has not passed."
        )
    key = chase_key(practice, today)
    earlier = Notice.objects.filter(key=key).first()
    if earlier is not None:
        raise ValidationError(
            f"{practice.name} has already been chased today ({earlier.subject}). A practice is "
            "chased at most once a day: try again tomorrow."
        )
    owed = owed.saved()
    subject, body = _chase_email(owed, practice, today)
    notice, _ = notice_create(
        key=key,
        kind=Notice.Kind.CHASE,
        practice_id=practice.pk,
        quarter_id=owed.period.pk if owed.is_worksheets else None,
        outcomes_period_id=None if owed.is_worksheets else owed.period.pk,
        subject=subject,
        body=body,
    )
    audit_record(
        by=by,
        action="practice_chase",
        obj=notice,
        summary=f"{practice.ods_code} chased for the {owed.label}",
        after={"key": key, "status": notice.status, "recipients": notice.recipients},
    )
    return notice
